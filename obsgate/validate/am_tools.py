"""am/config (amtool check-config) and am/routes: every route of the tree and every generated alert reaches the
receivers the Routing model says (asked of amtool), and each inhibit rule can mute some pair of generated alerts."""
from __future__ import annotations

import concurrent.futures as cf
import json
from dataclasses import dataclass

from ..generate.prometheus import alert_labels
from ..model.stack import matcher_matches, parse_matcher

from ..problem import Problem, Severity
from ..wrappers import amtool
from ..wrappers.run import ToolError
from .base import Check, Subject, failed_on, finding, per_file, tool_crashed, tool_missing
from .files import AM_CONFIG, SourceFile
from . import toolcache

PROBE_ALERT = "ObsgateRoutingProbe"  # an alertname no child route matches on purpose


def _inputs(ctx) -> dict[str, SourceFile]:
    return {(f.path if ctx.workdir is not None else str(f.disk)): f for f in ctx.of(AM_CONFIG) if f.error is None}


def check_config(ctx) -> list[Problem]:
    by_arg = _inputs(ctx)
    if not by_arg:
        return []
    tool = ctx.tool("amtool")
    if not tool.found:
        return [tool_missing("am/config", "amtool")]
    found, failed = toolcache.per_file(
        ctx, "check-config", tool.path, list(by_arg), by_arg, kind=amtool.Finding,
        run=lambda todo: per_file(lambda a: amtool.check_config(tool.path, a, ctx.workdir, timings=ctx.timings), todo))
    out = [failed_on("am/config", "amtool", by_arg[arg].path, str(exc)) for arg, exc in failed]
    for fd in found:
        f = by_arg.get(fd.file)
        out.append(Problem("am/config", Severity.ERROR, f"amtool: {fd.message}", f.path if f else ctx.shown(fd.file),
                           fd.line, "fix the file so that `amtool check-config` accepts it"))
    return out


def check_routes(ctx) -> list[Problem]:
    by_arg = _inputs(ctx)
    if not by_arg:
        return []
    project = ctx.project
    alerts = _project_alerts(project) if project is not None else None
    problems: list[Problem] = []
    for f in by_arg.values():
        problems += _inhibition(f, alerts)
    routing = project.stack.routing if project is not None else None
    if routing is None:
        return problems + [Problem("am/routes", Severity.INFO,
                                   "no project Routing model: routes not tested", f.path, 0)
                           for f in by_arg.values()]
    problems += _unroutable(routing, project)
    tool = ctx.tool("amtool")
    if not tool.found:
        return problems + [tool_missing("am/routes", "amtool")]
    try:
        checked, _ = toolcache.per_file(
            ctx, "check-config", tool.path, list(by_arg), by_arg, kind=amtool.Finding,
            run=lambda todo: (amtool.check_config(tool.path, todo, ctx.workdir, timings=ctx.timings), []))
        rejected = {fd.file for fd in checked}
    except ToolError as exc:
        return problems + [tool_crashed("am/routes", "amtool", str(exc))]
    for arg in sorted(rejected & set(by_arg)):
        f = by_arg[arg]
        problems.append(Problem("am/routes", Severity.ERROR, "routes not tested: amtool check-config rejects the file",
                                f.path, 1, "fix the am/config problems first"))
    probes, unbuildable = route_probes(routing, alerts or [])
    problems += [Problem("am/routes", Severity.WARNING, msg, routing.source.path, routing.source.line) for msg in unbuildable]
    jobs = [(arg, f, probe) for arg, f in by_arg.items() if arg not in rejected for probe in probes]
    with cf.ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(toolcache.memo, ctx, "routes test", tool.path, arg, f,
                               json.dumps(sorted(probe.labels.items())),
                               lambda a=arg, p=probe: amtool.routes_test(tool.path, a, p.labels, ctx.workdir,
                                                                         ctx.timings))
                   for arg, f, probe in jobs]
        crashed: set[str] = set()
        for (arg, f, probe), fut in zip(jobs, futures):
            try:
                receivers = fut.result()
            except ToolError as exc:
                if arg not in crashed:
                    crashed.add(arg)
                    problems.append(tool_crashed("am/routes", "amtool", str(exc), f.path))
                continue
            if receivers != probe.expected:
                subject = Subject(f.path, f.line(("route",)), external=f.external)
                problems.append(finding(
                    "am/routes", subject, Severity.WARNING if f.external else Severity.ERROR,
                    f"{probe.what} reaches `{','.join(receivers) or 'nothing'}`, expected `{','.join(probe.expected)}`",
                    "the stack's Routing model says where each alert goes; regenerate, or fix the route order"))
    return problems


