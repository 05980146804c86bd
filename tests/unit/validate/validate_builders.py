"""Builders for validate's table tests: inline rule files, dashboards and configs -> a Context.

Tables read as sentences ("accepts valid ...", "ignores ...", "rejects ..."); each case lists the
messages the check must produce, so a check that says nothing, or too much, fails.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from obsgate.validate import context
from obsgate.validate.context import default_schemas

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "project"
SCHEMAS = default_schemas(ROOT)
DS = {"type": "prometheus", "uid": "${datasource}"}
FULL = {"summary": "Something is wrong", "description": "What is wrong and why it matters.",
        "runbook_url": "https://runbooks.example/X.md"}


def alert(name="ShopQueueHigh", expr="shop_queue_depth > 100", severity="warning", for_="5m", annotations=None,
          labels=None) -> dict:
    rule = {"alert": name, "expr": expr}
    if for_:
        rule["for"] = for_
    rule["labels"] = {**({"severity": severity} if severity else {}), **(labels or {})}
    rule["annotations"] = dict(FULL if annotations is None else annotations)
    return rule


def record(name, expr, labels=None) -> dict:
    return {"record": name, "expr": expr, **({"labels": labels} if labels else {})}


def rules_file(*rules, group="shop_ext") -> dict:
    return {"groups": [{"name": group, "rules": list(rules)}]}


def panel(title="Requests", expr="sum(rate(shop_requests_total[$__rate_interval]))", type="timeseries",
          unit="reqps", description="Requests per second.", datasource=DS, targets=None, **extra) -> dict:
    p = {"type": type, "title": title, "datasource": datasource,
         "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}}
    if description is not None:
        p["description"] = description
    if unit is not None:
        p["fieldConfig"] = {"defaults": {"unit": unit}, "overrides": []}
    p["targets"] = targets if targets is not None else [{"refId": "A", "datasource": datasource, "expr": expr}]
    p.update(extra)
    return p


def dashboard(*panels, uid="shop-ext", variable=True) -> dict:
    templ = [{"type": "datasource", "name": "datasource", "query": "prometheus"}] if variable else []
    for i, p in enumerate(panels, 1):
        p.setdefault("id", i)
    return {"uid": uid, "title": f"Dashboard {uid}", "schemaVersion": 41, "panels": list(panels),
            "templating": {"list": templ}, "annotations": {"list": []}}


def write(tmp_path: Path, files: dict) -> list[str]:
    paths = []
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content)
        elif name.endswith(".json"):
            path.write_text(json.dumps(content, indent=2))
        else:
            path.write_text(yaml.safe_dump(content, sort_keys=False))
        paths.append(str(path))
    return paths


def make_ctx(tmp_path: Path, files: dict, project=None, schemas=SCHEMAS):
    """A paths-run Context over `files` (name -> text, or a dict dumped as YAML/JSON by suffix)."""
    return context.for_paths(ROOT, project, write(tmp_path, files), schemas)


def messages(problems, check: str | None = None) -> list[str]:
    return sorted(p.message for p in problems if check is None or p.check == check)


def expect(problems, expected: list[str], check: str | None = None) -> None:
    """Exactly len(expected) problems, each expected text found in one of them."""
    got = messages(problems, check)
    assert len(got) == len(expected), f"expected {expected}, got {got}"
    for text in expected:
        assert any(text in g for g in got), f"{text!r} not in {got}"
