"""Sloth as an outside judge of obsgate's SLOs (pure part): an SLO as a Sloth spec, the burn-rate policy
read back out of either rule set, and obsgate's promtool tests of an SLO adapted to Sloth's names.

Both rule sets are reduced to the same numbers (SLI windows, error budget, and per alert the window
pairs with their burn-rate factors) so that a disagreement is a difference of numbers, not of spelling.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import promql_parser as pp

from ..model.rules import expand_labels
from ..promql import PromQLError, parse, selector_name

SLI_PREFIX = "slo:sli_error:ratio_rate"
BURN_PREFIX = "slo:burn_rate:ratio_rate"
ERROR_BUDGET = "slo:error_budget:ratio"
ROUTINGS = ("page", "ticket")
WINDOW_VAR = "$window"
SLOTH_WINDOW_VAR = "{{.window}}"
# promtool's expanding notation: `a`, `axN`, `a+bxN`, `a-bxN`, `_`, `_xN`, `stale`
_NOTATION = re.compile(r"^(?P<a>-?[0-9.eE+]+?)(?:(?P<sign>[+-])(?P<b>[0-9.eE+]+))?(?:x(?P<n>\d+))?$")


@dataclass(frozen=True)
class Policy:
    """What an SLO's rule set decides, in numbers: SLI windows, budget, and per routing its window pairs."""

    windows: tuple[str, ...]
    budget: float | None
    alerts: dict  # routing -> tuple of (long, short, factor), sorted


def seconds(window: str) -> float:
    return pp.parse_duration(window).total_seconds()


def sloth_id(slo) -> str:
    return f"{slo.service}-{slo.name}"


def sloth_alert_name(slo) -> str:
    return "".join(p[:1].upper() + p[1:] for p in slo.name.split("-")) + "SLOBurnRate"


def spec(slo) -> dict:
    """The Sloth `prometheus/v1` spec of one obsgate SLO (same queries, objective and severities)."""
    return {
        "version": "prometheus/v1",
        "service": slo.service,
        "slos": [{
            "name": slo.name,
            "objective": slo.objective,
            "description": slo.description,
            "sli": {"events": {"error_query": slo.errors.replace(WINDOW_VAR, SLOTH_WINDOW_VAR),
                               "total_query": slo.total.replace(WINDOW_VAR, SLOTH_WINDOW_VAR)}},
            "alerting": {"name": sloth_alert_name(slo),
                         "page_alert": {"labels": {"severity": slo.page_severity}},
                         "ticket_alert": {"labels": {"severity": slo.ticket_severity}}},
        }],
    }


def _rules(doc) -> list[dict]:
    groups = doc.get("groups") if isinstance(doc, dict) else None
    return [r for g in groups or () if isinstance(g, dict) for r in g.get("rules") or () if isinstance(r, dict)]


def number(node) -> float | None:
    """The value of a constant expression (`14.4 * 0.001`, `vector(1-0.999)`), None if it is not one."""
    if isinstance(node, pp.NumberLiteral):
        return float(node.val)
    if isinstance(node, pp.ParenExpr):
        return number(node.expr)
    if isinstance(node, pp.Call) and node.func.name == "vector" and len(node.args) == 1:
        return number(node.args[0])
    if isinstance(node, pp.BinaryExpr):
        a, b = number(node.lhs), number(node.rhs)
        if a is None or b is None:
            return None
        op = str(node.op)
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else math.nan}.get(op)
    return None


def _comparisons(node, out: list) -> None:
    """Every `selector > constant` under `node`, as (metric name, constant)."""
    if isinstance(node, pp.BinaryExpr) and str(node.op) == ">" and isinstance(node.lhs, pp.VectorSelector):
        value = number(node.rhs)
        if value is not None:
            out.append((selector_name(node.lhs), value))
            return
    for child in ("expr", "lhs", "rhs"):
        sub = getattr(node, child, None)
        if sub is not None and not isinstance(sub, (str, int, float)):
            _comparisons(sub, out)


