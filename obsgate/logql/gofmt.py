"""Go's number formatting and fmt.Sprintf, as templates and Loki's API print values.

`format_float(v, 'g', -1)` is strconv.FormatFloat (what `{{ $value }}` prints); 'f' with -1 is what
Loki's HTTP API writes for sample values; `sprintf` covers the fmt verbs templates use.
"""
from __future__ import annotations

import math
import re
from decimal import Decimal


def _digits(v: float) -> tuple[str, int]:
    """Shortest round-trip digits of |v| and the decimal point position (strconv's decimalSlice)."""
    sign, digits, exp = Decimal(repr(abs(v))).as_tuple()
    ds = "".join(map(str, digits)).rstrip("0")
    if not ds:
        return "0", 1
    # value = 0.ds * 10**dp
    dp = len(digits) + exp
    return ds, dp


def format_float(v: float, fmt: str = "g", prec: int = -1) -> str:
    """strconv.FormatFloat(v, fmt, prec, 64) for fmt in 'e', 'f', 'g' (prec -1 = shortest)."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    neg = math.copysign(1.0, v) < 0
    if prec >= 0:
        if fmt == "f":
            text = f"{abs(v):.{prec}f}"
        elif fmt == "e":
            text = _go_exp(f"{abs(v):.{prec}e}")
        else:  # 'g' with a precision: Go's rule on the rounded digits
            p = prec or 1
            rounded = f"{abs(v):.{p - 1}e}"
            mant, exp = rounded.split("e")
            exp = int(exp)
            ds = mant.replace(".", "").rstrip("0") or "0"
            eprec = p
            if eprec > len(ds) and len(ds) >= exp + 1:
                eprec = len(ds)
            if exp < -4 or exp >= eprec:
                text = _exp_text(ds, exp)
            else:
                text = f"{abs(v):.{max(p - 1 - exp, 0)}f}"
                if "." in text:
                    text = text.rstrip("0").rstrip(".")
        return ("-" if neg else "") + text
    ds, dp = _digits(v)
    if ds == "0":
        return "-0" if neg else "0"
    if fmt == "e":
        text = _exp_text(ds, dp - 1)
    elif fmt == "f":
        text = _fixed(ds, dp)
    else:
        exp = dp - 1
        # strconv: with the shortest digits, %e is used when the exponent is < -4 or >= 6
        text = _exp_text(ds, exp) if exp < -4 or exp >= 6 else _fixed(ds, dp)
    return ("-" if neg else "") + text


def _fixed(ds: str, dp: int) -> str:
    if dp <= 0:
        return "0." + "0" * (-dp) + ds
    if dp >= len(ds):
        return ds + "0" * (dp - len(ds))
    return ds[:dp] + "." + ds[dp:]


def _exp_text(ds: str, exp: int) -> str:
    mant = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{mant}e{'+' if exp >= 0 else '-'}{abs(exp):02d}"


def _go_exp(text: str) -> str:
    m = re.match(r"^(.*)e([+-])(\d+)$", text)
    return f"{m.group(1)}e{m.group(2)}{int(m.group(3)):02d}" if m else text


def api_value(v: float) -> str:
    """A sample value as Loki's (and Prometheus') HTTP API writes it: FormatFloat(v, 'f', -1, 64)."""
    return format_float(v, "f", -1)


# --- fmt.Sprintf -----------------------------------------------------------------------------------

_VERB = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?([a-zA-Z%])")


class FormatError(ValueError):
    pass


def go_value(v) -> str:
    """fmt's %v for the values templates handle."""
    if v is None:
        return "<nil>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return format_float(v, "g", -1)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, dict):
        return "map[" + " ".join(f"{go_value(k)}:{go_value(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, (list, tuple)):
        return "[" + " ".join(go_value(x) for x in v) + "]"
    return str(v)


def sprintf(fmt: str, *args) -> str:
    """Go's fmt.Sprintf for %v %s %d %f %F %e %E %g %G %x %X %o %b %q %t %c %%, flags, width, precision."""
    out, pos, argi = [], 0, 0
    args = list(args)
    for m in _VERB.finditer(fmt):
        out.append(fmt[pos:m.start()])
        pos = m.end()
        flags, width, prec, verb = m.group(1), m.group(2), m.group(3), m.group(4)
        if verb == "%":
            out.append("%")
            continue
        if width == "*":
            width = str(args[argi]) if argi < len(args) else ""
            argi += 1
        if prec == "*":
            prec = str(args[argi]) if argi < len(args) else ""
            argi += 1
        if argi >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[argi]
        argi += 1
        out.append(_pad(_verb(verb, arg, flags, prec), flags, width))
    out.append(fmt[pos:])
    if argi < len(args):
        out.append("%!(EXTRA " + ", ".join(f"{_type(a)}={go_value(a)}" for a in args[argi:]) + ")")
    return "".join(out)


def _type(v) -> str:
    return {bool: "bool", int: "int", float: "float64", str: "string"}.get(type(v), type(v).__name__)


def _pad(text: str, flags: str, width) -> str:
    if not width:
        return text
    w = int(width)
    if "-" in flags:
        return text.ljust(w)
    if "0" in flags and text[:1] in "+-" and text[1:2].isdigit():
        return text[0] + text[1:].rjust(w - 1, "0")
    if "0" in flags and (text[:1].isdigit()):
        return text.rjust(w, "0")
    return text.rjust(w)


def _bad(verb: str, arg) -> str:
    return f"%!{verb}({_type(arg)}={go_value(arg)})"


def _verb(verb: str, arg, flags: str, prec) -> str:
    p = int(prec) if prec not in (None, "") else (0 if prec == "" else -1)
    plus = "+" in flags
    if verb == "v":
        if isinstance(arg, float) and p >= 0:
            return format_float(arg, "g", p)
        text = go_value(arg)
        return ("+" + text) if plus and isinstance(arg, (int, float)) and not isinstance(arg, bool) \
            and not text.startswith("-") else text
    if verb == "s":
        text = arg if isinstance(arg, str) else go_value(arg)
        if not isinstance(arg, str) and isinstance(arg, (int, float)) and not isinstance(arg, bool):
            return _bad(verb, arg)
        return text[:p] if p >= 0 else text
    if verb == "q":
        if not isinstance(arg, str):
            return _bad(verb, arg)
        return '"' + arg.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    if verb == "t":
        return ("true" if arg else "false") if isinstance(arg, bool) else _bad(verb, arg)
    if verb in "dxXobc":
        if isinstance(arg, bool) or not isinstance(arg, int):
            if verb in "xX" and isinstance(arg, str):
                text = arg.encode().hex()
                return text.upper() if verb == "X" else text
            if verb in "xX" and isinstance(arg, float):
                return float.hex(arg)
            return _bad(verb, arg)
        if verb == "c":
            return chr(arg)
        body = {"d": f"{abs(arg)}", "x": f"{abs(arg):x}", "X": f"{abs(arg):X}", "o": f"{abs(arg):o}",
                "b": f"{abs(arg):b}"}[verb]
        if "#" in flags and verb in "xX":
            body = ("0x" if verb == "x" else "0X") + body
        sign = "-" if arg < 0 else ("+" if plus else (" " if " " in flags else ""))
        return sign + body
    if verb in "feEgGF":
        if isinstance(arg, bool) or not isinstance(arg, (int, float)):
            return _bad(verb, arg)
        if isinstance(arg, int):
            return _bad(verb, arg)
        kind = verb.lower() if verb != "F" else "f"
        if kind in "fe" and p < 0:
            p = 6
        text = format_float(float(arg), kind, p)
        if verb in "EG":
            text = text.upper().replace("INF", "Inf").replace("NAN", "NaN")
        if plus and not text.startswith("-") and text != "NaN":
            text = "+" + text
        elif " " in flags and not text.startswith("-"):
            text = " " + text
        return text
    return f"%!{verb}({_type(arg)}={go_value(arg)})"
