"""alerts/*: the conventions of the monitoring mixins, on every alert of every checked rule file.

summary/description/runbook_url present, severity one of critical/warning/info, critical alerts
wait before paging, CamelCase names, and no alert or recording rule defined twice.
"""
from __future__ import annotations

import re

from ..model.rules import CAMEL, SEVERITIES
from ..problem import Problem, Severity
from ..promql import PromQLError, parse, uses_absent
from .base import Check, finding
from .files import LOKI_RULES, PROM_RULES

REQUIRED_ANNOTATIONS = ("summary", "description", "runbook_url")
MIN_CRITICAL_FOR = 60.0


def _alerts(ctx):
    return [r for r in ctx.rules if r.kind == "alert"]


def annotations(ctx) -> list[Problem]:
    out = []
    for r in _alerts(ctx):
        ann = r.data.get("annotations") if isinstance(r.data.get("annotations"), dict) else {}
        missing = [k for k in REQUIRED_ANNOTATIONS if not str(ann.get(k) or "").strip()]
        if missing:
            out.append(finding("alerts/annotations", r, Severity.ERROR,
                               f"alert `{r.rule_name}` has no {', '.join(f'`{k}`' for k in missing)} annotation"
                               + ("s" if len(missing) > 1 else ""),
                               "a summary (one sentence), a description (what and why) and a runbook_url"))
        url = str(ann.get("runbook_url") or "").strip()
        if url and not url.startswith(("http://", "https://")) and "{{" not in url:
            out.append(finding("alerts/annotations", r, Severity.ERROR,
                               f"alert `{r.rule_name}`: runbook_url `{url}` is not an http(s) URL",
                               "link the runbook by its full URL"))
    return out


def severity(ctx) -> list[Problem]:
    out = []
    for r in _alerts(ctx):
        labels = r.data.get("labels") if isinstance(r.data.get("labels"), dict) else {}
        sev = labels.get("severity")
        if sev is None:
            out.append(finding("alerts/severity", r, Severity.ERROR, f"alert `{r.rule_name}` has no `severity` label",
                               "set severity to one of critical, warning, info; Alertmanager routes on it"))
        elif sev not in SEVERITIES:
            out.append(finding("alerts/severity", r, Severity.ERROR,
                               f"alert `{r.rule_name}`: severity `{sev}` is not one of {', '.join(SEVERITIES)}",
                               "Alertmanager routes critical, warning and info; other values reach no receiver "
                               "on purpose"))
    return out


def _absent_style(r) -> bool:
    if r.lang == "promql":
        return uses_absent(r.expr)
    return "absent_over_time(" in r.expr.replace(" ", "")  # LogQL: no PromQL AST applies


_DURATION = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def duration(raw: str) -> float | None:
    """Seconds of a Prometheus duration, zero included (`0m`, `0`); None when it is not one."""
    raw = raw.strip()
    if raw == "0":
        return 0.0
    parts = _DURATION.findall(raw)
    if not parts or "".join(n + u for n, u in parts) != raw:
        return None
    return sum(int(n) * _UNIT[u] for n, u in parts)


def for_(ctx) -> list[Problem]:
    out = []
    for r in _alerts(ctx):
        labels = r.data.get("labels") if isinstance(r.data.get("labels"), dict) else {}
        if labels.get("severity") != "critical" or _absent_style(r):
            continue
        raw = str(r.data.get("for") or "0s")
        wait = duration(raw)
        if wait is None:  # an invalid duration is prom/rules' finding
            continue
        if wait < MIN_CRITICAL_FOR:
            out.append(finding("alerts/for", r, Severity.ERROR,
                               f"critical alert `{r.rule_name}` pages after `for: {raw}`: one bad evaluation wakes "
                               "someone up", "wait at least `for: 1m` (absent()-style alerts are exempt)"))
    return out


def name(ctx) -> list[Problem]:
    out = []
    for r in _alerts(ctx):
        n = r.rule_name
        if not CAMEL.match(n) or "_" in n:
            out.append(finding("alerts/name", r, Severity.ERROR, f"alert name `{n}` is not CamelCase",
                               "name alerts like `HighErrorRate`, with a shared prefix per system"))
    return out


def _rule_set(r) -> str:
    """Rules that one Prometheus loads together: the project's own files, or each external file alone."""
    if r.file is not None and (r.external or r.file.meta.get("extracted")):
        return f"{r.file.path}#{r.file.meta.get('document', 0)}"
    return "<project>"


def _normal(expr: str) -> str:
    """An expression as PromQL prints it back (spacing and redundant parentheses do not make it different)."""
    try:
        return str(parse(expr))
    except PromQLError:
        return " ".join(expr.split())


def duplicate(ctx) -> list[Problem]:
    """Same name and labels twice in one rule set. promtool only warns about it, and recording rules that
    differ in their expressions (`code=~"2.."` and `code=~"3.."`) usually write disjoint series: a WARNING
    then, and on external files; an ERROR for identical rules in the project's own files."""
    out = []
    first: dict[tuple, object] = {}
    for r in ctx.rules:
        labels = r.data.get("labels") if isinstance(r.data.get("labels"), dict) else {}
        key = (_rule_set(r), r.lang, r.kind, r.rule_name,
               tuple(sorted((str(k), str(v)) for k, v in labels.items())))
        if key not in first:
            first[key] = r
            continue
        other = first[key]
        what = "alert" if r.kind == "alert" else "recording rule"
        same = _normal(r.expr) == _normal(other.expr)
        if r.kind == "record" and not same:
            out.append(finding("alerts/duplicate", r, Severity.WARNING,
                               f"recording rule `{r.rule_name}` is also recorded at {other.path}:{other.line} with the "
                               "same labels and another expression",
                               "fine when their selectors are disjoint (as promtool, only a warning); otherwise "
                               "one overwrites the other's series"))
            continue
        severity = Severity.WARNING if r.external or not same else Severity.ERROR
        out.append(finding("alerts/duplicate", r, severity,
                           f"{what} `{r.rule_name}` is defined twice with the same labels "
                           f"(first at {other.path}:{other.line})",
                           "two rules writing the same series overwrite each other; rename one or merge them"))
    return out


CHECKS = (
    Check("alerts/annotations", "summary, description and runbook_url on every alert", annotations,
          (PROM_RULES, LOKI_RULES)),
    Check("alerts/severity", "severity is critical, warning or info", severity, (PROM_RULES, LOKI_RULES)),
    Check("alerts/for", "critical alerts wait at least 1m (absent()-style exempt)", for_, (PROM_RULES, LOKI_RULES)),
    Check("alerts/name", "alert names are CamelCase", name, (PROM_RULES, LOKI_RULES)),
    Check("alerts/duplicate", "no alert or recording rule defined twice", duplicate, (PROM_RULES, LOKI_RULES)),
)
