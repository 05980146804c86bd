"""Series names as Grafana's Prometheus and Loki datasources show them: legendFormat, else the labels."""
from __future__ import annotations

import re

TEMPLATE = re.compile(r"\{\{\s*([^{}\s]+?)\s*\}\}")


def series_name(labels: dict[str, str], legend_format: str = "", expr: str = "") -> str:
    """`{{label}}` filled from the series' labels (a missing label stays as its name, as in Grafana);
    without a legendFormat (or `__auto`), `metric{a="b"}`, or the query when the series has no labels."""
    if legend_format and legend_format != "__auto":
        return TEMPLATE.sub(lambda m: labels.get(m.group(1), m.group(1)), legend_format)
    name = labels.get("__name__", "")
    rest = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()) if k != "__name__")
    if not name and not rest:
        return expr
    return f"{name}{{{rest}}}" if rest else name
