"""loki/*: every Loki rule, LogQL panel query and LogQL runbook step, on obsgate's LogQL engine.

loki/rules        a rule file's rules parse (expression, `for`, label and annotation templates), alerts
                  and recording rules are metric queries, groups and rules carry only Loki's fields
loki/stream-label a stream selector names a label no declared LogStream has
loki/label-value  a selector matches no declared value of its label
loki/field        a label filter, unwrap or grouping reads a field no matching stream declares
loki/parser       `| json` on streams declared logfmt (or `| logfmt` on json streams)

The catalog checks work like the PromQL xref/* checks and are suppressed the same way
(`Suppress("loki/field", "why")` on the rule, or on the board for a panel). In an external rule file a
finding points at `path:line` of the expression, and the message gives the column in the file.
"""
from __future__ import annotations

import difflib
import re

import yaml

from .. import logql
from ..logql.templates import TemplateError, check_alert_template
from ..logql.units import prom_duration_ns
from ..logql.usage import uses
from ..problem import Problem, Severity
from .base import Check, Subject, finding
from .items import GRAFANA_VAR_PREFIX, datasource_type, panel_expr

CHECK = "loki/rules"
LABEL, VALUE, FIELD, PARSER = "loki/stream-label", "loki/label-value", "loki/field", "loki/parser"

GROUP_KEYS = {"name", "interval", "limit", "rules", "query_offset", "evaluation_delay", "source_tenants"}
RULE_KEYS = {"alert", "record", "expr", "for", "keep_firing_for", "labels", "annotations"}
RECORD_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*(:[a-zA-Z0-9_]+)+$")
ALWAYS = {"__error__", "__error_details__", "__line__", "__stream_shard__"}
HINT_SYNTAX = "fix the LogQL expression at the ^ (https://grafana.com/docs/loki/latest/query/)"
HINT_TEMPLATE = "labels and annotations are Go templates: `{{ $labels.service }}`, `{{ $value | humanize }}`"


class _Q:
    """One LogQL expression to check: its text, what it belongs to, and how to point into its file."""

    def __init__(self, subject: Subject, text: str, where: str, origin: str, locate=None, line=None):
        self.subject, self.text, self.where, self.origin = subject, text, where, origin
        self.locate = locate  # (expr line, expr col) -> (file line, file col), for external rule files
        self.line = line  # the line findings point at (None: the subject's)


# --- entry point -----------------------------------------------------------------------------------

def check(ctx) -> list[Problem]:
    """Registry entry point: rule files, LogQL panels and runbook steps of the run."""
    from .files import LOKI_RULES
    return sorted(set(_queries(ctx) + file_problems(ctx.of(LOKI_RULES))), key=Problem.sort_key)


def _queries(ctx) -> list[Problem]:
    out: list[Problem] = []
    queries: list[_Q] = []
    positions: dict = {}
    for r in ctx.rules:
        if r.lang != "logql":
            continue
        out += _rule_shape(r)
        where = f"{r.kind} `{r.rule_name}` in group `{r.group}`"
        if r.model is None and r.file is not None:
            locate = _locator(r.file, r.gi, r.ri, positions)
            queries.append(_Q(r, r.expr, where, "rule", locate, line=lambda r=r: r.file_line("expr")))
        else:
            queries.append(_Q(r, r.expr, where, "rule"))
    for p in ctx.panels:
        for ti, target in enumerate(p.panel.get("targets") or []):
            if not isinstance(target, dict) or not isinstance(target.get("expr"), str) or not target["expr"].strip():
                continue
            if datasource_type(p, target) != "loki":
                continue
            at = p.at + ("targets", ti, "expr")
            queries.append(_Q(p, panel_expr(target["expr"]), f"panel `{p.name}`", "panel",
                              line=lambda f=p.file, at=at: f.line(at)))
    streams = tuple(ctx.project.log_streams) if ctx.project is not None else ()
    for q in queries:
        out += _query(q, streams)
    if queries and not streams:  # never a silent pass: say what was not checked
        out.append(Problem(LABEL, Severity.INFO, "skipped: no project catalog with log streams to check LogQL "
                           "selectors and fields against (run inside a project or pass --root)"))
    if ctx.project is not None and streams:
        out += _runbook_steps(ctx.project, streams)
    return out


# The catalog checks run inside `check` (one walk over the queries); their ids are listed for docs/suppressions.
CATALOG_CHECKS = (LABEL, VALUE, FIELD, PARSER)


# --- rule structure (what lokitool's check did) ------------------------------------------------------

