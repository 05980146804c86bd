"""generated/runbooks/<AlertName>.md: one runbook per alert, rendered from its Runbook definition, and
generated/runbooks/README.md: the index of every alert by component and severity.

Investigation steps start with the rule's own expression; shared steps are defined once in the sources
and quoted here. A link step may name a Grafana panel by title, `{panel:<title>}` in its URL after
`/d/<uid>`: the panel's id is read from the generated dashboard, so a renamed panel fails generate.
Related alerts (and the alerts of the same family) are linked both ways. Headings and summaries show
`<label>` where the alert's text has a template, never the raw `{{ $labels.x }}`.
"""
from __future__ import annotations

import re

import jinja2

from ..model import AlertRule, LokiAlertRule, Step
from ..model.rules import SEVERITIES
from ..model.source import DefinitionError
from ..project import Project
from .target import Target

PANEL_REF = re.compile(r"/d/(?P<uid>[A-Za-z0-9_-]+)(?P<rest>[^{]*)\{panel:(?P<title>[^}]+)\}")
TEMPLATE = re.compile(r"{{-?\s*(.*?)\s*-?}}")
LABEL = re.compile(r"^\$labels\.([A-Za-z_][A-Za-z0-9_]*)")
FENCE = {"promql": "promql", "logql": "logql", "shell": "bash"}

RUNBOOK = """\
# {{ rule.name }}

## Description

| | |
|---|---|
| Alert | `{{ rule.name }}` |
| Severity | {{ rule.severity }} |
| Component | {{ rule.component or "—" }} |
{%- if family %}
| Family | `{{ rule.family }}`: {{ family }} |
{%- endif %}
| Category | {{ rule.category or group }} |
| Rule group | `{{ group }}` ({{ engine }}) |
| Fires after | {{ rule.for_ }} |
| Defined in | `{{ rule.source }}` |

**{{ summary }}**

{{ description }}
{% if rule.deviation %}
> **Differs from the specification:** {{ rule.deviation }}.
{% endif %}
## Impact

{{ rb.impact }}

## Investigation steps
{% for step in steps %}
{{ loop.index }}. **{{ step.title }}** ({{ kinds[step.lang] }}){% if step.note %} — {{ step.note }}{% endif %}
{%- if step.lang == "link" %}

   <{{ step.query }}>
{%- elif step.query %}

   ```{{ fences[step.lang] }}
{{ step.query | indent(3, first=True) }}
   ```
{%- endif %}
{% endfor %}
## Likely root causes

| Cause | Likelihood | How to confirm | Fix |
|---|---|---|---|
{% for c in causes -%}
| {{ c.cause }} | {{ c.likelihood or "—" }} | {{ c.confirm }} | {{ c.fix }} |
{% endfor %}
## Resolution

### Quick fix

{{ rb.quick_fix }}

### Long-term fix

{{ rb.long_term_fix }}

## Prevention
{% if rb.checklist %}
{% for item in rb.checklist -%}
- [ ] {{ item }}
{% endfor %}{% else %}
{{ rb.prevention }}
{% endif %}
## Related alerts
{% if related %}
{% for other in related -%}
- [{{ other.name }}]({{ other.name }}.md) ({{ other.severity }}): {{ plain(other.summary) }}
{% endfor %}{% else %}
None.
{% endif %}"""

INDEX = """\
# Runbooks

{{ total }} alerts, each with its runbook: by component, then severity. Severities: {{ counts }}.
{% for component, rows in by_component %}
## {{ component }}

| Alert | Severity | Family | Summary |
|---|---|---|---|
{% for a in rows -%}
| [{{ a.name }}]({{ a.name }}.md) | {{ a.severity }} | {{ a.family or "—" }} | {{ plain(a.summary) }} |
{% endfor %}{% endfor %}"""

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
_RUNBOOK = _ENV.from_string(RUNBOOK)
_INDEX = _ENV.from_string(INDEX)
KINDS = {"promql": "PromQL", "logql": "LogQL", "shell": "shell", "link": "link"}
SEVERITY_ORDER = {s: i for i, s in enumerate(SEVERITIES)}


def plain(text: str) -> str:
    """Alert text without templates: `{{ $labels.persona }}` becomes `<persona>`, `$value` `<value>`."""
    def repl(m: re.Match) -> str:
        inner = m.group(1)
        label = LABEL.match(inner)
        if label:
            return f"<{label.group(1)}>"
        return "<value>" if "$value" in inner else "<…>"
    return TEMPLATE.sub(repl, text)


def _all_alerts(project: Project) -> list[tuple[str, str, object]]:
    out = [(g.name, "Prometheus", a) for g in project.groups for a in g.alerts]
    out += [(g.name, "Loki ruler", a) for g in project.loki_groups for a in g.alerts]
    return out


def families(alerts) -> dict[str, list]:
    """{family: its alerts in definition order}: one index, not a scan of every alert per alert."""
    out: dict[str, list] = {}
    for a in alerts:
        if a.family:
            out.setdefault(a.family, []).append(a)
    return out


def related_map(project: Project) -> dict[str, list[str]]:
    """Explicit `related` links and the alerts of one family, mirrored so each link shows on both runbooks."""
    alerts = [a for _, _, a in _all_alerts(project)]
    names = {a.name for a in alerts}
    family = families(alerts)
    links: dict[str, set[str]] = {n: set() for n in names}
    for alert in alerts:
        for other in alert.runbook.related if alert.runbook else ():
            if other not in names:
                raise DefinitionError(alert.source, f'alert "{alert.name}" runbook.related: `{other}` is not an alert',
                                      "name an alert defined in rules_src/")
            if other != alert.name:
                links[alert.name].add(other)
                links[other].add(alert.name)
        for other in family.get(alert.family, ()) if alert.family else ():
            if other.name != alert.name:
                links[alert.name].add(other.name)
    return {n: sorted(v) for n, v in links.items()}


