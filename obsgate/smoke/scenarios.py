"""Alert scenarios end to end: fault on -> firing -> Alertmanager -> sink (right receiver) -> fault off -> resolved.

Faults that cannot disturb each other run at once (a wave); a fault that takes a whole target down
(`metrics_down`) runs after the others on that target. Alerts without a scenario are reported as
skipped with their written reason; an alert with neither fails.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from ..analysis.durations import scale_duration, seconds
from ..analysis.recorded import longest_window, rule_windows
from ..analysis.rewrite import expr_for
from ..generate.prometheus import alert_labels
from ..generate.target import Target
from ..model import LokiAlertRule
from ..runtime import backfill
from . import http, routing
from .base import Case, Context

FAMILY = "scenarios"
SLACK = 10.0  # seconds on top of the computed time to fire / resolve (process scheduling on a busy machine)


@dataclass
class Drive:
    """One fault on one target and the alerts it must fire."""

    target: str
    fault: str
    scenario: object
    rules: list = field(default_factory=list)

    @property
    def metrics(self) -> set[str]:
        return {e.metric for e in self.scenario.effects}

    @property
    def families(self) -> set[str]:
        return {r.family for r in self.rules if getattr(r, "family", "")}


# --- timing ---------------------------------------------------------------------------------------
def _windows(project, rule, target: Target) -> float:
    """The longest range window the alert reads, through the recording rules it uses too."""
    if isinstance(rule, LokiAlertRule):
        return seconds(scale_duration(rule.window, target.profile.time_scale, floor=4))
    return longest_window(expr_for(rule, target.profile), project.recorded, lambda r: expr_for(r, target.profile))


def _fill_time(project, rule, target: Target, history: float) -> float:
    """How long live data must flow before the rule's windows can show the fault: its longest window, or,
    when backfilled baseline history already fills the long raw windows, the longest one the gate fills live."""
    if history:
        raw, rec = rule_windows(rule, project.recorded, target.profile)
        spans = list(raw.values()) + list(rec.values())
        if max(raw.values(), default=0.0) <= history and max(rec.values(), default=0.0) <= backfill.LIVE_FILL:
            return max((w for w in spans if w <= backfill.LIVE_FILL), default=0.0)
    return _windows(project, rule, target)


def fire_within(project, rule, target: Target, history: float = 0.0) -> float:
    prof = target.profile
    interval = seconds(prof.loki_eval_interval if isinstance(rule, LokiAlertRule) else prof.evaluation_interval)
    return (seconds(scale_duration(rule.for_, prof.time_scale)) + _fill_time(project, rule, target, history)
            + 3 * interval + 3 * seconds(prof.scrape_interval) + seconds(prof.group_wait or "1s") + SLACK)


def resolve_within(project, rule, target: Target) -> float:
    prof = target.profile
    interval = seconds(prof.loki_eval_interval if isinstance(rule, LokiAlertRule) else prof.evaluation_interval)
    return (_windows(project, rule, target) + seconds(rule.keep_firing_for or "0s") + 3 * interval
            + 3 * seconds(prof.scrape_interval) + seconds(prof.group_interval or "5m") + SLACK)


# --- plan -----------------------------------------------------------------------------------------
def plan(project) -> tuple[list[Drive], list]:
    """(drives, alerts without scenario)."""
    drives: dict[tuple[str, str], Drive] = {}
    without = []
    for rule in project.alerts:
        sc = rule.scenario
        if sc is None:
            without.append(rule)
            continue
        drives.setdefault((sc.target, sc.fault), Drive(sc.target, sc.fault, sc)).rules.append(rule)
    return list(drives.values()), without


def mutes(rules) -> dict[str, str]:
    """Warning alert -> the critical alert among `rules` (one fault's) that inhibits it: same family and component."""
    out = {}
    for warn in rules:
        if warn.severity != "warning" or not getattr(warn, "family", ""):
            continue
        crit = next((c.name for c in rules if c.severity == "critical"
                     and (c.family, c.component) == (warn.family, warn.component)), "")
        if crit:
            out[warn.name] = crit
    return out


def expected_mutes(project) -> dict[str, str]:
    """Every alert the drives expect Alertmanager to mute (-> its inhibitor), over all the scenarios' faults."""
    return {w: c for drive in plan(project)[0] for w, c in mutes(drive.rules).items()}


def schedule(drives: list[Drive]) -> list[tuple[Drive, list[int]]]:
    """Each drive with the indexes of earlier drives it must wait for (same target: a shared metric, or a
    metrics_down on either side; any target: alerts of one family, which inhibit each other). Target-down
    faults go first: they are short, and the long-resolving faults then do not hold them back."""
    ordered = sorted(drives, key=lambda d: (not d.scenario.metrics_down, d.target, d.fault))
    return [(d, [j for j in range(i) if _conflict(d, ordered[j])]) for i, d in enumerate(ordered)]


def _conflict(a: Drive, b: Drive) -> bool:
    if a.families & b.families:
        return True  # a critical of one would mute (inhibit) the other's warning mid-drive
    if a.target != b.target:
        return False
    return a.scenario.metrics_down or b.scenario.metrics_down or bool(a.metrics & b.metrics)


# --- observing an alert ---------------------------------------------------------------------------
class Observer:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.routing = ctx.project.stack.routing
        self.am = ctx.url("alertmanager")
        self.sink = ctx.url("alert-sink") if ctx.has("alert-sink") else ""
        self.loki = ctx.url("loki") if ctx.has("loki") else ""

    def active(self, rule, labels: dict) -> list[dict]:
        """The rule's alerts (pending or firing) whose labels include `labels`."""
        base = self.loki + "/prometheus" if isinstance(rule, LokiAlertRule) else self.ctx.prom
        alerts = http.get(base + "/api/v1/alerts")["data"]["alerts"]
        return [a for a in alerts if a["labels"].get("alertname") == rule.name and _has(a["labels"], labels)]

    def firing(self, rule, labels: dict) -> list[dict]:
        return [a for a in self.active(rule, labels) if a["state"] == "firing"]

    def in_alertmanager(self, rule, labels: dict) -> list[dict]:
        filters = [f'alertname="{rule.name}"'] + [f'{k}="{v}"' for k, v in sorted(labels.items())]
        got = http.get(self.am + "/api/v2/alerts", {"filter": filters})
        return [a for a in got if a.get("status", {}).get("state") in ("active", "suppressed")]

    def inhibited(self, rule, labels: dict) -> list[dict]:
        """The rule's alerts that Alertmanager holds back because an inhibit rule matches them."""
        return [a for a in self.in_alertmanager(rule, labels)
                if a["status"]["state"] == "suppressed" and a["status"].get("inhibitedBy")]

    def notified(self, rule, labels: dict, receiver: str, status: str, since: float) -> list[dict]:
        got = http.get(self.sink + "/notifications", {"alertname": rule.name, "receiver": receiver, "status": status})
        return [n for n in got["notifications"] if n["received_at"] >= since
                and any(_has(a["labels"], labels) for a in n["alerts"])]


def _has(have: dict, want: dict) -> bool:
    return all(have.get(k) == v for k, v in want.items())


def _wait(fn, deadline: float, interval: float = 0.25):
    while True:
        try:
            out = fn()
        except http.HTTPError:
            out = None
        if out or time.monotonic() >= deadline:
            return out
        time.sleep(interval)


class AlertRun:
    """The evidence for one alert of a drive, filled stage by stage; `error` names the first stage that failed."""

    def __init__(self, ctx: Context, obs: Observer, rule, labels: dict, target: Target, history: float = 0.0) -> None:
        self.ctx, self.obs, self.rule, self.labels = ctx, obs, rule, labels
        full = {**alert_labels(rule), **labels}
        self.receivers = routing.receivers_for(obs.routing, full)
        self.checkable = [r for r in self.receivers
                          if obs.sink and routing.sink_checkable(obs.routing, r, ctx.has("smtp-sink"))]
        self.history = history
        self.fire_budget = fire_within(ctx.project, rule, target, history)
        self.resolve_budget = resolve_within(ctx.project, rule, target)
        self.stages: list[str] = []
        self.error = ""
        self.t0 = 0.0
        self.muted_by = ""  # a critical alert of the same family that the same fault fires: it inhibits this one

    def note(self, what: str) -> None:
        self.stages.append(f"{what} {time.monotonic() - self.t0:.1f}s")

    def fired(self, since_wall: float) -> bool:
        """firing -> in Alertmanager -> recorded by the sink for each expected receiver."""
        deadline = time.monotonic() + self.fire_budget
        if not _wait(lambda: self.obs.firing(self.rule, self.labels), deadline):
            pending = self.obs.active(self.rule, self.labels)
            self.error = (f"did not fire within {self.fire_budget:.0f}s"
                          + (f" (state: {pending[0]['state']})" if pending else " (not even pending)"))
            return False
        self.note("firing")
        if not _wait(lambda: self.obs.in_alertmanager(self.rule, self.labels), deadline + 10):
            self.error = "firing in the rule engine but never received by Alertmanager"
            return False
        self.note("alertmanager")
        if self.muted_by:
            return self._muted(since_wall, deadline)
        for receiver in self.checkable:
            if not _wait(lambda: self.obs.notified(self.rule, self.labels, receiver, "firing", since_wall),
                         deadline + 15):
                other = self.obs.notified(self.rule, self.labels, "", "firing", since_wall)
                self.error = (f"sink got no firing notification for receiver `{receiver}`"
                              + (f" (it went to: {', '.join(sorted({n['receiver'] for n in other}))})" if other else ""))
                return False
            self.note(f"sink:{receiver}")
        return True

    def _muted(self, since_wall: float, deadline: float) -> bool:
        """Muted: Alertmanager holds it with inhibitedBy, and no firing notification reaches the sink."""
        held = _wait(lambda: self.obs.inhibited(self.rule, self.labels), deadline + 15)
        if not held:
            self.error = (f"fires together with `{self.muted_by}` (family `{self.rule.family}`) but Alertmanager "
                          "never marked it inhibited")
            return False
        self.note(f"inhibited by {self.muted_by}")
        if not self.checkable:
            return True  # nothing to look for at the sink; the case's value says so (no "absent from the sink")
        time.sleep(2 * seconds(self.ctx.stack_profile().group_interval or "1s") + 1)  # a notification would be out
        leaked = [n for r in self.checkable for n in self.obs.notified(self.rule, self.labels, r, "firing", since_wall)]
        if leaked:
            self.error = f"inhibited by `{self.muted_by}` but reached the sink anyway (receiver `{leaked[0]['receiver']}`)"
            return False
        self.note(f"absent from the sink ({', '.join(self.checkable)})")
        return True

    def resolved(self, since_wall: float) -> bool:
        deadline = time.monotonic() + self.resolve_budget
        if not _wait(lambda: not self.obs.active(self.rule, self.labels), deadline):
            self.error = f"still active {self.resolve_budget:.0f}s after the fault was cleared"
            return False
        self.note("resolved")
        for receiver in ([] if self.muted_by else self.checkable):
            if not routing.sends_resolved(self.obs.routing, receiver):
                continue
            if not _wait(lambda: self.obs.notified(self.rule, self.labels, receiver, "resolved", since_wall),
                         deadline + 15):
                self.error = f"sink got no resolved notification for receiver `{receiver}`"
                return False
            self.note(f"resolved:{receiver}")
        return True

    def case(self, fault: str) -> Case:
        rule = self.rule
        sel = ",".join(f'{k}="{v}"' for k, v in sorted({"alertname": rule.name, **self.labels}.items()))
        case = Case(FAMILY, f"{rule.name} ({fault})", query=f"ALERTS{{{sel}}}",
                    value=", ".join(self.stages), seconds=time.monotonic() - self.t0,
                    path=rule.source.path, line=rule.source.line)
        if self.history:
            case.query += (f" over {self.history:.0f}s of simulator baseline backfilled with promtool tsdb "
                           "create-blocks-from openmetrics")
        receivers = ", ".join(self.receivers)
        unchecked = [r for r in self.receivers if r not in self.checkable]
        if unchecked:
            case.value += f" (receivers {receivers}; not checked at the sink: {', '.join(unchecked)})"
        else:
            case.value += f" (receivers {receivers})"
        if self.error:
            case.fail(self.error, hint=f"GET {self.obs.ctx.prom}/api/v1/alerts, "
                                       f"{self.obs.am}/api/v2/alerts, {self.obs.sink}/notifications")
        return case


# --- driving --------------------------------------------------------------------------------------
def _fault(ctx: Context, drive: Drive, method: str) -> None:
    url = ctx.url(drive.target) + f"/faults/{drive.fault}"
    http.request(method, url, timeout=5)


def run_drive(ctx: Context, obs: Observer, drive: Drive, target: Target) -> list[Case]:
    runs = [AlertRun(ctx, obs, r, dict(r.scenario.expect_labels), target, _history(ctx, r)) for r in drive.rules]
    muted = mutes([r.rule for r in runs])
    for run in runs:
        run.muted_by = muted.get(run.rule.name, "")
    for run in runs:
        run.t0 = time.monotonic()
        quiet = _wait(lambda: not obs.firing(run.rule, run.labels), time.monotonic() + 10)
        if not quiet:
            run.error = "already firing before the fault was switched on"
    if any(r.error for r in runs):
        return [r.case(drive.fault) for r in runs]
    since = time.time() - 0.5
    try:
        _fault(ctx, drive, "PUT")
    except http.HTTPError as exc:
        for run in runs:
            run.error = f"could not switch the fault on: {exc}"
        return [r.case(drive.fault) for r in runs]
    try:
        for run in runs:
            run.t0 = time.monotonic()
        _each(runs, lambda r: r.fired(since))
    finally:
        cleared = time.time() - 0.5
        try:
            _fault(ctx, drive, "DELETE")
        except http.HTTPError as exc:
            for run in runs:
                run.error = run.error or f"could not clear the fault: {exc}"
    _each([r for r in runs if not r.error], lambda r: r.resolved(cleared))
    return [r.case(drive.fault) for r in runs]


def _each(items, fn) -> None:
    threads = [threading.Thread(target=fn, args=(item,), daemon=True) for item in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_backfilled(ctx: Context, obs: Observer, rule, fill: dict, target: Target) -> Case:
    """An alert driven by backfilled history: fires while the rule's window covers it, resolves after."""
    run = AlertRun(ctx, obs, rule, dict(fill["labels"]), target)
    run.t0 = time.monotonic()
    window = _windows(ctx.project, rule, target)
    for_s = seconds(scale_duration(rule.for_, target.profile.time_scale))
    left = fill["end"] + window - for_s - time.time()
    fire_at = fill["end"] + for_s + 3 * seconds(target.profile.evaluation_interval) - time.time()
    if fire_at > ctx.scenario_budget:
        return Case(FAMILY, f"{rule.name} (backfill)", path=rule.source.path, line=rule.source.line).skip(
            f"fires {fire_at:.0f}s from now under profile `{target.profile.name}` (budget {ctx.scenario_budget:.0f}s); "
            "the ci profile compresses time: `obsgate ci`")
    if left < 2:
        return Case(FAMILY, f"{rule.name} (backfill)", path=rule.source.path, line=rule.source.line).skip(
            f"the backfilled history ended {time.time() - fill['end']:.0f}s ago and the rule's {window:.0f}s window "
            "has passed it; run smoke right after `up` (as `obsgate ci` does) to check this alert")
    run.fire_budget = left + 3 * seconds(target.profile.evaluation_interval) + 2
    if run.fired(fill["end"]):
        run.resolve_budget = max(0.0, fill["end"] + window - time.time()) + run.resolve_budget
        run.resolved(time.time() - 0.5)
    case = run.case("backfill")
    case.query += f" after promtool tsdb create-blocks-from openmetrics ({fill['samples']} samples)"
    return case


def _history(ctx: Context, rule) -> float:
    """Seconds of baseline history backfilled for the rule's long windows (0 when none)."""
    return float(((ctx.state.get("backfill") or {}).get("history") or {}).get(rule.name, {}).get("span", 0.0))


def check(ctx: Context) -> list[Case]:
    project = ctx.project
    target = Target(profile=ctx.stack_profile(), runtime="native")
    if not ctx.has("alertmanager"):
        return []
    obs = Observer(ctx)
    drives, without = plan(project)
    cases: list[Case] = []
    fills = {f["alerts"][i]: {**f, "labels": s["labels"]} for f in [ctx.state.get("backfill") or {}]
             for i, s in enumerate(f.get("series", []))}
    late: list = []
    for rule in without:
        case = Case(FAMILY, f"{rule.name} (no scenario)", path=rule.source.path, line=rule.source.line)
        if rule.name in fills:
            late.append(rule)
        elif getattr(rule, "history", None) is not None and ctx.state.get("backfill", {}).get("skipped"):
            cases.append(case.skip(f"{rule.no_scenario}; backfill not done: {ctx.state['backfill']['skipped']}"))
        elif rule.no_scenario:
            cases.append(case.skip(rule.no_scenario))
        else:
            cases.append(case.fail("the alert has neither a Scenario nor a `no_scenario` reason",
                                   hint="add scenario=Scenario(...) next to the rule, or no_scenario=\"why\""))
    budget = ctx.scenario_budget
    runnable = []
    for drive in drives:
        slow = [r for r in drive.rules if fire_within(project, r, target, _history(ctx, r)) > budget]
        if slow:
            for r in slow:
                cases.append(Case(FAMILY, f"{r.name} ({drive.fault})", path=r.source.path, line=r.source.line).skip(
                    f"needs up to {fire_within(project, r, target, _history(ctx, r)):.0f}s to fire under profile "
                    f"`{target.profile.name}`"
                    f" (budget {budget:.0f}s); " + (f"that is with time compressed {target.profile.time_scale}x already"
                    if target.profile.time_scale > 1 else "the ci profile compresses time: `obsgate ci`")))
            drive = Drive(drive.target, drive.fault, drive.scenario, [r for r in drive.rules if r not in slow])
            if not drive.rules:
                continue
        if drive.target not in {s.name for s in project.stack.services} or ctx.skipped_reason(drive.target):
            for r in drive.rules:
                cases.append(Case(FAMILY, f"{r.name} ({drive.fault})", path=r.source.path, line=r.source.line).skip(
                    f"target `{drive.target}` does not run: {ctx.skipped_reason(drive.target) or 'not in the stack'}"))
            continue
        runnable.append(drive)
    backfilled: list[Case] = []
    bf_thread = threading.Thread(target=lambda: backfilled.extend(
        run_backfilled(ctx, obs, r, fills[r.name], target) for r in late), daemon=True)
    bf_thread.start()
    plan_ = schedule(runnable)
    done = [threading.Event() for _ in plan_]
    results: list[list[Case]] = [[] for _ in plan_]

    def drive_when_free(i: int) -> None:
        drive, after = plan_[i]
        try:
            for j in after:
                done[j].wait()
            results[i] = run_drive(ctx, obs, drive, target)
        finally:
            done[i].set()

    _each(list(range(len(plan_))), drive_when_free)
    for found in results:
        cases.extend(found)
    bf_thread.join()
    # after every drive: the inhibition proof switches faults of its own on a target the drives used
    return cases + backfilled + check_inhibition(ctx, obs, target)


# --- inhibition: the critical alert of a family mutes its warning, which is delivered once the critical resolves
def family_pairs(project) -> list[tuple]:
    """(critical, warning) alerts of one family whose scenarios drive the same target with different faults."""
    by_family: dict[str, dict[str, list]] = {}
    for rule in project.alerts:
        if getattr(rule, "family", "") and rule.scenario is not None:
            by_family.setdefault(rule.family, {}).setdefault(rule.severity, []).append(rule)
    pairs = []
    for family in sorted(by_family):
        for crit in by_family[family].get("critical", []):
            for warn in by_family[family].get("warning", []):
                if crit.scenario.target == warn.scenario.target and crit.scenario.fault != warn.scenario.fault:
                    pairs.append((crit, warn))
    return pairs


def check_inhibition(ctx: Context, obs: Observer, target: Target) -> list[Case]:
    """One family pair end to end through the real Alertmanager (one proves the inhibit rule the pairs share):

    critical fault on -> both fire in Prometheus -> Alertmanager marks the warning suppressed, inhibited by the
    critical -> the sink gets the critical and not the warning -> the warning's own fault on, the critical's off
    (the warning's condition holds throughout) -> the critical resolves -> the sink gets the warning.
    """
    pairs = family_pairs(ctx.project)
    if not pairs:
        return [Case(FAMILY, "inhibition").skip("no family has a critical and a warning alert driven on one target")]
    crit, warn = pairs[0]
    case = Case(FAMILY, f"inhibition: {crit.name} mutes {warn.name} (family {crit.family})",
                path=crit.source.path, line=crit.source.line,
                query=f'GET /api/v2/alerts?filter=alertname="{warn.name}" .status.inhibitedBy')
    if ctx.skipped_reason(crit.scenario.target):
        return [case.skip(f"target `{crit.scenario.target}` does not run: {ctx.skipped_reason(crit.scenario.target)}")]
    c_run = AlertRun(ctx, obs, crit, dict(crit.scenario.expect_labels), target)
    w_run = AlertRun(ctx, obs, warn, dict(warn.scenario.expect_labels), target)
    c_drive, w_drive = Drive(crit.scenario.target, crit.scenario.fault, crit.scenario), \
        Drive(warn.scenario.target, warn.scenario.fault, warn.scenario)
    t0 = c_run.t0 = w_run.t0 = time.monotonic()
    stages: list[str] = []

    def note(what: str) -> None:
        stages.append(f"{what} {time.monotonic() - t0:.1f}s")

    since = time.time() - 0.5
    try:
        _fault(ctx, c_drive, "PUT")
        error = _inhibited_phase(obs, c_run, w_run, since, note)
        if not error:
            switched = time.time() - 0.5
            _fault(ctx, w_drive, "PUT")  # the later fault wins on the shared series: no gap in the condition
            _fault(ctx, c_drive, "DELETE")
            error = _released_phase(obs, c_run, w_run, switched, note)
    except http.HTTPError as exc:
        error = f"could not switch a fault: {exc}"
    finally:
        for drive in (w_drive, c_drive):
            try:
                _fault(ctx, drive, "DELETE")
            except http.HTTPError:
                pass
    case.value, case.seconds = ", ".join(stages), time.monotonic() - t0
    if error:
        case.fail(error, hint=f"GET {obs.am}/api/v2/alerts, {obs.sink}/notifications")
    return [case]


def _inhibited_phase(obs: Observer, c_run: AlertRun, w_run: AlertRun, since: float, note) -> str:
    if not c_run.fired(since):
        return f"{c_run.rule.name}: {c_run.error}"
    note(f"{c_run.rule.name} delivered")
    deadline = time.monotonic() + w_run.fire_budget
    if not _wait(lambda: obs.firing(w_run.rule, w_run.labels), deadline):
        return f"{w_run.rule.name} did not fire during {c_run.rule.name}'s fault, so nothing was there to mute"
    note(f"{w_run.rule.name} firing in Prometheus")
    muted = _wait(lambda: obs.inhibited(w_run.rule, w_run.labels), deadline + 10)
    if not muted:
        states = [a["status"]["state"] for a in obs.in_alertmanager(w_run.rule, w_run.labels)]
        return f"Alertmanager does not mark {w_run.rule.name} inhibited (states: {', '.join(states) or 'absent'})"
    note(f"{w_run.rule.name} suppressed")
    time.sleep(2 * seconds(c_run.ctx.stack_profile().group_interval or "1s") + 1)  # a notification would be out
    leaked = [n for r in w_run.checkable for n in obs.notified(w_run.rule, w_run.labels, r, "firing", since)]
    if leaked:
        return f"{w_run.rule.name} reached the sink ({leaked[0]['receiver']}) while {c_run.rule.name} fired"
    note("sink: no warning")
    return ""


def _released_phase(obs: Observer, c_run: AlertRun, w_run: AlertRun, since: float, note) -> str:
    deadline = time.monotonic() + c_run.resolve_budget
    if not _wait(lambda: not obs.firing(c_run.rule, c_run.labels), deadline):
        return f"{c_run.rule.name} still fires {c_run.resolve_budget:.0f}s after its fault was cleared"
    note(f"{c_run.rule.name} resolved")
    for receiver in w_run.checkable:
        if not _wait(lambda: obs.notified(w_run.rule, w_run.labels, receiver, "firing", since), deadline + 30):
            return f"{w_run.rule.name} was not delivered to `{receiver}` after {c_run.rule.name} resolved"
        note(f"{w_run.rule.name} delivered to {receiver}")
    return ""