def _rule_shape(r) -> list[Problem]:
    out = []
    data, where = r.data, f"{r.kind} `{r.rule_name}` in group `{r.group}`"
    line = (lambda: r.file_line()) if r.model is None else None
    for key in sorted(set(data) - RULE_KEYS):
        out.append(finding(CHECK, r, Severity.ERROR, f"{where}: field {key} not found in type rulefmt.Rule",
                           "a Loki rule has alert|record, expr, for, keep_firing_for, labels, annotations",
                           line=(lambda k=key: r.file_line(k)) if r.model is None else None))
    if "alert" in data and "record" in data:
        out.append(finding(CHECK, r, Severity.ERROR, f"{where}: only one of 'record' and 'alert' must be set",
                           line=line))
    if not str(data.get("expr", "")).strip():
        out.append(finding(CHECK, r, Severity.ERROR, f"{where}: field 'expr' must be set in rule", line=line))
    if r.kind == "record":
        if not RECORD_NAME.match(r.rule_name):
            out.append(finding(CHECK, r, Severity.WARNING, f"{where}: recording rule name does not match "
                               "level:metric:operation format, must contain at least one colon",
                               "name recording rules level:metric:operations "
                               "(https://prometheus.io/docs/practices/rules/)", line=line))
        for key in ("for", "keep_firing_for", "annotations"):
            if key in data:
                out.append(finding(CHECK, r, Severity.ERROR, f"{where}: invalid field '{key}' in recording rule",
                                   line=line))
    for key in ("for", "keep_firing_for"):
        if key in data and prom_duration_ns(str(data[key])) is None and str(data[key]) not in ("0",):
            out.append(finding(CHECK, r, Severity.ERROR, f"{where}: `{key}` is not a duration: `{data[key]}`",
                               "write it like `5m` or `1h30m`",
                               line=(lambda k=key: r.file_line(k)) if r.model is None else None))
    for kind in ("labels", "annotations"):
        values = data.get(kind) or {}
        if not isinstance(values, dict):
            out.append(finding(CHECK, r, Severity.ERROR, f"{where}: `{kind}` must be a mapping", line=line))
            continue
        for k, v in sorted(values.items(), key=lambda kv: str(kv[0])):
            try:
                check_alert_template(str(v))
            except TemplateError as exc:
                out.append(finding(CHECK, r, Severity.ERROR, f"{where}: {kind[:-1]} {k}: template: {exc}",
                                   HINT_TEMPLATE,
                                   line=(lambda kind=kind, k=k: r.file_line(kind, k)) if r.model is None else None))
    return out


def file_problems(files) -> list[Problem]:
    """Group-level faults of Loki rule files: unknown group fields, repeated group names, duplicates."""
    out = []
    for f in files:
        groups = f.data.get("groups") if isinstance(f.data, dict) else None
        if not isinstance(groups, list):
            continue
        seen: dict = {}
        records: dict = {}
        for gi, g in enumerate(groups):
            if not isinstance(g, dict):
                out.append(Problem(CHECK, Severity.ERROR, "a group must be a mapping", f.path, f.line(("groups", gi))))
                continue
            name = str(g.get("name", ""))
            if not name:
                out.append(Problem(CHECK, Severity.ERROR, "group name must not be empty", f.path,
                                   f.line(("groups", gi))))
            elif name in seen:
                out.append(Problem(CHECK, Severity.ERROR, f'groupname: "{name}" is repeated in the same file', f.path,
                                   f.line(("groups", gi)), "give each group of a file its own name"))
            seen[name] = gi
            for key in sorted(set(g) - GROUP_KEYS):
                out.append(Problem(CHECK, Severity.ERROR, f"group `{name}`: field {key} not found", f.path,
                                   f.line(("groups", gi, key)),
                                   "a Loki rule group is `{name, interval?, limit?, rules: [...]}`"))
            if "interval" in g and prom_duration_ns(str(g["interval"])) is None:
                out.append(Problem(CHECK, Severity.ERROR, f"group `{name}`: `interval` is not a duration: "
                                   f"`{g['interval']}`", f.path, f.line(("groups", gi, "interval"))))
            if not isinstance(g.get("rules"), list):
                out.append(Problem(CHECK, Severity.ERROR, f"group `{name}`: `rules` must be a list", f.path,
                                   f.line(("groups", gi))))
                continue
            for ri, rule in enumerate(g["rules"]):
                if isinstance(rule, dict) and "record" in rule:
                    key = (str(rule["record"]), tuple(sorted((rule.get("labels") or {}).items())))
                    if key in records:
                        out.append(Problem(CHECK, Severity.WARNING, f"duplicate rule `{key[0]}` with the same labels",
                                           f.path, f.line(("groups", gi, "rules", ri)),
                                           "two rules writing the same series make the recorded values inconsistent"))
                    records[key] = True
    return out


