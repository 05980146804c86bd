"""Rules, panels and queries pulled out of the checked files, each tied to its definition when known.

A rule in a generated file points at its AlertRule (Python source line, suppressions); a panel at
its Board's suppressions. Rule expressions and panel queries become one list of Query, so every
PromQL check applies to both alike.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..promql import PromQLError, parse
from ..render import HEADER
from .base import Subject
from .files import DASHBOARD, LOKI_RULES, PROM_RULES, SourceFile

# Grafana computes $__rate_interval as at least 4 scrape intervals, so a range written with it is
# always long enough. It is replaced by a range no one writes by hand, so checks can recognise it
# after parsing (the AST keeps no text positions); $__interval likewise.
RATE_INTERVAL_SECONDS = 3 * 3600 + 33 * 60 + 33
INTERVAL_SECONDS = 2 * 3600 + 22 * 60 + 22
GRAFANA_VAR_PREFIX = "grafana_var_"


@dataclass
class RuleItem(Subject):
    file: SourceFile | None = None
    group: str = ""
    gi: int = 0
    ri: int = 0
    data: dict = field(default_factory=dict)
    lang: str = "promql"  # promql (Prometheus) or logql (Loki ruler)
    model: Any = None  # the AlertRule / RecordingRule / LokiAlertRule it was generated from

    @property
    def kind(self) -> str:
        return "alert" if "alert" in self.data else "record"

    @property
    def rule_name(self) -> str:
        return str(self.data.get(self.kind, ""))

    @property
    def expr(self) -> str:
        value = self.data.get("expr", "")
        return value if isinstance(value, str) else str(value)

    def file_line(self, *key) -> int:
        return self.file.line(("groups", self.gi, "rules", self.ri) + key) if self.file else 0


@dataclass
class PanelItem(Subject):
    file: SourceFile | None = None
    at: tuple = ()  # path of the panel in the file's data
    panel: dict = field(default_factory=dict)
    dashboard: dict = field(default_factory=dict)
    board: Any = None  # the project's Board with this uid, if any
    locate: Any = None  # (texts) -> the line of the first in the board's source file; None: no source

    @property
    def type(self) -> str:
        return str(self.panel.get("type", ""))

    @property
    def title(self) -> str:
        return str(self.panel.get("title", "") or "")


@dataclass
class Query:
    """One PromQL expression: a rule's `expr` or a panel target's `expr` (Grafana variables substituted)."""

    subject: Subject
    raw: str
    expr: str
    origin: str  # "rule" | "panel"
    line_at: Any = 0
    ast: Any = None
    error: str = ""

    @property
    def line(self) -> int:
        return self.line_at() if callable(self.line_at) else int(self.line_at or 0)

    @property
    def where(self) -> str:
        s = self.subject
        if isinstance(s, RuleItem):
            return f"{s.kind} `{s.rule_name}`"
        return f"panel `{s.name}`"


# Any other variable in a range ($interval, $__range, a custom one) becomes this range: parsed, and
# recognised by the checks as "chosen by a variable".
VARIABLE_SECONDS = 1 * 3600 + 11 * 60 + 11
_DURATIONS = {"__rate_interval": "3h33m33s", "__interval": "2h22m22s"}
_NUMBERS = ("__range_s", "__range_ms", "__interval_ms", "__rate_interval_ms")  # Grafana gives these as numbers
_VAR = re.compile(r"\$\{([A-Za-z_]\w*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)|\[\[([A-Za-z_]\w*)(?::[^\]]*)?\]\]")


def panel_expr(raw: str, numeric: bool = False) -> str:
    """A panel query with Grafana's variables replaced by PromQL of the same kind, by where they stand.

    In a range or after `offset`: a duration; `$__range_s` and the like: a number; in a string: an
    identifier that the label checks recognise; elsewhere a selector name (or, with `numeric`, a number,
    for variables standing where PromQL wants a scalar such as `topk($n, ...)`).
    """
    out: list[str] = []
    i, quote, depth = 0, "", 0
    while i < len(raw):
        c = raw[i]
        if quote and c == "\\":
            out.append(raw[i:i + 2])
            i += 2
            continue
        m = _VAR.match(raw, i) if c in "$[" else None
        if m:
            name = m.group(1) or m.group(2) or m.group(3)
            if quote:
                out.append(GRAFANA_VAR_PREFIX + name)
            elif depth > 0 or "".join(out).rstrip().endswith("offset"):
                out.append(_DURATIONS.get(name, f"{VARIABLE_SECONDS}s"))
            elif name in _NUMBERS or numeric:
                out.append("1")
            else:
                out.append(GRAFANA_VAR_PREFIX + name)
            i = m.end()
            continue
        if quote:
            quote = "" if c == quote else quote
        elif c in "\"'`":
            quote = c
        elif c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        out.append(c)
        i += 1
    return "".join(out)


def is_grafana_var(value: str) -> bool:
    return value.startswith(GRAFANA_VAR_PREFIX)


def written_by_obsgate(f: SourceFile) -> bool:
    return f.text.startswith(f"# {HEADER}")


# --- rules -----------------------------------------------------------------------------------------

def rules(files: list[SourceFile], project) -> list[RuleItem]:
    out: list[RuleItem] = []
    for f in files:
        if f.kind not in (PROM_RULES, LOKI_RULES) or not isinstance(f.data, dict):
            continue
        lang = "logql" if f.kind == LOKI_RULES else "promql"
        groups = f.data.get("groups")
        if not isinstance(groups, list):
            continue
        own = project is not None and not f.external
        models = _model_groups(project, lang) if own else {}
        for gi, group in enumerate(groups):
            if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
                continue
            gname = str(group.get("name", ""))
            model_rules = models.get(gname, ())
            for ri, rule in enumerate(group["rules"]):
                if not isinstance(rule, dict):
                    continue
                model = _match(model_rules, ri, rule)
                item = RuleItem(path=f.path, file=f, group=gname, gi=gi, ri=ri, data=rule, lang=lang, model=model,
                                external=f.external)
                item.name = str(rule.get("alert", rule.get("record", "")))
                if model is not None:
                    item.path, item.line_at = model.source.path, model.source.line
                    item.suppress = tuple(getattr(model, "suppress", ()))
                else:
                    item.line_at = (lambda f=f, gi=gi, ri=ri: f.line(("groups", gi, "rules", ri)))
                out.append(item)
    return out


def _model_groups(project, lang: str) -> dict:
    groups = project.loki_groups if lang == "logql" else project.groups
    return {g.name: g.rules for g in groups}


def _match(model_rules, index: int, rule: dict):
    if index >= len(model_rules):
        return None
    m = model_rules[index]
    name = rule.get("alert", rule.get("record"))
    return m if getattr(m, "name", None) == name else None


# --- dashboards ------------------------------------------------------------------------------------

def dashboard_of(f: SourceFile) -> tuple[dict, tuple]:
    """The dashboard model in a file and its path: plain, or wrapped as the HTTP API exports it."""
    data = f.data
    if isinstance(data, dict) and isinstance(data.get("dashboard"), dict) and "panels" not in data:
        return data["dashboard"], ("dashboard",)
    return (data if isinstance(data, dict) else {}), ()


def iter_panels(dash: dict, base: tuple = ()):
    """(path, panel) for every panel: top level, inside collapsed rows, and in legacy `rows`."""
    for i, panel in enumerate(dash.get("panels") or []):
        if not isinstance(panel, dict):
            continue
        yield base + ("panels", i), panel
        for j, inner in enumerate(panel.get("panels") or []):
            if isinstance(inner, dict):
                yield base + ("panels", i, "panels", j), inner
    for r, row in enumerate(dash.get("rows") or []):
        if isinstance(row, dict):
            for j, inner in enumerate(row.get("panels") or []):
                if isinstance(inner, dict):
                    yield base + ("rows", r, "panels", j), inner


def panels(files: list[SourceFile], project) -> list[PanelItem]:
    boards = {b.uid: b for b in project.boards} if project is not None else {}
    out: list[PanelItem] = []
    for f in files:
        if f.kind != DASHBOARD or f.doc is None:
            continue
        dash, base = dashboard_of(f)
        board = None if f.external else boards.get(dash.get("uid"))
        source = _board_source(project, board)
        for at, panel in iter_panels(dash, base):
            title = str(panel.get("title", "") or "")
            sup = tuple(board.suppress.get(title, ())) if board is not None else ()
            item = PanelItem(path=f.path, line_at=(lambda f=f, at=at: f.line(at)), name=title or "(untitled)",
                             suppress=sup, external=board is None, file=f, at=at, panel=panel, dashboard=dash,
                             board=board)
            if source is not None:  # a project board: point at the user's source, never at generated/
                item.path, item.locate = board.path, source
                item.line_at = (lambda item=item, title=title: item.locate([title]))
            out.append(item)
    return out


def _board_source(project, board):
    """A function finding texts (a query, a panel title) in the board's source file, else its line."""
    if board is None or not getattr(board, "path", "") or board.path.startswith("generated/"):
        return None
    try:
        lines = (Path(project.root) / board.path).read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return None

    def locate(texts) -> int:
        for text in texts:
            for quoted in (text, text.replace("\\", "\\\\").replace("'", "\\'"), text.replace('"', '\\"')):
                if quoted:
                    found = next((i for i, line in enumerate(lines, 1) if quoted in line), 0)
                    if found:
                        return found
        return board.line or 1

    return locate


