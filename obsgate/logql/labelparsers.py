"""The parser stages of a log pipeline: json, logfmt, regexp, pattern, unpack.

Each returns the labels a line yields, or raises ParseFailure (Loki sets `__error__` to the error's
kind then, and `__error_details__` to its message). Keys are sanitised as Loki documents: nested
json keys joined with `_`, characters outside [A-Za-z0-9_] replaced by `_`.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache

from .regex import compile_re2

_BAD_KEY = re.compile(r"[^A-Za-z0-9_]")


class ParseFailure(Exception):
    def __init__(self, kind: str, details: str):
        super().__init__(details)
        self.kind, self.details = kind, details


@lru_cache(maxsize=65536)
def sanitize(key: str) -> str:
    key = _BAD_KEY.sub("_", key)
    if key[:1].isdigit():
        key = "_" + key
    return key


# --- json ----------------------------------------------------------------------------------------

_DECODER = json.JSONDecoder(parse_float=str, parse_int=str, parse_constant=str)  # numbers keep their text


def _loads(line: str):
    try:
        return _DECODER.decode(line)
    except ValueError as exc:
        raise ParseFailure("JSONParserErr", _json_error(exc)) from None
    except RecursionError:
        raise ParseFailure("JSONParserErr", "json nested too deeply") from None


def _json_error(exc: ValueError) -> str:
    msg = getattr(exc, "msg", str(exc))
    pos = getattr(exc, "pos", None)
    return f"{msg} at offset {pos}" if pos is not None else msg


def _scalar(v) -> str | None:
    if isinstance(v, str):
        return v
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return ""
    return None  # object or array


def json_all(line: str) -> dict[str, str]:
    """Every scalar of a json object line; nested keys joined with `_`; arrays and nulls are not extracted."""
    doc = _loads(line)
    if not isinstance(doc, dict):
        raise ParseFailure("JSONParserErr", "Value looks like object, but can't find closing '}' symbol"
                           if isinstance(doc, str) else f"json: line is not an object")
    out: dict[str, str] = {}
    stack = [("", doc)]
    while stack:
        prefix, obj = stack.pop()
        for k, v in obj.items():
            key = f"{prefix}_{k}" if prefix else k
            if type(v) is str:
                out[sanitize(key)] = v
            elif isinstance(v, dict):
                stack.append((key, v))
            elif v is True or v is False:
                out[sanitize(key)] = "true" if v is True else "false"
            # null: no label (Loki omits null fields, grafana/loki#16175); arrays are not extracted
    return out


_PATH_KEY = re.compile(r"[^.\[\]]+")


def parse_json_path(expr: str) -> tuple:
    """`a.b[0]["c d"]` -> ("a", "b", 0, "c d")."""
    parts, i = [], 0
    if not expr:
        raise ValueError("empty expression")
    while i < len(expr):
        ch = expr[i]
        if ch == ".":
            i += 1
            continue
        if ch == "[":
            close = expr.find("]", i)
            if close < 0:
                raise ValueError("unclosed `[`")
            inner = expr[i + 1:close].strip()
            if inner.startswith('"') and inner.endswith('"') and len(inner) >= 2:
                parts.append(inner[1:-1])
            elif inner.isdigit():
                parts.append(int(inner))
            else:
                raise ValueError(f"`[{inner}]` is neither an index nor a quoted key")
            i = close + 1
            continue
        m = _PATH_KEY.match(expr, i)
        if m is None:
            raise ValueError(f"unexpected `{ch}`")
        parts.append(m.group(0))
        i = m.end()
    return tuple(parts)


def json_paths(line: str, params: tuple[tuple[str, str], ...]) -> dict[str, str]:
    doc = _loads(line)
    out = {}
    for label, expr in params:
        v = doc
        for p in parse_json_path(expr):
            if isinstance(p, int) and isinstance(v, list) and p < len(v):
                v = v[p]
            elif isinstance(p, str) and isinstance(v, dict) and p in v:
                v = v[p]
            else:
                v = None
                break
        s = _scalar(v)
        out[label] = s if s is not None else json.dumps(v, separators=(",", ":"))
    return out


def unpack(line: str) -> tuple[dict[str, str], str | None]:
    """Promtail's pack format: string values become labels; `_entry` replaces the line."""
    doc = _loads(line)
    if not isinstance(doc, dict):
        raise ParseFailure("JSONParserErr", "unpack: line is not a json object")
    labels, entry = {}, None
    for k, v in doc.items():
        if k == "_entry":
            entry = v if isinstance(v, str) else json.dumps(v)
        elif isinstance(v, str):
            labels[sanitize(k)] = v
    return labels, entry


# --- logfmt --------------------------------------------------------------------------------------

_LOGFMT_ESC = re.compile(r'\\(.)')


