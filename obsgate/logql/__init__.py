"""obsgate's LogQL engine: parse, evaluate and template LogQL the way Loki documents it; pure, no I/O.

Loki's own query code is AGPL, so this is written from Loki's documentation (Query > Log queries,
Metric queries, Template functions). What it does not evaluate raises Unsupported by name.
"""
from __future__ import annotations

from .errors import LogQLError, LogQLSyntaxError, QueryError, Unsupported
from .evaluator import Entry, Stream, instant, range_query
from .nodes import Matcher
from .parser import Query, parse
from .result import Result

__all__ = ["parse", "Query", "Matcher", "LogQLError", "LogQLSyntaxError", "Unsupported", "QueryError", "Entry",
           "Stream", "instant", "range_query", "Result"]
