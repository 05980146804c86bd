"""LogQL rule unit tests (`obsgate loki-test`): promtool's `alert_rule_test` semantics for Loki rules.

No upstream tool unit-tests Loki rules (grafana/loki#7655, #16659), so obsgate does. The file format:

    rule_files: [../rules/fake/log_alerts.yml]
    tests:
    - name: fires on a burst
      input_streams:
      - stream: '{service="api", level="error"}'     # exact labels, as Loki's push API takes them
        lines:
        - {ts: 30s, line: 'level=error msg="upstream 502"'}
        - {ts: 35s+5sx25, line: 'level=error msg="upstream 502"'}   # repeated lines, see below
      alert_rule_test:
      - eval_time: 5m
        alertname: ServiceErrorBurst
        exp_alerts:
        - exp_labels: {service: api, severity: warning}
          exp_annotations: {summary: api logs errors}

Repeated lines, in the spirit of promtool's `0+1x10`: `ts: START+STEPxN` writes the line N+1 times,
at START, START+STEP, ..., START+N*STEP (`35s+5sx25` is 26 lines from 35s to 2m40s, 5s apart);
`ts: STARTxN` writes it N times at the same instant. Durations are Prometheus durations (`90s`, `1m30s`).

Each test's lines live in a tenant of their own; each alert_rule_test evaluates the rule on its
group's interval grid (0, interval, 2*interval, ... up to eval_time), the way the Loki ruler does,
with `for`, `keep_firing_for`, and labels/annotations rendered with Prometheus' template functions.
A test file fails when an expected alert does not fire, when an unexpected one does, and when no
test in it expects any alert at all (a file of quiet-only tests proves nothing).

Modules: model (the data), loading (YAML -> model, with path:line errors), alerts (the ruler's
alert state), runner (evaluation on a backend: the engine, or a real Loki), report (promtool's layout).
"""
