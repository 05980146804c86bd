"""schema/*: each file against its upstream JSON schema (../shared/schemas), findings at the offending line.

The schemas catch structure early with readable paths; promtool/amtool stay the final word.
Dashboards are also checked target by target against the Prometheus/Loki query schema, which
catches misspelt query keys that the dashboard schema lets through.
"""
from __future__ import annotations

import json
import threading
from pathlib import Path

import jsonschema
import jsonschema_rs

from ..problem import Problem, Severity
from .base import Check, skipped
from .files import AM_CONFIG, COMPOSE, DASHBOARD, PROM_CONFIG, PROM_RULES, PROM_TESTS, SourceFile
from .items import dashboard_of, datasource_type, iter_panels, PanelItem

MAX_PER_FILE = 20
SCHEMAS = {
    "schema/grafana-dashboard": (DASHBOARD, "grafana/dashboard.jsonschema.json"),
    "schema/compose": (COMPOSE, "compose-spec.json"),
    "schema/prom-rules": (PROM_RULES, "schemastore/prometheus.rules.json"),
    "schema/prom-config": (PROM_CONFIG, "schemastore/prometheus.json"),
    "schema/alertmanager": (AM_CONFIG, "schemastore/prometheus-alertmanager.json"),
    "schema/prom-rule-tests": (PROM_TESTS, "schemastore/prometheus.rules.test.json"),
}
QUERY_SCHEMAS = {"prometheus": "grafana/prometheus.jsonschema.json", "loki": "grafana/loki.jsonschema.json"}

_cache: dict[Path, jsonschema.protocols.Validator] = {}
_fast: dict[Path, object] = {}
_lock = threading.Lock()


def validator(path: Path):
    """A compiled validator per schema file (compiled once per process)."""
    with _lock:
        if path not in _cache:
            schema = json.loads(path.read_text())
            cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
            _cache[path] = cls(schema)
            try:  # the Rust validator answers "valid?" in milliseconds where jsonschema takes seconds
                _fast[path] = jsonschema_rs.validator_for(schema, validate_formats=False)
            except (ValueError, jsonschema_rs.ValidationError):  # a schema it cannot compile: jsonschema alone
                _fast[path] = None
        return _cache[path]


def is_valid(path: Path, data) -> bool | None:
    """True/False from the fast validator; None when it has none for this schema."""
    validator(path)
    fast = _fast.get(path)
    if fast is None:
        return None
    try:
        return fast.is_valid(data)
    except (ValueError, TypeError, OverflowError):  # YAML values JSON has not (dates, huge integers)
        return None


def _where(path) -> str:
    return "/".join(str(p) for p in path) or "(top level)"


def specific(error):
    """The most specific cause of an anyOf/oneOf failure: in the branch that failed least, the deepest error.

    A rule that is neither a valid alert nor a valid record fails both branches; the branch with fewer
    errors is the one the author meant (an alert with a bad `for` is not "missing `record`").
    """
    while error.context:
        branches: dict = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0] if sub.relative_schema_path else 0, []).append(sub)
        best = min(branches.values(), key=len)
        error = max(best, key=lambda e: len(e.absolute_path))
    return error


def _short(error) -> str:
    text = error.message
    if len(text) > 240:
        text = text[:237] + "..."
    return text


