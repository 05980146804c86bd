"""The SLO's expansion, the generate side of a data-only model.SLO, as Sloth's generation steps are
plugins over its SLO: each step turns the declaration into one kind of definition.

    sli     the SLI, burn-rate and budget recording rules
    alerts  the page and ticket burn-rate alerts with their tests and runbooks
    board   the SLO dashboard

load calls `expand` for every SLO it finds, so the Project holds the rules and boards it produced.
"""
from __future__ import annotations

from ...model import RuleGroup
from ...model.board import Board
from ...model.slo import SLO
from . import alerts, board, sli

RULE_STEPS = (sli.recording_rules, alerts.alerts)  # each: SLO -> rules, in the group's order


def rule_group(slo: SLO) -> RuleGroup:
    return RuleGroup(slo.group_name, rules=tuple(r for step in RULE_STEPS for r in step(slo)), source=slo.source)


def expand(slo: SLO) -> tuple[RuleGroup, Board]:
    """The SLO's rule group and its dashboard."""
    return rule_group(slo), board.board(slo)
