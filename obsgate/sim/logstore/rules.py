"""Loki rule groups and their alert states, with the Prometheus/Loki ruler's semantics.

A group is read from `<rules dir>/<tenant>/<file>.yml` (Loki's local rule storage layout). Each
evaluation runs every rule of the group at one timestamp; an alert goes inactive -> pending -> firing
after `for`, stays firing `keep_firing_for` after its condition stops, and a resolved alert is kept 15
minutes so that Alertmanager hears the resolution. Which alerts need sending follows Prometheus'
`needsSending`: firing ones every resend delay, a resolution at once. Recording rules are evaluated and
listed, but their samples go nowhere (Loki would remote-write them; this store has no remote write).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ...analysis.durations import seconds
from ...logql import LogQLSyntaxError, parse
from ...logql.templates import TemplateError, render_alert_template

RESOLVED_RETENTION = 15 * 60.0  # Prometheus' resolvedRetention
PENDING, FIRING, INACTIVE = "pending", "firing", "inactive"


class RuleFileError(Exception):
    """A rule file that cannot be read as Loki rule groups; the message names the file and the field."""


def go_float(value: float) -> str:
    """A float as Go's strconv.FormatFloat(v, 'e', -1, 64) writes it (Prometheus' alerts API uses this)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    for digits in range(17):
        text = f"{value:.{digits}e}"
        if float(text) == value:
            break
    mantissa, exp = text.split("e")
    sign, num = exp[0], exp[1:].lstrip("0")
    return f"{mantissa}e{sign}{num.zfill(2)}"


def render(template: str, labels: dict, value: float) -> str:
    try:
        return render_alert_template(template, labels, value)
    except TemplateError as exc:
        return f"<error expanding template: {exc}>"


@dataclass
class Alert:
    labels: dict
    annotations: dict
    value: float
    active_at: float
    state: str = PENDING
    fired_at: float = 0.0
    resolved_at: float = 0.0
    last_sent_at: float = 0.0
    valid_until: float = 0.0
    keep_firing_since: float = 0.0

    def needs_sending(self, ts: float, resend_delay: float) -> bool:
        if self.state == PENDING:
            return False
        if self.resolved_at and self.resolved_at > self.last_sent_at:
            return True
        return self.last_sent_at + resend_delay < ts


@dataclass
class Rule:
    name: str
    expr: str
    kind: str  # "alerting" | "recording"
    for_s: float = 0.0
    keep_firing_for_s: float = 0.0
    labels: dict = field(default_factory=dict)
    annotations: dict = field(default_factory=dict)
    query: object = None
    error: str = ""        # a load error: the rule is listed with health "err" and never evaluated
    last_error: str = ""
    health: str = "unknown"
    last_eval: float = 0.0
    eval_seconds: float = 0.0
    active: dict = field(default_factory=dict)  # labels key -> Alert

    def evaluate(self, samples: list[tuple[dict, float]], ts: float) -> None:
        """Advance the alert states with the samples the query returned at `ts` (unix seconds)."""
        if self.kind != "alerting":
            return
        seen: dict[tuple, tuple[dict, dict, float]] = {}
        for sample_labels, value in samples:
            lb = {k: v for k, v in sample_labels.items() if k != "__name__"}
            for k, v in self.labels.items():
                lb[k] = render(v, dict(sample_labels), value)
            lb["alertname"] = self.name
            key = tuple(sorted(lb.items()))
            if key in seen:
                raise ValueError("vector contains metrics with the same labelset after applying alert labels")
            seen[key] = (dict(key), {k: render(v, dict(sample_labels), value) for k, v in self.annotations.items()},
                         value)
        for key, (lb, ann, value) in seen.items():
            alert = self.active.get(key)
            if alert is not None and alert.state != INACTIVE:
                alert.value, alert.annotations, alert.keep_firing_since = value, ann, 0.0
                continue
            self.active[key] = Alert(lb, ann, value, active_at=ts)
        for key, alert in list(self.active.items()):
            if key not in seen:
                if alert.state == PENDING or (alert.state == INACTIVE and ts - alert.resolved_at > RESOLVED_RETENTION):
                    del self.active[key]
                    continue
                if alert.state == FIRING:
                    if self.keep_firing_for_s:
                        alert.keep_firing_since = alert.keep_firing_since or ts
                        if ts - alert.keep_firing_since < self.keep_firing_for_s:
                            continue
                    alert.state, alert.resolved_at = INACTIVE, ts
                continue
            if alert.state == PENDING and ts - alert.active_at >= self.for_s:
                alert.state, alert.fired_at = FIRING, ts

    def to_send(self, ts: float, resend_delay: float, interval: float) -> list[Alert]:
        """Alerts to post to Alertmanager now, marked as sent (Prometheus' sendAlerts)."""
        out = []
        for alert in self.active.values():
            if alert.needs_sending(ts, resend_delay):
                alert.last_sent_at = ts
                alert.valid_until = ts + 4 * max(resend_delay, interval)
                out.append(alert)
        return out

    @property
    def state(self) -> str:
        states = {a.state for a in self.active.values()}
        return FIRING if FIRING in states else PENDING if PENDING in states else INACTIVE

    def key(self) -> tuple:
        return (self.kind, self.name, self.expr, self.for_s, self.keep_firing_for_s,
                tuple(sorted(self.labels.items())), tuple(sorted(self.annotations.items())))


