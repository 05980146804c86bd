"""Which receivers Alertmanager should pick for an alert, from the Routing model (child routes first,
then the severity routes, as obsgate.generate.alertmanager writes them)."""
from __future__ import annotations

import re

MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


def matches(matcher: str, labels: dict[str, str]) -> bool:
    m = MATCHER.match(matcher)
    if not m:
        raise ValueError(f"cannot read matcher `{matcher}`")
    name, op, value = m.groups()
    have = labels.get(name, "")
    if op == "=":
        return have == value
    if op == "!=":
        return have != value
    hit = re.fullmatch(value, have) is not None
    return hit if op == "=~" else not hit


def receivers_for(routing, labels: dict[str, str]) -> list[str]:
    """Receivers in the order Alertmanager notifies them (a child with `continue` lets the next match too)."""
    routes = [(r.receiver, r.matchers, r.continue_) for r in routing.routes]
    routes += [(routing.by_severity[s], (f'severity="{s}"',), False) for s in ("critical", "warning", "info")
               if s in routing.by_severity]
    picked: list[str] = []
    for receiver, matchers, cont in routes:
        if all(matches(m, labels) for m in matchers):
            picked.append(receiver)
            if not cont:
                return picked
    return picked or [routing.by_severity.get("info", routing.receivers[0].name)]


def sink_checkable(routing, receiver: str) -> bool:
    """Receivers whose URL is a secret file (webhook, slack) point at the sink in a live run; email does not."""
    return any(r.name == receiver and r.kind in ("webhook", "slack") for r in routing.receivers)


def sends_resolved(routing, receiver: str) -> bool:
    return any(r.name == receiver and r.send_resolved for r in routing.receivers)
