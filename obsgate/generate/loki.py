"""loki.yml (single binary, filesystem storage, ruler -> Alertmanager) and Loki rule/test files."""
from __future__ import annotations

from ..logql.units import format_prom_duration, prom_duration_ns
from ..project import Project
from .prometheus import alert_dict, expected_alert
from .target import Target

LOKI_HTTP_PORT = 3100
LOKI_GRPC_PORT = 9096


def config(project: Project, target: Target) -> dict:
    stack = project.stack
    loki = stack.service("loki")
    data = target.path("loki_data")
    doc: dict = {
        "auth_enabled": False,
        "server": {
            "http_listen_address": "0.0.0.0" if target.runtime == "docker" else "127.0.0.1",
            "http_listen_port": loki.container_port if target.runtime == "docker" else loki.port,
            "grpc_listen_address": "0.0.0.0" if target.runtime == "docker" else "127.0.0.1",
            "grpc_listen_port": LOKI_GRPC_PORT,
            "log_level": "warn",
        },
        "common": {
            "instance_addr": "127.0.0.1",
            "path_prefix": data,
            "storage": {"filesystem": {"chunks_directory": f"{data}/chunks", "rules_directory": f"{data}/rules"}},
            "replication_factor": 1,
            "ring": {"kvstore": {"store": "inmemory"}},
        },
        "schema_config": {"configs": [{
            "from": "2024-01-01", "store": "tsdb", "object_store": "filesystem", "schema": "v13",
            "index": {"prefix": "index_", "period": "24h"},
        }]},
        # Single binary: no peers to wait for (the default holds /ready back for 15 s after the ring is up).
        "ingester": {"lifecycler": {"min_ready_duration": "0s", "final_sleep": "0s"}},
        "limits_config": {"reject_old_samples": False, "allow_structured_metadata": True},
        "ruler": {
            "storage": {"type": "local", "local": {"directory": target.path("loki_rules")}},
            "rule_path": f"{data}/rules-temp",
            "enable_api": True,
            "enable_alertmanager_v2": True,
            "evaluation_interval": target.profile.loki_eval_interval,
            "ring": {"kvstore": {"store": "inmemory"}},
        },
        "analytics": {"reporting_enabled": False},
    }
    if stack.has("alertmanager"):
        doc["ruler"]["alertmanager_url"] = "http://" + target.addr(stack, "alertmanager")
    return doc


def rule_file(project: Project, group, target: Target) -> dict:
    doc: dict = {"name": group.name}
    if group.interval:
        doc["interval"] = group.interval
    doc["rules"] = [alert_dict(project, r, target) for r in group.rules]
    return {"groups": [doc]}


def test_file(project: Project, group) -> dict | None:
    """Our LogQL unit-test format, mirroring promtool's (`input_streams`, `alert_rule_test`)."""
    tests = []
    for rule in group.rules:
        for case in rule.tests:
            tests.append({
                "name": f"{rule.name}: {case.name}",
                "input_streams": [{"stream": sel, "lines": compact_lines(lines)}
                                  for sel, lines in case.streams.items()],
                "alert_rule_test": [{
                    "eval_time": case.at,
                    "alertname": rule.name,
                    "exp_alerts": [expected_alert(project, rule, e) for e in case.alerts],
                }],
            })
    if not tests:
        return None
    return {"rule_files": [f"../rules/{group.tenant}/{group.name}.yml"], "tests": tests}


def compact_lines(lines) -> list[dict]:
    """(ts, line) pairs as test-file items, runs of one line at a steady step written once, in the
    notation `obsgate loki-test` reads (obsgate/logql/ruletest): `ts: START+STEPxN` is N+1 lines."""
    items: list[dict] = []
    pairs = [(str(ts), str(line), prom_duration_ns(str(ts))) for ts, line in lines]
    i = 0
    while i < len(pairs):
        ts, line, ns = pairs[i]
        j = i + 1
        step = pairs[j][2] - ns if j < len(pairs) and ns is not None and pairs[j][2] is not None else None
        while (step is not None and step > 0 and j < len(pairs) and pairs[j][1] == line and pairs[j][2] is not None
               and pairs[j][2] - pairs[j - 1][2] == step):
            j += 1
        if step is not None and step > 0 and j - i >= 3:
            items.append({"ts": f"{ts}+{format_prom_duration(step)}x{j - i - 1}", "line": line})
            i = j
            continue
        items.append({"ts": ts, "line": line})
        i += 1
    return items


def files(project: Project, target: Target) -> dict[str, object]:
    if not project.stack.has("loki"):
        return {}
    out: dict[str, object] = {"generated/loki/loki.yml": config(project, target)}
    for group in project.loki_groups:
        out[f"generated/loki/rules/{group.tenant}/{group.name}.yml"] = rule_file(project, group, target)
        tests = test_file(project, group)
        if tests is not None:
            out[f"generated/loki/tests/{group.name}.test.yml"] = tests
    return out