def validate(f: SourceFile, schema: Path, check_id: str, data=None, base: tuple = ()) -> list[Problem]:
    data = f.data if data is None else data
    if is_valid(schema, data):
        return []  # jsonschema only for files with errors: it names the most specific cause
    errors = sorted(validator(schema).iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for err in errors[:MAX_PER_FILE]:
        err = specific(err)
        at = base + tuple(err.absolute_path)
        out.append(Problem(check_id, Severity.ERROR, f"`{_where(at)}`: {_short(err)}", f.path, f.line(at),
                           f"the value must match the upstream schema {schema.parent.name}/{schema.name}"))
    if len(errors) > MAX_PER_FILE:
        out.append(Problem(check_id, Severity.ERROR, f"{len(errors) - MAX_PER_FILE} more schema errors not shown",
                           f.path, 0))
    return out


def _runner(check_id: str, kind: str, rel: str):
    def run(ctx) -> list[Problem]:
        files = [f for f in ctx.of(kind) if f.doc is not None]
        if not files:
            return []
        schema = Path(ctx.schemas_dir) / rel
        if not schema.is_file():
            return [skipped(check_id, f"schema {rel} not found under {ctx.schemas_dir}",
                            "the schemas live in ../shared/schemas next to the project root")]
        out: list[Problem] = []
        for f in files:
            if kind == DASHBOARD:
                dash, base = dashboard_of(f)
                found = validate(f, schema, check_id, dash, base) + _targets(ctx, f, dash, base, check_id)
                out += _standard(f, found) if f.external and found else found
            else:
                out += validate(f, schema, check_id)
        return out
    run.__name__ = f"check_{check_id.split('/')[1].replace('-', '_')}"
    return run


def _targets(ctx, f: SourceFile, dash: dict, base: tuple, check_id: str) -> list[Problem]:
    out: list[Problem] = []
    for at, panel in iter_panels(dash, base):
        item = PanelItem(f.path, 0, file=f, at=at, panel=panel, dashboard=dash)
        for i, target in enumerate(panel.get("targets") or []):
            if not isinstance(target, dict):
                continue
            rel = QUERY_SCHEMAS.get(datasource_type(item, target))
            schema = Path(ctx.schemas_dir) / rel if rel else None
            if schema is None or not schema.is_file():
                continue
            out += validate(f, schema, check_id, target, at + ("targets", i))
    return out


def _standard(f: SourceFile, found: list[Problem]) -> list[Problem]:
    """An external dashboard's strict-schema findings as one verdict: obsgate's standard, not Grafana's."""
    first = found[0]
    listing = "\n".join(f"line {p.line}: {p.message}" for p in found[:MAX_PER_FILE])
    return [Problem(first.check, Severity.WARNING,
                    f"does not meet obsgate's standard for generated dashboards (the strict schemaVersion "
                    f"{STANDARD_VERSION} schema): {len(found)} finding{'s' if len(found) > 1 else ''}, the first "
                    f"{first.message}", f.path, first.line,
                    "mandatory only for generated/; schema/grafana-import says whether Grafana imports it",
                    listing)]


# --- "Grafana will import this" ----------------------------------------------------------------------

STANDARD_VERSION = 42  # the schemaVersion of the strict schema (grafana-foundation-sdk)
MIGRATED_BEFORE = 36  # Grafana 9.0 (schemaVersion 36) turned datasource names into {type, uid} references
LEGACY_PANELS = {"graph": "timeseries", "singlestat": "stat", "table-old": "table",
                 "grafana-piechart-panel": "piechart", "grafana-worldmap-panel": "geomap"}
IMPORT = "schema/grafana-import"


def grafana_import(ctx) -> list[Problem]:
    """What Grafana itself requires to import a dashboard, with migration advice for old models."""
    out: list[Problem] = []
    for f in ctx.of(DASHBOARD):
        if f.doc is None:
            continue
        dash, base = dashboard_of(f)
        out += _importable(f, dash, base)
    return out


def _importable(f: SourceFile, dash, base: tuple) -> list[Problem]:
    def at(*path) -> int:
        return f.line(base + path)

    if not isinstance(dash, dict):
        return [Problem(IMPORT, Severity.ERROR, "Grafana will not import this: the dashboard is not a JSON object",
                        f.path, 1, "a dashboard file holds one object with title, panels and templating")]
    out = []
    if not str(dash.get("title") or "").strip():
        out.append(Problem(IMPORT, Severity.ERROR, "Grafana will not import this: the dashboard has no `title`",
                           f.path, at(), "give the dashboard a title"))
    for key in ("panels", "rows"):
        if key in dash and not isinstance(dash[key], list):
            out.append(Problem(IMPORT, Severity.ERROR, f"Grafana will not import this: `{key}` is not a list",
                               f.path, at(key), f"`{key}` holds a list of panel objects"))
    templating = dash.get("templating")
    if templating is not None and not (isinstance(templating, dict) and isinstance(templating.get("list", []), list)):
        out.append(Problem(IMPORT, Severity.ERROR, "Grafana will not import this: `templating.list` is not a list",
                           f.path, at("templating"), "templating is {\"list\": [...variables]}"))
    version = dash.get("schemaVersion")
    if version is not None and not isinstance(version, int):
        out.append(Problem(IMPORT, Severity.ERROR, f"`schemaVersion` `{version}` is not a number", f.path,
                           at("schemaVersion"), f"current Grafana writes {STANDARD_VERSION}"))
    elif version is None or version < MIGRATED_BEFORE:
        shown = f"schemaVersion {version}" if version is not None else "no schemaVersion"
        out.append(Problem(IMPORT, Severity.WARNING, f"Grafana imports this ({shown}) after migrating it to "
                           f"{STANDARD_VERSION}", f.path, at("schemaVersion"),
                           "import it into a current Grafana and export it again to keep the migrated model"))
    if isinstance(dash.get("rows"), list) and dash["rows"]:
        out.append(Problem(IMPORT, Severity.WARNING, "legacy `rows` layout: Grafana turns the rows into panels on "
                           "import", f.path, at("rows"), "re-export from a current Grafana"))
    legacy: dict[str, int] = {}
    for _, panel in iter_panels(dash, base):
        kind = str(panel.get("type", ""))
        if kind in LEGACY_PANELS:
            legacy[kind] = legacy.get(kind, 0) + 1
    if legacy:
        shown = ", ".join(f"{n} `{k}` (now `{LEGACY_PANELS[k]}`)" for k, n in sorted(legacy.items()))
        out.append(Problem(IMPORT, Severity.WARNING, f"legacy panels: {shown}; Grafana migrates them when they "
                           "are opened", f.path, at("panels"),
                           "open the dashboard in a current Grafana, let it migrate the panels, export it again"))
    inputs = [i for i in dash.get("__inputs") or [] if isinstance(i, dict)]
    if inputs:
        names = ", ".join(f"`{i.get('name')}`" for i in inputs if i.get("name"))
        out.append(Problem(IMPORT, Severity.INFO, f"export format: Grafana asks for {names} on import", f.path,
                           at("__inputs")))
    return out


CHECKS = tuple(Check(cid, f"{rel} accepts every {kind} file", _runner(cid, kind, rel), (kind,))
               for cid, (kind, rel) in SCHEMAS.items()) + (
    Check(IMPORT, "Grafana will import every dashboard (old models get migration advice)", grafana_import,
          (DASHBOARD,)),)