def _pairs(node) -> list:
    """The `A and B` conjunctions of an alert expression joined by `or`, each as its comparisons."""
    if isinstance(node, pp.ParenExpr):
        return _pairs(node.expr)
    if isinstance(node, pp.BinaryExpr) and str(node.op) == "or":
        return _pairs(node.lhs) + _pairs(node.rhs)
    found: list = []
    _comparisons(node, found)
    return [found]


def policy(doc, select: dict, routing_label: str, threshold_on: str, budget_of_threshold) -> Policy:
    """Read the policy of a rule file that holds one SLO: its records carry `select` in their labels, and its
    alerts (whose SLO labels come from the series they read) are told apart by `routing_label`.

    `threshold_on` is the recorded name the alerts compare (burn rate for obsgate, error ratio for Sloth);
    `budget_of_threshold(value, budget)` turns a compared constant into a burn-rate factor.
    """
    rules = _rules(doc)
    windows, budget = set(), None
    for r in rules:
        if not all((r.get("labels") or {}).get(k) == v for k, v in select.items()):
            continue
        rec = str(r.get("record", ""))
        if rec.startswith(SLI_PREFIX):
            windows.add(rec[len(SLI_PREFIX):])
        elif rec == ERROR_BUDGET:
            try:
                budget = number(parse(str(r.get("expr", ""))))
            except PromQLError:
                budget = None
    alerts: dict = {}
    for r in rules:
        routing = (r.get("labels") or {}).get(routing_label)
        if "alert" not in r or routing not in ROUTINGS:
            continue
        try:
            ast = parse(str(r.get("expr", "")))
        except PromQLError:
            alerts[routing] = (("unparsable", str(r.get("expr", ""))[:80], math.nan),)
            continue
        found = []
        for comparisons in _pairs(ast):
            ws = sorted(((name[len(threshold_on):], value) for name, value in comparisons
                         if name.startswith(threshold_on)), key=lambda wv: -seconds(wv[0]))
            if len(ws) == 2 and budget:
                factor = round(budget_of_threshold(ws[0][1], budget), 6)
                other = round(budget_of_threshold(ws[1][1], budget), 6)
                found.append((ws[0][0], ws[1][0], factor if factor == other else math.nan))
        alerts[routing] = tuple(sorted(found, key=lambda p: seconds(p[0])))
    return Policy(tuple(sorted(windows, key=seconds)), budget, alerts)


def ours(doc, slo) -> Policy:
    return policy(doc, {"slo": slo.name}, "routing", BURN_PREFIX, lambda value, budget: value)


def sloths(doc, slo) -> Policy:
    return policy(doc, {"sloth_slo": slo.name}, "sloth_severity", SLI_PREFIX, lambda value, budget: value / budget)


def disagreements(a: Policy, b: Policy) -> list[str]:
    """What differs between obsgate's policy (a) and Sloth's (b), as sentences (empty when they agree)."""
    out = []
    if a.windows != b.windows:
        out.append(f"SLI windows differ: obsgate records {', '.join(a.windows) or 'none'}, "
                   f"Sloth {', '.join(b.windows) or 'none'}")
    if a.budget is None or b.budget is None or not math.isclose(a.budget, b.budget, rel_tol=1e-9):
        out.append(f"error budget differs: obsgate {ratio(a.budget)}, Sloth {ratio(b.budget)}")
    for routing in ROUTINGS:
        pa, pb = a.alerts.get(routing, ()), b.alerts.get(routing, ())
        if not pa and not pb:
            out.append(f"neither rule set has a {routing} alert on two burn-rate windows")
        elif pa != pb:
            out.append(f"{routing} alert differs: obsgate {_pairs_text(pa)}, Sloth {_pairs_text(pb)}")
    return out


def ratio(value: float | None) -> str:
    return "none" if value is None else format(value, ".6g")


def _pairs_text(pairs) -> str:
    return "; ".join(f"{l}/{s} x{f:g}" for l, s, f in pairs) or "no window pairs"


