"""generated/runbooks/<AlertName>.md: one runbook per alert, rendered from its Runbook definition.

Investigation steps start with the rule's own expression; shared steps are defined once in the
sources and quoted here; related alerts are linked both ways.
"""
from __future__ import annotations

import jinja2

from ..model import AlertRule, LokiAlertRule, Step
from ..model.source import DefinitionError
from ..project import Project
from .target import Target

TEMPLATE = """\
# {{ rule.name }}

## Description

| | |
|---|---|
| Alert | `{{ rule.name }}` |
| Severity | {{ rule.severity }} |
| Category | {{ rule.category or group }} |
| Rule group | `{{ group }}` ({{ engine }}) |
| Fires after | {{ rule.for_ }} |
| Defined in | `{{ rule.source }}` |

**{{ rule.summary }}**

{{ rule.description }}
{% if rule.deviation %}
> **Differs from the specification:** {{ rule.deviation }}.
{% endif %}
## Impact

{{ rb.impact }}

## Investigation steps
{% for step in steps %}
{{ loop.index }}. **{{ step.title }}**{% if step.note %} — {{ step.note }}{% endif %}
{%- if step.query %}

   ```{{ step.lang }}
   {{ step.query }}
   ```
{%- endif %}
{% endfor %}
## Likely root causes

| Cause | How to confirm | Fix |
|---|---|---|
{% for c in rb.causes -%}
| {{ c.cause }} | {{ c.confirm }} | {{ c.fix }} |
{% endfor %}
## Resolution

### Quick fix

{{ rb.quick_fix }}

### Long-term fix

{{ rb.long_term_fix }}

## Prevention

{{ rb.prevention }}

## Related alerts
{% if related %}
{% for name in related -%}
- [{{ name }}]({{ name }}.md)
{% endfor %}{% else %}
None.
{% endif %}"""

_ENV = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
_TEMPLATE = _ENV.from_string(TEMPLATE)


def _all_alerts(project: Project) -> list[tuple[str, str, object]]:
    out = [(g.name, "Prometheus", a) for g in project.groups for a in g.alerts]
    out += [(g.name, "Loki ruler", a) for g in project.loki_groups for a in g.alerts]
    return out


def related_map(project: Project) -> dict[str, list[str]]:
    """Explicit `related` links, mirrored so that each link shows on both runbooks."""
    names = {a.name for _, _, a in _all_alerts(project)}
    links: dict[str, set[str]] = {n: set() for n in names}
    for _, _, alert in _all_alerts(project):
        for other in alert.runbook.related if alert.runbook else ():
            if other not in names:
                raise DefinitionError(alert.source, f'alert "{alert.name}" runbook.related: `{other}` is not an alert',
                                      "name an alert defined in rules_src/")
            links[alert.name].add(other)
            links[other].add(alert.name)
    return {n: sorted(v) for n, v in links.items()}


def render_runbook(project: Project, group: str, engine: str, rule, related: list[str]) -> str:
    lang = "logql" if isinstance(rule, LokiAlertRule) else "promql"
    expr = rule.rendered_expr if isinstance(rule, LokiAlertRule) else rule.expr
    steps = (Step("Evaluate the alert's own expression", expr, lang=lang),) + rule.runbook.steps
    return _TEMPLATE.render(rule=rule, rb=rule.runbook, group=group, engine=engine, steps=steps, related=related)


def files(project: Project, target: Target) -> dict[str, object]:
    related = related_map(project)
    out: dict[str, object] = {}
    for group, engine, rule in _all_alerts(project):
        if rule.runbook is None:
            raise DefinitionError(rule.source, f'alert "{rule.name}" field runbook: is missing',
                                  "give Runbook(impact=..., causes=..., quick_fix=..., ...)")
        out[f"generated/runbooks/{rule.name}.md"] = render_runbook(project, group, engine, rule, related[rule.name])
    return out