@dataclass(frozen=True)
class Probe:
    what: str  # e.g. "route 3 (component=\"lancedb\", severity=\"critical\")" or "alert `LanceDBDiskSpaceCritical`"
    labels: dict
    expected: list


def _value_for(name: str, matchers: list[tuple[str, str, str]]) -> str | None:
    """A label value satisfying every matcher on `name`: a literal, a regex alternative, or a probe value."""
    candidates = [v for n, op, v in matchers if n == name and op == "="]
    for n, op, v in matchers:
        if n == name and op == "=~":
            candidates += [alt.strip("()") for alt in v.split("|")]
    candidates += ["probe", "x"]
    for value in candidates:
        if all(matcher_matches(f'{n}{op}"{v}"', {name: value}) for n, op, v in matchers if n == name):
            return value
    return None


def route_probes(routing, alerts: list[dict]) -> tuple[list[Probe], list[str]]:
    """One alert per route of the tree, built to satisfy the matchers on its path, and one per project alert;
    each with the receivers the Routing model gives it. A route no alert can reach is reported."""
    probes: list[Probe] = []
    problems: list[str] = []
    for i, (path, route) in enumerate(routing.walk(), 1):
        matchers = [parse_matcher(m) for r in path for m in r.matchers]
        what = f"route {i} ({', '.join(route.matchers) or 'no matchers'})"
        labels = {"alertname": PROBE_ALERT}
        for name in dict.fromkeys(n for n, _, _ in matchers):
            value = _value_for(name, matchers)
            if value is None:
                problems.append(f"{what}: no label value satisfies its matchers on `{name}`; the route is dead")
                break
            labels[name] = value
        else:
            hit = routing.match(labels)
            if not any(route in got_path for got_path, _ in hit):
                problems.append(f"{what}: an alert matching it stops at an earlier route; the route is unreachable")
            probes.append(Probe(what, labels, routing.receivers_for(labels)))
    for labels in alerts:
        probes.append(Probe(f"alert `{labels['alertname']}`", labels, routing.receivers_for(labels)))
    return probes, problems


def _project_alerts(project) -> list[dict]:
    """The static labels of every generated alert (its own, severity, component, family) with its alertname."""
    return [{**alert_labels(a), "alertname": a.name} for a in project.alerts]


def _unroutable(routing, project) -> list[Problem]:
    """Alerts that lack a label the routing tree or an inhibit rule matches on and obsgate sets from a field."""
    used = {parse_matcher(m)[0] for _, r in routing.walk() for m in r.matchers}
    used |= {label for i in routing.inhibit for label in i.equal}
    out = []
    for rule in project.alerts:
        missing = [k for k in ("component",) if k in used and not getattr(rule, k, "")]
        if missing:
            out.append(Problem("am/routes", Severity.ERROR,
                               f"alert `{rule.name}` has no `{missing[0]}`: the component routes and inhibit rules "
                               "cannot match it", rule.source.path, rule.source.line,
                               "set component= on the alert or on its RuleGroup"))
    return out


