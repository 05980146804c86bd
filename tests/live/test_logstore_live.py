"""obsgate's log store as a real process: push and read back, queries, retention, persistence across a
restart (a torn file included), and its ruler firing and resolving through a real Alertmanager."""
from __future__ import annotations

import json
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sim_procs import PY, ROOT, free_port, http, running, scrape, tool, total, wait_until

from obsgate.sim.logstore import NAME

pytestmark = pytest.mark.live

S = 10**9


def logstore_cmd(port: int, *extra: str) -> list[str]:
    return [PY, "-m", "obsgate.sim.logstore", "--port", str(port), *extra]


def push(base: str, streams: list[dict], tenant: str = "") -> int:
    headers = {"Content-Type": "application/json", **({"X-Scope-OrgID": tenant} if tenant else {})}
    req = urllib.request.Request(base + "/loki/api/v1/push", data=json.dumps({"streams": streams}).encode(),
                                 headers=headers, method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return resp.status


def query(base: str, path: str, tenant: str = "", **params) -> object:
    req = urllib.request.Request(f"{base}{path}?{urllib.parse.urlencode(params, doseq=True)}",
                                 headers={"X-Scope-OrgID": tenant} if tenant else {})
    with urllib.request.urlopen(req, timeout=5) as resp:
        doc = json.loads(resp.read())
    assert doc["status"] == "success", doc
    return doc["data"]


def lines(base: str, logql: str, since_s: float = 300, tenant: str = "") -> list[str]:
    data = query(base, "/loki/api/v1/query_range", tenant, query=logql, start=str(time.time_ns() - int(since_s * S)),
                 end=str(time.time_ns() + S), limit="1000", direction="forward")
    return [v[1] for r in data["result"] for v in r["values"]]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("logstore")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(logstore_cmd(port, "--data", str(tmp / "data")), base + "/ready", tmp / "logstore.log",
                 "logstore") as proc:
        yield base, proc


def test_ready_and_startup_log_name_the_stand_in(store):
    base, proc = store
    status, body = http("GET", base + "/ready")
    assert status == 200 and body.decode() == f"ready ({NAME})\n"
    assert f"{NAME}: listening on http://127.0.0.1:" in proc.log_text()


def test_pushed_lines_are_read_back_with_labels_series_and_metric_queries(store):
    base, _ = store
    now = time.time_ns()
    streams = [{"stream": {"service": "checkout", "level": "error"},
                "values": [[str(now - 3 * S + i), f'{{"msg":"declined","n":{i}}}'] for i in range(5)]},
               {"stream": {"service": "checkout", "level": "info"}, "values": [[str(now - 2 * S), '{"msg":"paid"}']]}]
    assert push(base, streams) == 204
    assert lines(base, '{service="checkout", level="error"} | json | n >= 3') == [
        '{"msg":"declined","n":3}', '{"msg":"declined","n":4}']
    matrix = query(base, "/loki/api/v1/query_range", query='sum by (level) (count_over_time({service="checkout"}[1m]))',
                   start=str(now - 10 * S), end=str(now), step="5s")
    assert matrix["resultType"] == "matrix"
    assert {r["metric"]["level"]: r["values"][-1][1] for r in matrix["result"]} == {"error": "5", "info": "1"}
    vector = query(base, "/loki/api/v1/query", query='count_over_time({service="checkout"} |= "paid" [1m])')
    assert [r["value"][1] for r in vector["result"]] == ["1"]
    assert {"level", "service"} <= set(query(base, "/loki/api/v1/labels"))
    assert "checkout" in query(base, "/loki/api/v1/label/service/values")
    assert query(base, "/loki/api/v1/series", **{"match[]": '{service="checkout"}'}) == [
        {"level": "error", "service": "checkout"}, {"level": "info", "service": "checkout"}]
    samples = scrape(base + "/metrics")
    assert total(samples, "obsgate_logstore_received_entries_total", tenant="fake") >= 6


def test_a_bad_query_is_a_400_with_the_parser_message(store):
    base, _ = store
    status, body = http("GET", base + "/loki/api/v1/query_range?query=" + urllib.parse.quote('{service="x"'))
    assert status == 400 and body.strip()


def test_retention_forgets_old_entries_in_memory_and_on_disk(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    with running(logstore_cmd(port, "--data", str(data), "--retention", "3s"), base + "/ready",
                 tmp_path / "logstore.log", "logstore"):
        now = time.time_ns()
        push(base, [{"stream": {"service": "short"}, "values": [[str(now - 2 * S), "soon gone"]]}])
        push(base, [{"stream": {"service": "short"}, "values": [[str(now - 10 * S), "already too old"]]}])
        assert lines(base, '{service="short"}', since_s=60) == ["soon gone"]
        wait_until(lambda: lines(base, '{service="short"}', since_s=60) == [], timeout=10,
                   what="the entry to leave the 3s retention window")
        samples = scrape(base + "/metrics")
        assert total(samples, "obsgate_logstore_dropped_entries_total", reason="retention") >= 1
        assert total(samples, "obsgate_logstore_discarded_entries_total", reason="older_than_retention") == 1
    with running(logstore_cmd(port, "--data", str(data), "--retention", "3s"), base + "/ready",
                 tmp_path / "logstore2.log", "logstore"):
        assert lines(base, '{service="short"}', since_s=60) == []
    assert b"soon gone" not in (data / "fake.jsonl").read_bytes()


def test_logs_survive_a_restart_and_a_torn_last_record(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data = tmp_path / "data"
    now = time.time_ns()
    with running(logstore_cmd(port, "--data", str(data)), base + "/ready", tmp_path / "1.log", "logstore"):
        push(base, [{"stream": {"service": "keep"}, "values": [[str(now - S), "before restart"]]}])
        push(base, [{"stream": {"service": "keep"}, "values": [[str(now), "team b"]]}], tenant="team-b")
    with open(data / "fake.jsonl", "ab") as fh:  # a crash in the middle of an append
        fh.write(b'{"stream":{"service":"keep"},"values":[["' + str(now).encode() + b'","half a rec')
    with running(logstore_cmd(port, "--data", str(data)), base + "/ready", tmp_path / "2.log", "logstore") as proc:
        assert lines(base, '{service="keep"}') == ["before restart"]
        assert lines(base, '{service="keep"}', tenant="team-b") == ["team b"]
        push(base, [{"stream": {"service": "keep"}, "values": [[str(now + S), "after restart"]]}])
        assert "skipped an unreadable record" in proc.log_text()
        assert "2 entries in 2 streams reloaded" in proc.log_text()
    with running(logstore_cmd(port, "--data", str(data)), base + "/ready", tmp_path / "3.log", "logstore"):
        assert lines(base, '{service="keep"}') == ["before restart", "after restart"]


# --- the ruler through a real Alertmanager ---------------------------------------------------------------
class Webhook:
    """The test's own webhook receiver: records what Alertmanager posts."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.posts.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self, status: str) -> list[dict]:
        return [a for p in self.posts for a in p["alerts"] if a["status"] == status
                and a["labels"].get("alertname") == "ProbeErrors"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


RULES = """groups:
- name: probe_alerts
  interval: 1s
  rules:
  - alert: ProbeErrors
    expr: sum by (service) (count_over_time({service="probe", level="error"}[10s])) > 2
    for: 2s
    labels:
      severity: warning
    annotations:
      summary: '{{ $labels.service }} logged {{ $value }} errors'
"""


def test_the_ruler_fires_to_a_real_alertmanager_and_resolves(tmp_path):
    hook = Webhook()
    am_port, port = free_port(), free_port()
    am, base = f"http://127.0.0.1:{am_port}", f"http://127.0.0.1:{port}"
    (tmp_path / "am.yml").write_text(f"""route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: hook
    webhook_configs:
      - url: {hook.url}
        send_resolved: true
""")
    for tenant in ("fake", "team-b"):
        (tmp_path / "rules" / tenant).mkdir(parents=True)
        (tmp_path / "rules" / tenant / "probe.yml").write_text(RULES)
    am_cmd = [tool("alertmanager"), f"--config.file={tmp_path / 'am.yml'}", f"--storage.path={tmp_path / 'am'}",
              f"--web.listen-address=127.0.0.1:{am_port}", "--cluster.listen-address="]
    store_cmd = logstore_cmd(port, "--data", str(tmp_path / "data"), "--rules", str(tmp_path / "rules"),
                             "--eval-interval", "1s", "--alertmanager", am)
    try:
        with running(am_cmd, am + "/-/ready", tmp_path / "am.log", "alertmanager"), \
                running(store_cmd, base + "/ready", tmp_path / "logstore.log", "logstore"):
            groups = query(base, "/prometheus/api/v1/rules")["groups"]
            assert [(g["name"], g["interval"], [r["name"] for r in g["rules"]]) for g in groups] == [
                ("probe_alerts", 1.0, ["ProbeErrors"])]
            wait_until(lambda: query(base, "/prometheus/api/v1/rules")["groups"][0]["rules"][0]["health"] == "ok",
                       timeout=5, what="a first healthy evaluation")
            status, yaml_rules = http("GET", base + "/loki/api/v1/rules")
            assert status == 200 and b"ProbeErrors" in yaml_rules and b"probe.yml" in yaml_rules

            now = time.time_ns()
            push(base, [{"stream": {"service": "probe", "level": "error"},
                         "values": [[str(now - i * S // 10), f"failure {i}"] for i in range(5)]}])
            pending = wait_until(lambda: query(base, "/prometheus/api/v1/alerts")["alerts"], timeout=5,
                                 what="the alert to become active")
            assert pending[0]["state"] == "pending" and pending[0]["value"] == "5e+00"
            firing = wait_until(lambda: [a for a in query(base, "/prometheus/api/v1/alerts")["alerts"]
                                         if a["state"] == "firing"], timeout=6, what="firing after for: 2s")
            assert firing[0]["labels"] == {"alertname": "ProbeErrors", "service": "probe", "severity": "warning"}
            assert firing[0]["annotations"] == {"summary": "probe logged 5 errors"}
            assert query(base, "/prometheus/api/v1/alerts", tenant="team-b")["alerts"] == []  # no data there

            in_am = wait_until(lambda: json.loads(http("GET", am + "/api/v2/alerts?filter=alertname%3DProbeErrors")[1]),
                               timeout=10, what="the alert in Alertmanager")
            assert in_am[0]["generatorURL"].startswith(f"http://127.0.0.1:{port}/graph?g0.expr=sum%20by")
            assert in_am[0]["status"]["state"] == "active"
            got = wait_until(lambda: hook.alerts("firing"), timeout=10, what="a firing notification at the webhook")
            assert got[0]["annotations"]["summary"] == "probe logged 5 errors"
            assert got[0]["labels"]["service"] == "probe"

            resolved = wait_until(lambda: hook.alerts("resolved"), timeout=20,
                                  what="a resolved notification once the 10s window has passed")
            assert resolved[0]["labels"]["alertname"] == "ProbeErrors"
            assert query(base, "/prometheus/api/v1/alerts")["alerts"] == []
            assert query(base, "/prometheus/api/v1/rules")["groups"][0]["rules"][0]["state"] == "inactive"
            samples = scrape(base + "/metrics")
            assert total(samples, "obsgate_logstore_notifications_sent_total") >= 2
            assert total(samples, "obsgate_logstore_notifications_errors_total") == 0
    finally:
        hook.close()


# --- the smoke checks of the `loki` family, against the log store --------------------------------------------
@pytest.fixture(scope="module")
def repo_project():
    from obsgate.load import load

    return load(ROOT)


def test_the_loki_smoke_checks_pass_on_the_log_store_with_the_generated_rules(repo_project, tmp_path):
    from obsgate.smoke import loki as smoke_loki
    from obsgate.smoke.base import Context

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = logstore_cmd(port, "--data", str(tmp_path / "data"), "--rules", str(ROOT / "generated" / "loki" / "rules"),
                       "--eval-interval", "1s")
    ctx = Context(project=repo_project, root=ROOT, profile="ci")
    with running(cmd, base + "/ready", tmp_path / "logstore.log", "logstore"):
        roundtrip = smoke_loki._roundtrip(base)
        ruler = smoke_loki._ruler(ctx, base)
    assert (roundtrip.status, roundtrip.value) == ("passed", "1 line(s)"), roundtrip.message
    rules = sum(len(g.rules) for g in repo_project.loki_groups)
    assert (ruler.status, ruler.value) == ("passed", f"1/1 groups, {rules}/{rules} rules evaluated"), ruler.message


def test_the_loki_ruler_smoke_check_fails_naming_the_group_the_store_did_not_load(repo_project, tmp_path):
    from obsgate.smoke import loki as smoke_loki
    from obsgate.smoke.base import Context

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp_path / "rules" / "fake").mkdir(parents=True)  # no rule file: nothing loaded
    cmd = logstore_cmd(port, "--rules", str(tmp_path / "rules"), "--eval-interval", "1s")
    with running(cmd, base + "/ready", tmp_path / "logstore.log", "logstore"):
        ruler = smoke_loki._ruler(Context(project=repo_project, root=ROOT, profile="ci"), base)
    assert ruler.status == "failed" and ruler.message == "not loaded: log_alerts" and "--rules" in ruler.hint
