"""Template function sets: Loki's (line_format, label_format) and Prometheus' (alert labels and
annotations, which Loki's ruler renders with Prometheus' template code), on gotemplate.py.

Functions that need a server (`query`, `graphLink`, ...) are refused by name, never faked.
"""
from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
import urllib.parse

from .gofmt import format_float, go_value
from .gotemplate import NO_VALUE, TemplateError, execute, parse_template, printable
from .regex import compile_re2
from .units import bytes_value, go_duration_s, parse_float, prom_duration_ns

__all__ = ["TemplateError", "render_alert_template", "check_alert_template", "loki_funcs", "PROM_FUNCS",
           "humanize", "humanize_duration"]


# --- Go values ------------------------------------------------------------------------------------

class GoTime:
    """A time.Time in UTC: prints as Go's Time.String()."""

    __slots__ = ("ns",)

    def __init__(self, ns: int):
        self.ns = int(ns)

    def dt(self) -> dt.datetime:
        return dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(microseconds=self.ns // 1000)

    def template_text(self) -> str:
        frac = self.ns % 10**9
        base = self.dt().strftime("%Y-%m-%d %H:%M:%S")
        if frac:
            base += "." + f"{frac:09d}".rstrip("0")
        return base + " +0000 UTC"

    def template_field(self, name: str):
        if name == "Unix":
            return self.ns // 10**9
        if name == "UnixNano":
            return self.ns
        raise TemplateError(f"can't evaluate field {name} in type time.Time")


def _str(v) -> str:
    """sprig's toString for the values templates pass around."""
    if isinstance(v, str):
        return v
    if v is None or v is NO_VALUE:
        return ""
    return printable(v)


def _int(v) -> int:
    """sprig's toInt64: numbers, numeric strings; anything else is 0."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return v
    if isinstance(v, float):
        return int(v) if math.isfinite(v) else 0
    if isinstance(v, str):
        f = parse_float(v)
        if f is not None and math.isfinite(f):
            return int(f)
    return 0


def _float(v) -> float:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        f = parse_float(v)
        return f if f is not None else 0.0
    return 0.0


def _go_expand(repl: str) -> str:
    """Go's Regexp.ReplaceAllString template ($1, ${name}) -> Python's re.sub template."""
    out, i = [], 0
    while i < len(repl):
        ch = repl[i]
        if ch == "\\":
            out.append("\\\\")
            i += 1
            continue
        if ch == "$" and i + 1 < len(repl):
            if repl[i + 1] == "$":
                out.append("$")
                i += 2
                continue
            m = re.match(r"\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+)", repl[i + 1:])
            if m:
                name = m.group(1) or m.group(2)
                out.append(f"\\g<{name}>")
                i += 1 + m.end()
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def _re_sub(pattern: str, repl: str, text: str) -> str:
    rx = compile_re2(pattern)
    template = _go_expand(repl)

    def one(m: re.Match) -> str:
        try:
            return m.expand(template)
        except (IndexError, re.error):
            # Go expands an unknown group to ""
            return re.sub(r"\\g<[^>]*>", lambda g: _group(m, g.group(0)[3:-1]), template.replace("\\\\", "\\"))
    return rx.sub(one, text)


def _group(m: re.Match, name: str) -> str:
    try:
        return m.group(int(name) if name.isdigit() else name) or ""
    except (IndexError, re.error):
        return ""


# --- Go time layouts ------------------------------------------------------------------------------

_LAYOUT = [("2006", "%Y"), ("01", "%m"), ("02", "%d"), ("15", "%H"), ("03", "%I"), ("04", "%M"), ("05", "%S"),
           ("Jan", "%b"), ("January", "%B"), ("Mon", "%a"), ("Monday", "%A"), ("PM", "%p"), ("MST", "UTC"),
           ("-0700", "+0000"), ("-07:00", "+00:00"), ("Z07:00", "Z"), ("06", "%y"), (".000000000", ".%N9"),
           (".000000", ".%f"), (".000", ".%N3"), ("_2", "%e"), ("1", "%-m"), ("2", "%-d"), ("3", "%-I"), ("4", "%-M"),
           ("5", "%-S")]


def _go_layout_format(layout: str, t: GoTime) -> str:
    d = t.dt()
    out, i = [], 0
    tokens = sorted(_LAYOUT, key=lambda x: -len(x[0]))
    while i < len(layout):
        for go, py in tokens:
            if layout.startswith(go, i):
                if py == ".%N9":
                    out.append("." + f"{t.ns % 10**9:09d}")
                elif py == ".%N3":
                    out.append("." + f"{t.ns % 10**9:09d}"[:3])
                elif py.startswith("%-"):
                    out.append(str(int(d.strftime("%" + py[2:]))))
                elif py == "%e":
                    out.append(f"{d.day:2d}")
                elif "%" in py:
                    out.append(d.strftime(py))
                else:
                    out.append(py)
                i += len(go)
                break
        else:
            out.append(layout[i])
            i += 1
    return "".join(out)


def _go_layout_parse(layout: str, text: str) -> GoTime:
    rx, fields = "", []
    i = 0
    tokens = sorted(_LAYOUT, key=lambda x: -len(x[0]))
    while i < len(layout):
        for go, py in tokens:
            if layout.startswith(go, i):
                grp = {"2006": r"(?P<Y>\d{4})", "01": r"(?P<m>\d{2})", "02": r"(?P<d>\d{2})", "15": r"(?P<H>\d{2})",
                       "04": r"(?P<M>\d{2})", "05": r"(?P<S>\d{2})", "-0700": r"(?P<z>[+-]\d{4}|Z)",
                       "-07:00": r"(?P<z>[+-]\d{2}:\d{2}|Z)", "Z07:00": r"(?P<z>Z|[+-]\d{2}:\d{2})",
                       "MST": r"(?P<tz>[A-Z]{3,4})", ".000": r"(?P<f>\.\d+)", ".000000": r"(?P<f>\.\d+)",
                       ".000000000": r"(?P<f>\.\d+)", "1": r"(?P<m>\d{1,2})", "2": r"(?P<d>\d{1,2})"}.get(go)
                if grp is None:
                    raise TemplateError(f"toDate: layout element `{go}` is not supported")
                if grp.split(">")[0] in fields:
                    grp = re.sub(r"\(\?P<\w+>", "(?:", grp)
                fields.append(grp.split(">")[0])
                rx += grp
                i += len(go)
                break
        else:
            rx += re.escape(layout[i])
            i += 1
    m = re.fullmatch(rx, text)
    if not m:
        raise TemplateError(f'parsing time "{text}" as "{layout}": cannot parse')
    g = m.groupdict()
    d = dt.datetime(int(g.get("Y") or 1), int(g.get("m") or 1), int(g.get("d") or 1), int(g.get("H") or 0),
                    int(g.get("M") or 0), int(g.get("S") or 0), tzinfo=dt.timezone.utc)
    z = g.get("z")
    if z and z != "Z":
        sign = 1 if z[0] == "+" else -1
        hh, mm = int(z[1:3]), int(z[-2:])
        d -= sign * dt.timedelta(hours=hh, minutes=mm)
    frac = g.get("f") or ""
    ns = int((d - dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)).total_seconds()) * 10**9
    if frac:
        ns += int((frac[1:] + "000000000")[:9])
    return GoTime(ns)


def _unix_to_time(v) -> GoTime:
    s = _str(v).strip()
    if not re.fullmatch(r"-?\d+", s):
        raise TemplateError(f"unable to parse `{s}` as a unix timestamp")
    digits = len(s.lstrip("-"))
    n = int(s)
    if digits <= 10:
        return GoTime(n * 10**9)
    if digits <= 13:
        return GoTime(n * 10**6)
    if digits <= 16:
        return GoTime(n * 10**3)
    return GoTime(n)


def _time_arg(v) -> GoTime:
    if isinstance(v, GoTime):
        return v
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return GoTime(int(v * 10**9))
    raise TemplateError(f"expected a time, got {go_value(v)}")


# --- Loki's functions -----------------------------------------------------------------------------

def _trunc(c, s):
    c, s = _int(c), _str(s)
    if c < 0 and len(s) + c > 0:
        return s[len(s) + c:]
    if 0 <= c < len(s):
        return s[:c]
    return s


def _substr(start, end, s):
    start, end, s = _int(start), _int(end), _str(s)
    if start < 0:
        return s[:end]
    if end < 0 or end > len(s):
        return s[start:]
    return s[start:end]


def _indent(n, s):
    pad = " " * _int(n)
    return pad + _str(s).replace("\n", "\n" + pad)


def _title(s):
    return re.sub(r"(^|[^\w'])(\w)", lambda m: m.group(1) + m.group(2).upper(), _str(s))


def _div(a, b):
    a, b = _int(a), _int(b)
    if b == 0:
        raise TemplateError("integer divide by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _mod(a, b):
    a, b = _int(a), _int(b)
    if b == 0:
        raise TemplateError("integer divide by zero")
    return a - _div(a, b) * b


def _round(v, precision=0, round_on=0.5):
    v, p = _float(v), _int(precision)
    scale = 10 ** p
    x = v * scale
    frac = x - math.floor(x)
    r = math.ceil(x) if frac >= _float(round_on) else math.floor(x)
    return r / scale


def _from_json(s):
    try:
        v = json.loads(_str(s))
    except ValueError as exc:
        raise TemplateError(f"fromJson: {exc}") from None
    return _jsonish(v)


def _jsonish(v):
    if isinstance(v, dict):
        return {k: _jsonish(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonish(x) for x in v]
    return v


def _default(d, *v):
    value = v[0] if v else None
    empty = value is None or value is NO_VALUE or value == "" or value == 0 or value is False or \
        (isinstance(value, (list, dict)) and not value)
    return d if empty else value


def _count(pattern, s):
    return len(compile_re2(_str(pattern)).findall(_str(s)))


def _b64dec(s):
    try:
        return base64.b64decode(_str(s), validate=True).decode("utf-8", "replace")
    except ValueError as exc:
        return str(exc)


def _bytes(s):
    v = bytes_value(_str(s))
    if v is None:
        raise TemplateError(f"bytes: cannot parse `{s}`")
    return int(v)


def _duration(s):
    v = go_duration_s(_str(s))
    if v is None:
        raise TemplateError(f'time: invalid duration "{s}"')
    return v


def _align(width, s, left):
    width, s = _int(width), _str(s)
    if len(s) >= width:
        return s[:width]
    return s.ljust(width) if left else s.rjust(width)


_LOKI_BASE: dict = {
    "ToLower": lambda s: _str(s).lower(), "ToUpper": lambda s: _str(s).upper(),
    "lower": lambda s: _str(s).lower(), "upper": lambda s: _str(s).upper(), "title": _title,
    "Replace": lambda s, old, new, n: _str(s).replace(_str(old), _str(new), _int(n) if _int(n) >= 0 else -1),
    "replace": lambda old, new, s: _str(s).replace(_str(old), _str(new)),
    "Trim": lambda s, cut: _str(s).strip(_str(cut)), "TrimLeft": lambda s, cut: _str(s).lstrip(_str(cut)),
    "TrimRight": lambda s, cut: _str(s).rstrip(_str(cut)), "TrimSpace": lambda s: _str(s).strip(),
    "TrimPrefix": lambda s, p: _str(s)[len(_str(p)):] if _str(s).startswith(_str(p)) else _str(s),
    "TrimSuffix": lambda s, p: _str(s)[:-len(_str(p))] if _str(p) and _str(s).endswith(_str(p)) else _str(s),
    "trim": lambda s: _str(s).strip(), "trimAll": lambda cut, s: _str(s).strip(_str(cut)),
    "trimPrefix": lambda p, s: _str(s)[len(_str(p)):] if _str(s).startswith(_str(p)) else _str(s),
    "trimSuffix": lambda p, s: _str(s)[:-len(_str(p))] if _str(p) and _str(s).endswith(_str(p)) else _str(s),
    "trunc": _trunc, "substr": _substr, "indent": _indent, "nindent": lambda n, s: "\n" + _indent(n, s),
    "repeat": lambda n, s: _str(s) * max(_int(n), 0),
    "contains": lambda sub, s: _str(sub) in _str(s),
    "hasPrefix": lambda p, s: _str(s).startswith(_str(p)), "hasSuffix": lambda p, s: _str(s).endswith(_str(p)),
    "regexReplaceAll": lambda rx, s, repl: _re_sub(_str(rx), _str(repl), _str(s)),
    "regexReplaceAllLiteral": lambda rx, s, repl: compile_re2(_str(rx)).sub(lambda m: _str(repl), _str(s)),
    "add": lambda *a: sum(_int(x) for x in a), "sub": lambda a, b: _int(a) - _int(b),
    "mul": lambda *a: math.prod(_int(x) for x in a), "div": _div, "mod": _mod,
    "addf": lambda *a: sum(_float(x) for x in a), "subf": lambda a, *b: _float(a) - sum(_float(x) for x in b),
    "mulf": lambda *a: math.prod(_float(x) for x in a),
    "divf": lambda a, *b: _divf(a, b),
    "max": lambda a, *b: max([_int(a)] + [_int(x) for x in b]), "min": lambda a, *b: min([_int(a)] + [_int(x) for x in b]),
    "maxf": lambda a, *b: max([_float(a)] + [_float(x) for x in b]),
    "minf": lambda a, *b: min([_float(a)] + [_float(x) for x in b]),
    "ceil": lambda v: float(math.ceil(_float(v))), "floor": lambda v: float(math.floor(_float(v))),
    "round": _round, "abs": lambda v: abs(_float(v)),
    "int": _int, "float64": _float,
    "fromJson": _from_json, "default": _default, "count": _count,
    "date": lambda layout, t: _go_layout_format(_str(layout), _time_arg(t)),
    "toDate": lambda layout, s: _go_layout_parse(_str(layout), _str(s)),
    "unixEpoch": lambda t: _time_arg(t).ns // 10**9, "unixEpochMillis": lambda t: _time_arg(t).ns // 10**6,
    "unixEpochNanos": lambda t: _time_arg(t).ns, "unixToTime": _unix_to_time,
    "now": lambda: GoTime(int(dt.datetime.now(dt.timezone.utc).timestamp() * 10**9)),
    "alignLeft": lambda w, s: _align(w, s, True), "alignRight": lambda w, s: _align(w, s, False),
    "b64enc": lambda s: base64.b64encode(_str(s).encode()).decode(), "b64dec": _b64dec,
    "bytes": _bytes, "duration": _duration, "duration_seconds": _duration,
    "urlencode": lambda s: urllib.parse.quote_plus(_str(s)), "urldecode": lambda s: urllib.parse.unquote_plus(_str(s)),
}


def _divf(a, b):
    v = _float(a)
    for x in b:
        x = _float(x)
        if x == 0:
            raise TemplateError("division by zero")
        v /= x
    return v


def loki_funcs(line: str, ts_ns: int) -> dict:
    """Loki's template functions for one entry (`__line__` and `__timestamp__` see that entry)."""
    funcs = dict(_LOKI_BASE)
    funcs["__line__"] = lambda: line
    funcs["__timestamp__"] = lambda: GoTime(ts_ns)
    return funcs


# --- Prometheus' functions ------------------------------------------------------------------------

def _g4(v: float) -> str:
    return format_float(v, "g", 4)


def humanize(v) -> str:
    """Prometheus' humanize: SI prefixes, four significant digits (1234 -> 1.234k)."""
    v = _prom_float(v)
    if v == 0 or math.isnan(v) or math.isinf(v):
        return _g4(v)
    if abs(v) >= 1:
        prefix = ""
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(v) < 1000:
                break
            prefix, v = p, v / 1000
        return _g4(v) + prefix
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix, v = p, v * 1000
    return _g4(v) + prefix


def humanize_1024(v) -> str:
    v = _prom_float(v)
    if abs(v) <= 1 or math.isnan(v) or math.isinf(v):
        return _g4(v)
    prefix = ""
    for p in ("ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"):
        if abs(v) < 1024:
            break
        prefix, v = p, v / 1024
    return _g4(v) + prefix


def humanize_duration(v) -> str:
    v = _prom_float(v)
    if math.isnan(v) or math.isinf(v):
        return _g4(v)
    if v == 0:
        return _g4(v) + "s"
    if abs(v) >= 1:
        sign = "-" if v < 0 else ""
        secs = int(abs(v))
        days, hours, minutes, secs = secs // 86400, secs // 3600 % 24, secs // 60 % 60, secs % 60
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {secs}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {secs}s"
        if minutes:
            return f"{sign}{minutes}m {secs}s"
        return _g4(v) + "s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(v) >= 1:
            break
        prefix, v = p, v * 1000
    return f"{_g4(v)}{prefix}s"


def _prom_float(v) -> float:
    """Prometheus' convertToFloat: numbers, and strings that parse as floats."""
    if isinstance(v, bool):
        raise TemplateError(f"can't convert {v} to float")
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        f = parse_float(v)
        if f is None:
            raise TemplateError(f'strconv.ParseFloat: parsing "{v}": invalid syntax')
        return f
    if isinstance(v, GoTime):
        return v.ns / 1e9
    raise TemplateError(f"can't convert {go_value(v)} to float")


def _humanize_timestamp(v) -> str:
    v = _prom_float(v)
    if math.isnan(v) or math.isinf(v):
        return _g4(v)
    return GoTime(int(round(v * 1e9))).template_text()


def _parse_duration(s) -> float:
    ns = prom_duration_ns(_str(s))
    if ns is None:
        raise TemplateError(f'not a valid duration string: "{s}"')
    return ns / 1e9


def _to_duration(v) -> str:
    secs = _prom_float(v)
    return _go_duration_text(secs)


def _go_duration_text(secs: float) -> str:
    """time.Duration.String() for a number of seconds."""
    ns = int(round(secs * 1e9))
    if ns == 0:
        return "0s"
    sign = "-" if ns < 0 else ""
    ns = abs(ns)
    if ns < 10**9:
        for unit, size in (("ms", 10**6), ("µs", 10**3), ("ns", 1)):
            if ns >= size:
                return sign + format_float(ns / size, "g", -1) + unit
    h, rem = divmod(ns, 3600 * 10**9)
    m, rem = divmod(rem, 60 * 10**9)
    s = format_float(rem / 1e9, "f", -1)
    out = (f"{h}h" if h else "") + (f"{m}m" if h or m else "") + f"{s}s"
    return sign + out


def _strip_port(host):
    host = _str(host)
    m = re.fullmatch(r"\[([^\]]*)\](?::\d*)?", host)
    if m:
        return m.group(1)
    if host.count(":") == 1:
        return host.split(":")[0]
    return host


def _strip_domain(host):
    host = _str(host)
    port = ""
    if host.count(":") == 1:
        host, port = host.split(":")
        port = ":" + port
    if re.fullmatch(r"[0-9.]+", host) or ":" in host:
        return host + port
    return host.split(".")[0] + port


def _needs_server(name):
    def f(*_a):
        raise TemplateError(f"`{name}` is not supported by obsgate's template engine (it needs a query backend)")
    return f


PROM_FUNCS: dict = {
    "humanize": humanize, "humanize1024": humanize_1024, "humanizeDuration": humanize_duration,
    "humanizePercentage": lambda v: _g4(_prom_float(v) * 100) + "%", "humanizeTimestamp": _humanize_timestamp,
    "toTime": lambda v: GoTime(int(round(_prom_float(v) * 1e9))), "toDuration": _to_duration,
    "parseDuration": _parse_duration,
    "title": _title, "toUpper": lambda s: _str(s).upper(), "toLower": lambda s: _str(s).lower(),
    "match": lambda rx, s: compile_re2(_str(rx)).search(_str(s)) is not None,
    "reReplaceAll": lambda rx, repl, s: _re_sub(_str(rx), _str(repl), _str(s)),
    "safeHtml": lambda s: _str(s), "stripPort": _strip_port, "stripDomain": _strip_domain,
    "args": lambda *a: {f"arg{i}": v for i, v in enumerate(a)},
    "externalURL": lambda: "", "pathPrefix": lambda: "",
    **{name: _needs_server(name) for name in ("query", "first", "label", "value", "sortByLabel", "strvalue",
                                               "graphLink", "tableLink")},
}


def render_alert_template(template: str, labels: dict, value: float, external_labels: dict | None = None,
                          external_url: str = "") -> str:
    """An alert label or annotation as Prometheus (and Loki's ruler) expands it."""
    data = {"Labels": dict(labels), "ExternalLabels": dict(external_labels or {}), "ExternalURL": external_url,
            "Value": float(value)}
    variables = {"$labels": data["Labels"], "$externalLabels": data["ExternalLabels"],
                 "$externalURL": external_url, "$value": data["Value"]}
    return execute(template, data, PROM_FUNCS, variables)


def check_alert_template(template: str) -> None:
    """Parse an alert template and check that every function it calls exists (raises TemplateError)."""
    tree = parse_template(template)
    from .gotemplate import _BUILTINS, _idents
    for name in _idents(tree):
        if name not in PROM_FUNCS and name not in _BUILTINS and name not in ("and", "or"):
            raise TemplateError(f'function "{name}" not defined')
    for var in re.findall(r"\$[A-Za-z_][A-Za-z0-9_]*", _strip_strings(template)):
        if var not in ("$labels", "$externalLabels", "$externalURL", "$value") and \
                not re.search(re.escape(var) + r"\s*:=", template):
            raise TemplateError(f"undefined variable: {var}")


def _strip_strings(t: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', t)
