"""xref/*: cross-references of every query against the catalog, one module per check (named after its id).

The shared pieces (the catalog hint, the skip without a catalog, suggestions and listings) live here.
"""
from __future__ import annotations

import difflib

from ...problem import Problem, Severity

HINT_CATALOG = "declare it in catalog/, record it with a RecordingRule, or fix the name"


def no_catalog(ctx, check_id: str) -> list[Problem]:
    if not ctx.queries:
        return []
    return [Problem(check_id, Severity.INFO, "skipped: no project catalog to check against (run inside a project "
                    "or pass --root)")]


def suggest(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f"did you mean `{close[0]}`? " if close else ""


def listing(names) -> str:
    names = sorted(names)
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")


def parsed(ctx) -> list:
    """The checked queries that parse (one that does not is promql/syntax's finding)."""
    return [q for q in ctx.queries if q.ast is not None]