@dataclass
class Group:
    tenant: str
    file: str
    name: str
    interval_s: float
    rules: list[Rule]
    last_eval: float = 0.0
    eval_seconds: float = 0.0
    next_due: float = 0.0


def _duration(raw: object, where: str) -> float:
    if raw in (None, ""):
        return 0.0
    try:
        return seconds(str(raw))
    except ValueError:
        raise RuleFileError(f"{where}: `{raw}` is not a duration (e.g. 30s, 5m, 1h)") from None


def _strings(raw: object, where: str) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise RuleFileError(f"{where}: must be a map of strings")
    return {str(k): str(v) for k, v in raw.items()}


def rule_of(raw: object, where: str) -> Rule:
    if not isinstance(raw, dict) or ("alert" in raw) == ("record" in raw):
        raise RuleFileError(f"{where}: a rule has exactly one of `alert` or `record`, and `expr`")
    kind = "alerting" if "alert" in raw else "recording"
    rule = Rule(name=str(raw.get("alert") or raw.get("record")), expr=str(raw.get("expr") or ""), kind=kind,
                for_s=_duration(raw.get("for"), where + ".for"),
                keep_firing_for_s=_duration(raw.get("keep_firing_for"), where + ".keep_firing_for"),
                labels=_strings(raw.get("labels"), where + ".labels"),
                annotations=_strings(raw.get("annotations"), where + ".annotations"))
    try:
        rule.query = parse(rule.expr)
        if rule.query.kind != "metric":
            rule.error = "a rule's expression must be a metric query (a log query returns lines, not samples)"
    except LogQLSyntaxError as exc:
        rule.error = f"parse error: {exc}"
    if rule.error:
        rule.health, rule.last_error = "err", rule.error
    return rule


def load_file(path: Path, tenant: str, default_interval: float) -> list[Group]:
    try:
        doc = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RuleFileError(f"{path}: cannot read the rule file: {exc}") from None
    if doc is None:
        return []
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
        raise RuleFileError(f"{path}: a rule file is `groups: [{{name, interval, rules}}, ...]`")
    groups, names = [], set()
    for i, raw in enumerate(doc["groups"]):
        where = f"{path}: groups[{i}]"
        if not isinstance(raw, dict) or not raw.get("name"):
            raise RuleFileError(f"{where}: a group needs a `name`")
        if raw["name"] in names:
            raise RuleFileError(f"{where}: group `{raw['name']}` is defined twice in the file")
        names.add(raw["name"])
        rules = [rule_of(r, f"{where}.rules[{j}]") for j, r in enumerate(raw.get("rules") or [])]
        interval = _duration(raw.get("interval"), where + ".interval") or default_interval
        groups.append(Group(tenant, path.name, str(raw["name"]), interval, rules))
    return groups


def load_dir(rules_dir: Path, default_interval: float) -> tuple[list[Group], list[str]]:
    """Every tenant's groups under `rules_dir/<tenant>/*.y*ml`, and the errors of files that could not load."""
    groups, errors = [], []
    if not rules_dir or not Path(rules_dir).is_dir():
        return groups, errors
    for tenant_dir in sorted(p for p in Path(rules_dir).iterdir() if p.is_dir()):
        for path in sorted(p for p in tenant_dir.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file()):
            try:
                groups.extend(load_file(path, tenant_dir.name, default_interval))
            except RuleFileError as exc:
                errors.append(str(exc))
    return groups, errors


def signature(rules_dir: Path) -> tuple:
    """What changes when a rule file is added, removed or rewritten (to reload only then)."""
    if not rules_dir or not Path(rules_dir).is_dir():
        return ()
    out = []
    for path in sorted(Path(rules_dir).glob("*/*")):
        if path.suffix in (".yml", ".yaml"):
            try:
                st = path.stat()
            except OSError:
                continue
            out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)
