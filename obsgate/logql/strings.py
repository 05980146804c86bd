"""Go string literals as LogQL writes them: "double quoted" with Go escapes, or `raw`."""
from __future__ import annotations

import re

_ESC = re.compile(r'\\(?:([abfnrtv\\\'"])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3})|(.))',
                  re.S)
_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'",
           '"': '"'}


class BadEscape(ValueError):
    pass


def unquote(token: str) -> str:
    """The value of a Go string literal token (quotes included in `token`)."""
    if token.startswith("`"):
        return token[1:-1]
    body = token[1:-1]
    if "\\" not in body:
        return body

    def repl(m: re.Match) -> str:
        if m.group(1):
            return _SIMPLE[m.group(1)]
        if m.group(2):
            return chr(int(m.group(2), 16))
        if m.group(3) or m.group(4):
            return chr(int(m.group(3) or m.group(4), 16))
        if m.group(5):
            return chr(int(m.group(5), 8))
        raise BadEscape(f"unknown escape sequence `\\{m.group(6)}`")

    return _ESC.sub(repl, body)


def quote(text: str) -> str:
    """A Go double-quoted literal for `text` (for messages and rewritten queries)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