SUMMARY = ("Loki rules, LogQL panel queries and runbook steps on obsgate's LogQL engine, against the catalog's "
           "log streams (no Loki binary)")
CHECKS = (Check(CHECK, SUMMARY, check, ("loki-rules",)),)
KINDS = {CHECK: ("loki-rules",)}  # read by registries that describe checks as id -> kinds
TOOLS: dict = {CHECK: ()}  # no external tool: the engine is in-process


# --- one query ---------------------------------------------------------------------------------------

def _query(q: _Q, streams) -> list[Problem]:
    try:
        query = logql.parse(q.text)
    except logql.Unsupported as exc:  # Loki may well run it: not an error, but never a silent pass
        return [finding(CHECK, q.subject, Severity.WARNING, f"{q.where}: not checked: {exc.message} (line "
                        f"{exc.line}, col {exc.column} of the expression)", exc.hint, line=q.line)]
    except logql.LogQLSyntaxError as exc:
        return [_syntax(q, exc)]
    out = []
    if q.origin == "rule" and query.kind != "metric":
        out.append(finding(CHECK, q.subject, Severity.ERROR, f"{q.where}: the expression is a log query; a rule needs "
                           "a metric query", "e.g. `sum(count_over_time({service=\"api\"} |= \"error\" [5m])) > 0`",
                           line=q.line))
    if streams:
        out += catalog_findings(query, streams, q.subject, q.where, q.line)
    return out


def _syntax(q: _Q, exc: logql.LogQLSyntaxError) -> Problem:
    text = exc.message + (f" (expected {logql.errors._one_of(exc.expected)})" if exc.expected else "")
    if q.locate is not None:
        fline, fcol = q.locate(exc.line, exc.column)
        where = f"column {fcol}: " if fcol else ""
        return finding(CHECK, q.subject, Severity.ERROR,
                       f"{q.where}: {where}parse error at line {exc.line}, col {exc.column} of the expression: {text}",
                       exc.hint or HINT_SYNTAX, caret(q.text, exc.line, exc.column), line=fline or q.line)
    return finding(CHECK, q.subject, Severity.ERROR, f"{q.where}: parse error at line {exc.line}, col {exc.column} of "
                   f"the expression: {text}", exc.hint or HINT_SYNTAX, caret(q.text, exc.line, exc.column), line=q.line)


def caret(expr: str, line: int, col: int) -> str:
    """The expression line that holds the fault with ^ under column `col` (1-based), as pint shows it."""
    lines = expr.splitlines() or [""]
    text = lines[min(max(line, 1), len(lines)) - 1]
    return f"{text}\n{' ' * max(min(col, len(text) + 1) - 1, 0)}^"


def _locator(f, gi: int, ri: int, cache: dict):
    """(expr line, col) -> (file line, file col) for the `expr` scalar of groups[gi].rules[ri]."""
    def locate(line: int, col: int) -> tuple[int, int]:
        node = _expr_node(f, gi, ri, cache)
        if node is None:
            return (0, 0)
        start = node.start_mark
        style = node.style
        if style in ("|", ">"):
            body = f.text.splitlines()[start.line + 1:]
            indent = len(body[0]) - len(body[0].lstrip(" ")) if body else 0
            return (start.line + 1 + line, indent + col)
        offset = 1 if style in ('"', "'") else 0
        if line == 1:
            return (start.line + 1, start.column + 1 + offset + col - 1)
        return (start.line + line, col)
    return locate


def _expr_node(f, gi: int, ri: int, cache: dict):
    key = id(f)
    if key not in cache:
        try:
            cache[key] = yaml.compose(f.text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            cache[key] = None
    node = cache[key]
    for step in ("groups", gi, "rules", ri, "expr"):
        node = _child(node, step)
        if node is None:
            return None
    return node


def _child(node, step):
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if getattr(k, "value", None) == step), None)
    if isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
        return node.value[step]
    return None


# --- catalog cross-checks ----------------------------------------------------------------------------

def _placeholder(value: str) -> bool:
    """A Grafana variable or a runbook's `<name>` placeholder: any value may stand there."""
    return GRAFANA_VAR_PREFIX in value or bool(re.search(r"<[A-Za-z_][\w-]*>", value))


def _stream_labels(s) -> dict:
    return {lab.name: lab for lab in s.labels}


def _label_can_match(lab, m) -> bool:
    if not lab.values:
        return True  # a bounded label without listed values: any value may occur
    return any(m.matches(v) for v in lab.values)


def _matching(streams, matchers) -> list:
    out = []
    for s in streams:
        labels = _stream_labels(s)
        ok = True
        for m in matchers:
            if _placeholder(m.value):
                if m.name not in labels and m.op in ("=", "=~"):
                    ok = False
                continue
            lab = labels.get(m.name)
            if lab is None:
                if not m.matches(""):
                    ok = False
                continue
            if not _label_can_match(lab, m):
                ok = False
        if ok:
            out.append(s)
    return out


