"""Grafana template expansion for panel queries run outside Grafana: builtins and dashboard variables.

This expands Grafana's own `$var` / `${var}` / `${var:fmt}` / `[[var]]` syntax before the query is
sent; the query language itself is left to the server that runs it.
"""
from __future__ import annotations

import re

VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::[A-Za-z]+)?\}|\$([A-Za-z_][A-Za-z0-9_]*)|\[\[([A-Za-z_][A-Za-z0-9_]*)\]\]")
LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(.*),\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)


def builtins(scrape_seconds: float) -> dict[str, str]:
    """Grafana's interval variables: windows of >= 4 scrapes, as $__rate_interval guarantees in Grafana."""
    window = f"{max(60, int(4 * scrape_seconds))}s"
    return {"__rate_interval": window, "__interval": window, "__auto": window, "__range": "1h",
            "__interval_ms": str(max(60, int(4 * scrape_seconds)) * 1000), "__range_s": "3600", "__range_ms": "3600000"}


def resolve(variables: list[dict], label_values) -> dict[str, str]:
    """One value per dashboard variable: its All value, else the first value it would offer."""
    values: dict[str, str] = {}
    for var in variables:
        name, kind = var.get("name", ""), var.get("type", "")
        if not name or kind == "datasource":
            continue
        if var.get("includeAll"):
            values[name] = var.get("allValue") or ".*"
            continue
        options = [o.get("value") for o in var.get("options") or [] if o.get("value") not in (None, "$__all")]
        current = (var.get("current") or {}).get("value")
        if isinstance(current, list):
            current = current[0] if current else None
        if kind in ("custom", "interval", "constant", "textbox"):
            raw = str(var.get("query") or "")
            first = options[0] if options else (raw.split(",")[0].strip() if raw else "")
            values[name] = str(current if current not in (None, "", "$__all") else first)
            continue
        if kind == "query":
            query = var.get("query")
            query = query.get("query", "") if isinstance(query, dict) else str(query or "")
            m = LABEL_VALUES.match(query)
            found = label_values(m.group(2), (m.group(1) or "").strip()) if m else []
            values[name] = found[0] if found else ".*"
    return values


def expand(expr: str, values: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        name = m.group(1) or m.group(2) or m.group(3)
        return values.get(name, m.group(0))

    return VAR.sub(sub, expr)


def leftover(expr: str) -> list[str]:
    return sorted({m.group(1) or m.group(2) or m.group(3) for m in VAR.finditer(expr)})

