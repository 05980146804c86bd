"""am/config (amtool check-config) and am/routes (each severity reaches its receiver; critical mutes warning)."""
from __future__ import annotations

import concurrent.futures as cf

from ..problem import Problem, Severity
from ..wrappers import amtool
from ..wrappers.run import ToolError
from .base import Check, Subject, finding, tool_crashed, tool_missing
from .files import AM_CONFIG, SourceFile

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
    try:
        found = amtool.check_config(tool.path, list(by_arg), ctx.workdir, timings=ctx.timings)
    except ToolError as exc:
        return [tool_crashed("am/config", "amtool", str(exc))]
    out = []
    for fd in found:
        f = by_arg.get(fd.file)
        out.append(Problem("am/config", Severity.ERROR, f"amtool: {fd.message}", f.path if f else ctx.shown(fd.file),
                           fd.line, "fix the file so that `amtool check-config` accepts it"))
    return out


def check_routes(ctx) -> list[Problem]:
    by_arg = _inputs(ctx)
    if not by_arg:
        return []
    problems: list[Problem] = []
    for f in by_arg.values():
        problems += _inhibition(f)
    routing = ctx.project.stack.routing if ctx.project is not None else None
    if routing is None:
        return problems + [Problem("am/routes", Severity.INFO,
                                   "no project Routing model: severity routes not tested", f.path, 0)
                           for f in by_arg.values()]
    tool = ctx.tool("amtool")
    if not tool.found:
        return problems + [tool_missing("am/routes", "amtool")]
    probes = [(arg, f, sev, recv) for arg, f in by_arg.items() for sev, recv in sorted(routing.by_severity.items())]
    with cf.ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(amtool.routes_test, tool.path, arg, {"alertname": PROBE_ALERT, "severity": sev},
                               ctx.workdir, ctx.timings) for arg, _, sev, _ in probes]
        try:
            got = [fut.result() for fut in futures]
        except ToolError as exc:
            return problems + [tool_crashed("am/routes", "amtool", str(exc))]
    for (arg, f, sev, recv), receivers in zip(probes, got):
        if receivers[:1] != [recv]:
            subject = Subject(f.path, f.line(("route",)), external=f.external)
            sev_level = Severity.WARNING if f.external else Severity.ERROR
            problems.append(finding(
                "am/routes", subject, sev_level,
                f"an alert with severity=`{sev}` reaches `{','.join(receivers) or 'nothing'}`, expected `{recv}`",
                "the stack's Routing.by_severity says where each severity goes; regenerate, or fix the route order"))
    return problems


def _matches(matchers, source_match, label: str, value: str) -> bool:
    for m in matchers or []:
        text = str(m).replace(" ", "").replace("'", '"')
        if text in (f'{label}="{value}"', f"{label}={value}"):
            return True
    return isinstance(source_match, dict) and str(source_match.get(label)) == value


def _inhibition(f: SourceFile) -> list[Problem]:
    rules = f.data.get("inhibit_rules") if isinstance(f.data, dict) else None
    for rule in rules or []:
        if not isinstance(rule, dict):
            continue
        if _matches(rule.get("source_matchers"), rule.get("source_match"), "severity", "critical") and \
                _matches(rule.get("target_matchers"), rule.get("target_match"), "severity", "warning"):
            if "alertname" not in (rule.get("equal") or []):
                return [Problem("am/routes", Severity.WARNING,
                                "the critical-mutes-warning inhibition does not require an equal `alertname`",
                                f.path, f.line(("inhibit_rules",)),
                                "add `alertname` to `equal`, or one critical alert mutes unrelated warnings")]
            return []
    subject = Subject(f.path, f.line(("inhibit_rules",)) if rules else 1, external=f.external)
    return [finding("am/routes", subject, Severity.WARNING if f.external else Severity.ERROR,
                    "no inhibition mutes `severity=\"warning\"` while a `severity=\"critical\"` alert fires",
                    'add an inhibit_rules entry: source_matchers [severity="critical"], '
                    'target_matchers [severity="warning"], equal [alertname, ...]')]


CHECKS = (
    Check("am/config", "amtool check-config accepts alertmanager.yml", check_config, (AM_CONFIG,), ("amtool",)),
    Check("am/routes", "each severity reaches its receiver and critical inhibits warning", check_routes,
          (AM_CONFIG,), ("amtool",)),
)