def _file_matchers(rule: dict, side: str) -> list[str] | None:
    """An inhibit rule's matchers on one side (`source` or `target`), in either config syntax; None if unreadable."""
    out = [str(m) for m in rule.get(f"{side}_matchers") or []]
    out += [f'{k}="{v}"' for k, v in (rule.get(f"{side}_match") or {}).items()]
    out += [f'{k}=~"{v}"' for k, v in (rule.get(f"{side}_match_re") or {}).items()]
    return out if all(parse_matcher(m) for m in out) else None


def _matches(matchers, source_match, label: str, value: str) -> bool:
    """Does a matcher on `label` accept `value`? Evaluated (`severity=~"warning|info"` accepts warning),
    not compared as text."""
    for m in matchers or []:
        parsed = parse_matcher(str(m).strip())
        if parsed is not None and parsed[0] == label and matcher_matches(str(m).strip(), {label: value}):
            return True
    return isinstance(source_match, dict) and str(source_match.get(label)) == value


def inhibit_pairs(rule: dict, alerts: list[dict]) -> list[tuple[str, str]]:
    """(muting alert, muted alert) pairs among `alerts` (static labels) that an inhibit rule can match: source and
    target matchers hold, and every `equal` label has the same value on both (a label set on neither side comes
    from the series, so it may be equal)."""
    source, target = _file_matchers(rule, "source"), _file_matchers(rule, "target")
    if source is None or target is None:
        return []
    equal = [str(e) for e in rule.get("equal") or []]
    srcs = [a for a in alerts if all(matcher_matches(m, a) for m in source)]
    tgts = [a for a in alerts if all(matcher_matches(m, a) for m in target)]
    pairs = []
    for s in srcs:
        for t in tgts:
            if s is t:
                continue
            if all(s.get(e) == t.get(e) or (e not in s and e not in t) for e in equal):
                pairs.append((s["alertname"], t["alertname"]))
    return pairs


def _inhibition(f: SourceFile, alerts: list[dict] | None) -> list[Problem]:
    rules = [r for r in (f.data.get("inhibit_rules") if isinstance(f.data, dict) else None) or [] if isinstance(r, dict)]
    out: list[Problem] = []
    crit_mutes_warn = False
    for i, rule in enumerate(rules):
        if _matches(rule.get("source_matchers"), rule.get("source_match"), "severity", "critical") and \
                _matches(rule.get("target_matchers"), rule.get("target_match"), "severity", "warning"):
            crit_mutes_warn = True
            if not rule.get("equal"):
                out.append(Problem("am/routes", Severity.WARNING,
                                   "the critical-mutes-warning inhibition has no `equal` labels: any critical alert "
                                   "mutes every warning", f.path, f.line(("inhibit_rules", i)),
                                   "name the labels the two alerts of one condition share, e.g. [family, component]"))
        if alerts is not None and not inhibit_pairs(rule, alerts):
            subject = Subject(f.path, f.line(("inhibit_rules", i)), external=f.external)
            out.append(finding("am/routes", subject, Severity.WARNING if f.external else Severity.ERROR,
                               f"inhibit rule {i + 1} can match no pair of the generated alerts: it mutes nothing",
                               "give the warning and critical alerts of one condition the same family= (and "
                               "component); the rule's `equal` must name labels both carry"))
    if not crit_mutes_warn:
        subject = Subject(f.path, f.line(("inhibit_rules",)) if rules else 1, external=f.external)
        out.append(finding("am/routes", subject, Severity.WARNING if f.external else Severity.ERROR,
                           "no inhibition mutes `severity=\"warning\"` while a `severity=\"critical\"` alert fires",
                           'add an inhibit_rules entry: source_matchers [severity="critical"], '
                           'target_matchers [severity="warning"], equal [family, component]'))
    return out


CHECKS = (
    Check("am/config", "amtool check-config accepts alertmanager.yml", check_config, (AM_CONFIG,), ("amtool",)),
    Check("am/routes", "every route and alert reaches its receivers; each inhibit rule matches a pair of alerts",
          check_routes,
          (AM_CONFIG,), ("amtool",)),
)