def logfmt(line: str, strict: bool = False, keep_empty: bool = False) -> dict[str, str]:
    """go-logfmt's decoding: `k=v`, `k="quoted \\"v\\""`, bare `k`; strict stops at the first error."""
    out: dict[str, str] = {}
    i, n = 0, len(line)
    while i < n:
        while i < n and line[i] <= " ":
            i += 1
        if i >= n:
            break
        start = i
        while i < n and line[i] > " " and line[i] not in '="':
            i += 1
        key = line[start:i]
        if i < n and line[i] == '"':
            if strict:
                raise ParseFailure("LogfmtParserErr", f"logfmt syntax error at pos {i + 1} : unexpected '\"'")
            i = _skip_token(line, i)
            continue
        if not key:
            if strict:
                raise ParseFailure("LogfmtParserErr", f"logfmt syntax error at pos {i + 1} : unexpected '='")
            i = _skip_token(line, i)
            continue
        if i >= n or line[i] != "=":
            if keep_empty:
                out[sanitize(key)] = ""
            continue
        i += 1  # '='
        if i < n and line[i] == '"':
            j, buf = i + 1, []
            while j < n and line[j] != '"':
                if line[j] == "\\" and j + 1 < n:
                    buf.append({"n": "\n", "t": "\t", "r": "\r"}.get(line[j + 1], line[j + 1]))
                    j += 2
                    continue
                buf.append(line[j])
                j += 1
            if j >= n:
                if strict:
                    raise ParseFailure("LogfmtParserErr", f"logfmt syntax error at pos {n + 1} : unterminated "
                                                          "quoted value")
                break
            value, i = "".join(buf), j + 1
        else:
            start = i
            while i < n and line[i] > " ":
                if line[i] in '="' and strict:
                    raise ParseFailure("LogfmtParserErr", f"logfmt syntax error at pos {i + 1} : unexpected "
                                                          f"'{line[i]}'")
                i += 1
            value = line[start:i]
        if value == "" and not keep_empty:
            continue
        out[sanitize(key)] = value
    return out


def _skip_token(line: str, i: int) -> int:
    while i < len(line) and line[i] > " ":
        i += 1
    return i


def logfmt_params(line: str, params, strict: bool, keep_empty: bool) -> dict[str, str]:
    found = logfmt(line, strict, True)
    return {label: found[sanitize(key)] for label, key in params if sanitize(key) in found}


# --- regexp --------------------------------------------------------------------------------------

def regexp_parser(pattern: str):
    rx = compile_re2(pattern)
    names = list(rx.groupindex)

    def run(line: str) -> dict[str, str]:
        m = rx.search(line)
        if not m:
            return {}
        return {sanitize(k): (m.group(k) or "") for k in names}
    return run


# --- pattern -------------------------------------------------------------------------------------

_CAPTURE = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")


def compile_pattern(pattern: str, filter_only: bool = False) -> list[tuple[str, str]]:
    """`<ip> - <_> "<method> <uri>"` -> [("capture", "ip"), ("literal", " - "), ...], Loki's rules checked."""
    parts, pos, names = [], 0, set()
    for m in _CAPTURE.finditer(pattern):
        if m.start() > pos:
            parts.append(("literal", pattern[pos:m.start()]))
        name = m.group(1)
        if parts and parts[-1][0] == "capture":
            raise ValueError("consecutive capture: captures must be separated by a literal")
        if name != "_" and name in names:
            raise ValueError(f"duplicate capture `<{name}>`")
        names.add(name)
        parts.append(("capture", name))
        pos = m.end()
    if pos < len(pattern):
        parts.append(("literal", pattern[pos:]))
    if not filter_only and not any(k == "capture" and v != "_" for k, v in parts):
        raise ValueError("at least one capture is required")
    if filter_only and not parts:
        raise ValueError("empty pattern")
    return parts


def pattern_parser(pattern: str):
    """Captures end at the next literal; a capture whose literal is missing takes the rest of the line."""
    parts = compile_pattern(pattern)

    def run(line: str) -> dict[str, str]:
        out, i = {}, 0
        items = parts
        if items and items[0][0] == "literal":
            if not line.startswith(items[0][1]):
                return {}
            i = len(items[0][1])
            items = items[1:]
        k = 0
        while k < len(items):
            kind, name = items[k]
            # a capture, then (maybe) a literal
            nxt = items[k + 1][1] if k + 1 < len(items) else None
            if nxt is None:
                value, i = line[i:], len(line)
            else:
                j = line.find(nxt, i)
                if j < 0:
                    if name != "_":
                        out[name] = line[i:]
                    return out
                value, i = line[i:j], j + len(nxt)
            if name != "_":
                out[name] = value
            k += 2
        return out
    return run


def pattern_filter(pattern: str) -> re.Pattern:
    """`|> "<_> error <_>"`: the whole line matches the pattern (captures are wildcards)."""
    rx = "".join(re.escape(v) if k == "literal" else "(?:.*?)" for k, v in compile_pattern(pattern, True))
    return re.compile(f"(?s:{rx})\\Z")