def datasource_type(panel: PanelItem, target: dict) -> str:
    """prometheus, loki, or another plugin id; a `${var}` uid is resolved through the dashboard's variables."""
    for ds in (target.get("datasource"), panel.panel.get("datasource")):
        if isinstance(ds, dict):
            if ds.get("type"):
                return str(ds["type"])
            ds = ds.get("uid")
        if isinstance(ds, str) and ds:
            name = ds.strip("${}").split(":")[0]
            templating = panel.dashboard.get("templating")
            for var in (templating.get("list") if isinstance(templating, dict) else None) or []:
                if isinstance(var, dict) and var.get("type") == "datasource" and var.get("name") == name:
                    return str(var.get("query") or "prometheus")
            if ds.lower() in ("loki",):
                return "loki"
            if ds.startswith("-- ") or ds in ("grafana", "__expr__"):
                return ds
    return "prometheus"


# --- queries ---------------------------------------------------------------------------------------

def queries(rule_items: list[RuleItem], panel_items: list[PanelItem]) -> list[Query]:
    out: list[Query] = []
    for r in rule_items:
        if r.lang == "promql" and r.expr:
            out.append(_parsed(Query(r, r.expr, r.expr, "rule", r.line_at)))
    for p in panel_items:
        for ti, target in enumerate(p.panel.get("targets") or []):
            if not isinstance(target, dict) or not isinstance(target.get("expr"), str) or not target["expr"].strip():
                continue
            if datasource_type(p, target) != "prometheus":
                continue
            raw = target["expr"]
            at = p.at + ("targets", ti, "expr")
            line_at = (lambda p=p, raw=raw: p.locate([raw, p.title])) if p.locate else (
                lambda f=p.file, at=at: f.line(at))
            q = _parsed(Query(p, raw, panel_expr(raw), "panel", line_at))
            if q.error and GRAFANA_VAR_PREFIX in q.expr:  # a variable where PromQL wants a number
                numeric = _parsed(Query(p, raw, panel_expr(raw, numeric=True), "panel", q.line_at))
                q = numeric if not numeric.error else q
            out.append(q)
    return out


def _parsed(q: Query) -> Query:
    try:
        q.ast = parse(q.expr)
    except PromQLError as exc:
        q.error = str(exc)
    return q