def steps_of(rule) -> tuple[Step, ...]:
    """Every investigation step of an alert's runbook, its own expression first: what the checks parse and run."""
    lang = "logql" if isinstance(rule, LokiAlertRule) else "promql"
    expr = rule.rendered_expr if isinstance(rule, LokiAlertRule) else rule.expr
    own = Step("Evaluate the alert's own expression", expr, lang=lang, source=rule.source)
    return (own,) + (rule.runbook.steps if rule.runbook else ())


def runbook_steps(project: Project) -> list[tuple[object, Step]]:
    """(alert, step) for every step of every runbook, PromQL, LogQL, shell and link alike."""
    return [(rule, step) for _, _, rule in _all_alerts(project) for step in steps_of(rule)]


def panel_ids(produced: dict[str, object]) -> dict[str, dict[str, int]]:
    """Dashboard uid -> panel title -> panel id, from the grafana family's output."""
    out: dict[str, dict[str, int]] = {}
    for path, doc in produced.items():
        if path.startswith("generated/grafana/dashboards/") and isinstance(doc, dict):
            titles = out.setdefault(str(doc.get("uid", "")), {})
            for panel in doc.get("panels", []):
                for inner in [panel] + list(panel.get("panels", [])):
                    if "id" in inner and inner.get("title"):
                        titles.setdefault(inner["title"], inner["id"])
    return out


def resolve_link(step: Step, panels: dict[str, dict[str, int]], rule) -> Step:
    m = PANEL_REF.search(step.query)
    if not m:
        return step
    uid, title = m.group("uid"), m.group("title")
    if uid not in panels:
        raise DefinitionError(step.source, f'alert "{rule.name}" runbook step "{step.title}": no dashboard `{uid}`',
                              "use the uid of a dashboard in dashboards_src/")
    if title not in panels[uid]:
        raise DefinitionError(step.source, f'alert "{rule.name}" runbook step "{step.title}": dashboard `{uid}` has '
                              f"no panel `{title}`", "panels: " + ", ".join(sorted(panels[uid])))
    url = step.query[:m.start("title") - len("{panel:")] + str(panels[uid][title]) + step.query[m.end():]
    return Step(step.title, url, step.lang, step.note, source=step.source)


def _family_note(rule, family: list) -> str:
    others = [a for a in family if a.name != rule.name]
    crit = [a.name for a in others if a.severity == "critical"]
    warn = [a.name for a in others if a.severity == "warning"]
    if rule.severity == "warning" and crit:
        return f"muted while {', '.join(f'`{n}`' for n in crit)} fires"
    if rule.severity == "critical" and warn:
        return f"mutes {', '.join(f'`{n}`' for n in warn)} while it fires"
    return "shares the condition with " + ", ".join(f"`{a.name}`" for a in others) if others else ""


def render_runbook(group: str, engine: str, rule, related: list[str], panels: dict[str, dict[str, int]],
                   by_name: dict[str, object], family: dict[str, list]) -> str:
    """One alert's runbook; `by_name` and `family` index every alert of the project (built once per run)."""
    steps = tuple(resolve_link(s, panels or {}, rule) if s.lang == "link" else s for s in steps_of(rule))
    order = {"high": 0, "medium": 1, "low": 2, "": 3}
    causes = sorted(rule.runbook.causes, key=lambda c: order[c.likelihood])
    note = _family_note(rule, family[rule.family]) if rule.family else ""
    return _RUNBOOK.render(rule=rule, rb=rule.runbook, group=group, engine=engine, steps=steps, causes=causes,
                           related=[by_name[n] for n in related], summary=plain(rule.summary),
                           description=plain(rule.description), family=note,
                           kinds=KINDS, fences=FENCE, plain=plain)


def render_index(project: Project) -> str:
    alerts = [a for _, _, a in _all_alerts(project)]
    grouped: dict[str, list] = {}
    for a in alerts:
        grouped.setdefault(a.component or "(none)", []).append(a)
    by_component = [(c, sorted(grouped[c], key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), a.name)))
                    for c in sorted(grouped)]
    counts = ", ".join(f"{sum(a.severity == s for a in alerts)} {s}" for s in SEVERITIES)
    return _INDEX.render(total=len(alerts), counts=counts, by_component=by_component, plain=plain)


def files(project: Project, target: Target, produced: dict[str, object] | None = None) -> dict[str, object]:
    related = related_map(project)
    panels = panel_ids(produced or {})
    alerts = _all_alerts(project)
    by_name = {a.name: a for _, _, a in alerts}
    family = families(a for _, _, a in alerts)
    out: dict[str, object] = {}
    for group, engine, rule in alerts:
        if rule.runbook is None:
            raise DefinitionError(rule.source, f'alert "{rule.name}" field runbook: is missing',
                                  "give Runbook(impact=..., causes=..., quick_fix=..., ...)")
        out[f"generated/runbooks/{rule.name}.md"] = render_runbook(group, engine, rule, related[rule.name], panels,
                                                                   by_name, family)
    if out:
        out["generated/runbooks/README.md"] = render_index(project)
    return out