def catalog_findings(query, streams, subject, where: str, line=None, only=None) -> list[Problem]:
    """loki/stream-label, loki/label-value, loki/field and loki/parser findings of one parsed query."""
    out: list[Problem] = []
    declared = {lab.name for s in streams for lab in s.labels}
    for use in uses(query):
        sel = "{" + ", ".join(str(m) for m in use.matchers) + "}"
        unknown = [m for m in use.matchers if m.name not in declared]
        for m in unknown:
            out.append(finding(LABEL, subject, Severity.ERROR,
                               f"{where} selects streams by `{m.name}`, a label no log stream declares (declared: "
                               f"{', '.join(sorted(declared))})", _suggest(m.name, declared) +
                               "select by a declared stream label; parsed fields go after a parser, e.g. "
                               "`| json | field=\"x\"`", line=line))
        if unknown:
            continue
        matching = _matching(streams, use.matchers)
        if not matching:
            out.append(_value_finding(streams, use.matchers, sel, subject, where, line))
            continue
        out += _events(use, matching, subject, where, line, sel)
    if only is not None:
        out = [p for p in out if p.check in only]
    return out


def _value_finding(streams, matchers, sel, subject, where, line) -> Problem:
    for m in matchers:
        if _placeholder(m.value):
            continue
        values = sorted({v for s in streams for lab in s.labels if lab.name == m.name for v in lab.values})
        if values and not any(m.matches(v) for v in values) and m.op in ("=", "=~"):
            return finding(VALUE, subject, Severity.ERROR,
                           f"{where}: `{m}` matches no declared value of `{m.name}` ({', '.join(values)})",
                           _suggest(m.value, values) + "use a declared value, or declare it on the LogStream in "
                           "catalog/", line=line)
    return finding(VALUE, subject, Severity.ERROR,
                   f"{where}: `{sel}` matches no declared log stream (no LogStream has these label values together)",
                   "check the selector against the LogStreams in catalog/", line=line)


def _events(use, matching, subject, where, line, sel) -> list[Problem]:
    out = []
    names = sorted(s.name for s in matching)
    base = {lab.name for s in matching for lab in s.labels}
    available = set(base) | ALWAYS
    formats = {s.format for s in matching}
    for event in use.events:
        if event[0] == "parser":
            kind, produced = event[1], event[2]
            if kind in ("json", "logfmt") and formats == {"logfmt" if kind == "json" else "json"}:
                out.append(finding(PARSER, subject, Severity.ERROR,
                                   f"{where}: `| {kind}` on {', '.join(names)}, declared "
                                   f"{'logfmt' if kind == 'json' else 'json'}",
                                   f"use `| {'logfmt' if kind == 'json' else 'json'}`, or declare the stream's "
                                   "format in catalog/", line=line))
            if produced is None:
                fields = {f for s in matching for f in s.fields}
                available |= fields | {f + "_extracted" for f in fields if f in base}
            else:
                available |= set(produced) | {p + "_extracted" for p in produced if p in base}
        elif event[0] == "adds":
            available |= set(event[1])
        elif event[0] == "uses":
            name, how = event[1], event[2]
            if name in available:
                continue
            available.add(name)  # report each name once per selector
            what = {"filter": "filters on", "unwrap": "unwraps", "by": "groups by", "without": "groups without"}[how]
            fields = sorted({f for s in matching for f in s.fields})
            out.append(finding(FIELD, subject, Severity.ERROR,
                               f"{where} {what} `{name}`, which no stream matching `{sel}` declares (streams: "
                               f"{', '.join(names)}; fields: {', '.join(fields) or 'none'})",
                               _suggest(name, fields) + "use a declared field after a parser, or declare it in the "
                               "LogStream's fields in catalog/", line=line))
    return out


def _suggest(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`? " if close else ""


# --- runbook steps -------------------------------------------------------------------------------

def _runbook_steps(project, streams) -> list[Problem]:
    """The catalog findings runbooks/steps does not make itself (it parses and checks label names)."""
    from ..generate.runbooks import runbook_steps
    out = []
    for rule, step in runbook_steps(project):
        if step.lang != "logql" or not step.query:
            continue
        try:
            query = logql.parse(step.query)
        except logql.LogQLError:
            continue  # runbooks/steps reports it
        subject = Subject(step.source.path, step.source.line, rule.name, tuple(getattr(rule, "suppress", ())))
        out += catalog_findings(query, streams, subject, f"alert `{rule.name}` step \"{step.title}\"",
                                only=(VALUE, FIELD, PARSER))
    return out