# --- obsgate's promtool tests, adapted to Sloth's names --------------------------------------------

def scale_values(values: str, factor: float) -> str:
    """Multiply every number of a promtool `values` string (`1+2x10 _ stale`) by `factor`."""
    out = []
    for token in str(values).split():
        m = _NOTATION.match(token)
        if token.startswith("_") or token == "stale" or not m:
            out.append(token)
            continue
        text = format(round(float(m["a"]) * factor, 12), "g")
        if m["b"] is not None:
            text += m["sign"] + format(round(float(m["b"]) * factor, 12), "g")
        if m["n"] is not None:
            text += "x" + m["n"]
        out.append(text)
    return " ".join(out)


def _selector(name: str, labels: dict) -> str:
    return name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}"


def _series_name(series: str) -> str:
    return series.split("{", 1)[0].strip()


def adapt_tests(test_doc: dict, slo, our_doc: dict, sloth_doc: dict, rule_file: str) -> dict:
    """obsgate's test file for one SLO, run against Sloth's rules: same inputs, times and expectations,
    with obsgate's recorded names turned into Sloth's (a burn rate becomes the error ratio it stands for)."""
    routing_of = {r["alert"]: (r.get("labels") or {}).get("routing") for r in _rules(our_doc) if "alert" in r}
    budget = ours(our_doc, slo).budget or 0.0
    sloth_rules = [r for r in _rules(sloth_doc) if (r.get("labels") or {}).get("sloth_slo") == slo.name]
    base = {"sloth_id": sloth_id(slo), "sloth_service": slo.service, "sloth_slo": slo.name}
    alerts = {(r.get("labels") or {}).get("sloth_severity"): r for r in sloth_rules if "alert" in r}

    def series(s: dict) -> dict:
        name = _series_name(s["series"])
        if name.startswith(BURN_PREFIX):
            window = name[len(BURN_PREFIX):]
            return {"series": _selector(SLI_PREFIX + window, {**base, "sloth_window": window}),
                    "values": scale_values(s["values"], budget)}
        if name.startswith(SLI_PREFIX) and f'slo="{slo.name}"' in s["series"]:
            window = name[len(SLI_PREFIX):]
            return {"series": _selector(name, {**base, "sloth_window": window}), "values": s["values"]}
        return dict(s)

    tests = []
    for t in test_doc.get("tests") or ():
        new = {k: v for k, v in t.items() if k not in ("input_series", "alert_rule_test", "promql_expr_test")}
        new["input_series"] = [series(s) for s in t.get("input_series") or ()]
        if t.get("alert_rule_test"):
            new["alert_rule_test"] = []
            for at in t["alert_rule_test"]:
                rule = alerts.get(routing_of.get(at["alertname"]))
                if rule is None:
                    continue
                exp = []
                for _ in at.get("exp_alerts") or ():
                    labels = {**base, **(rule.get("labels") or {})}
                    annotations = {k: expand_labels(v, labels) or v for k, v in (rule.get("annotations") or {}).items()}
                    exp.append({"exp_labels": labels, "exp_annotations": annotations})
                new["alert_rule_test"].append({"eval_time": at["eval_time"], "alertname": rule["alert"],
                                               "exp_alerts": exp})
        if t.get("promql_expr_test"):
            # Sloth's series carry labels of their own (sloth_id, sloth_window): compare values per SLO
            new["promql_expr_test"] = [{
                "expr": "max by (sloth_slo) (" + pe["expr"].replace(f'slo="{slo.name}"', f'sloth_slo="{slo.name}"') + ")",
                "eval_time": pe["eval_time"],
                "exp_samples": [{"labels": _selector("", {"sloth_slo": slo.name}), "value": s["value"]}
                                for s in pe.get("exp_samples") or ()],
            } for pe in t["promql_expr_test"]]
        tests.append(new)
    return {"rule_files": [rule_file], "evaluation_interval": test_doc.get("evaluation_interval", "1m"),
            "tests": tests}

