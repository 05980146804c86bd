"""RE2 patterns (what Loki and Prometheus accept) compiled with Python's `re`.

The common syntax is the same; the differences that matter are translated (`(?<name>` and `\\z`),
and the RE2-only or Python-only features that would silently change meaning are refused."""
from __future__ import annotations

import re
from functools import lru_cache

from .errors import LogQLSyntaxError

_NAMED = re.compile(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>")
_LOOKAROUND = re.compile(r"\(\?(?:=|!|<=|<!)")
_BACKREF = re.compile(r"\\[1-9]")


@lru_cache(maxsize=4096)
def compile_re2(pattern: str, anchored: bool = False) -> re.Pattern:
    """Compile an RE2 pattern; raise LogQLSyntaxError (with RE2's wording) when Loki would refuse it."""
    if _LOOKAROUND.search(pattern):
        raise LogQLSyntaxError(f"invalid regex `{pattern}`: lookaround assertions are not RE2 syntax",
                               hint="RE2 has no (?=...), (?!...), (?<=...), (?<!...)")
    if _BACKREF.search(pattern.replace("\\\\", "")):
        raise LogQLSyntaxError(f"invalid regex `{pattern}`: backreferences are not RE2 syntax",
                               hint="RE2 has no \\1 backreferences")
    py = _NAMED.sub(r"(?P<\1>", pattern).replace(r"\z", r"\Z")
    if anchored:
        py = f"(?s:{py})\\Z"
    try:
        return re.compile(py)
    except re.error as exc:
        raise LogQLSyntaxError(f"invalid regex `{pattern}`: {exc}", hint="LogQL regexes use RE2 syntax") from None
