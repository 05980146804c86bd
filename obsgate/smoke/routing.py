"""Which receivers Alertmanager should pick for an alert, from the Routing model's tree (walked the way
Alertmanager walks it, by obsgate.model.stack.Routing.match; generate.alertmanager writes the same tree)."""
from __future__ import annotations

from ..model.stack import matcher_matches as matches  # noqa: F401  (re-exported for the smoke checks)


def receivers_for(routing, labels: dict[str, str]) -> list[str]:
    """Receivers in the order Alertmanager notifies them."""
    return routing.receivers_for(labels)


def sink_checkable(routing, receiver: str, smtp_sink: bool = True) -> bool:
    """Receivers whose notifications reach the live run's sinks: webhook, Slack and PagerDuty at the alert sink,
    email at the SMTP sink (when the stack runs one)."""
    kind = routing.kind(receiver)
    return kind in ("webhook", "slack", "pagerduty") or (kind == "email" and smtp_sink)


def sends_resolved(routing, receiver: str) -> bool:
    return any(r.name == receiver and r.send_resolved for r in routing.receivers)
