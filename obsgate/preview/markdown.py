"""The Markdown subset text panels use, parsed into blocks of styled spans for drawing.

Headings, paragraphs, bullet and numbered lists (nested by indent), fenced and indented code, block
quotes, rules and pipe tables; inline bold, italic, code and links (drawn as `text (url)`). Raw HTML
tags are dropped and their text kept. Anything else is kept as plain text, never lost.
"""
from __future__ import annotations

import html
import re
from typing import NamedTuple


class Span(NamedTuple):
    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


class Block(NamedTuple):
    """kind: heading | paragraph | bullet | number | code | quote | rule | table."""

    kind: str
    spans: tuple[Span, ...] = ()
    level: int = 0  # heading level, list nesting depth
    marker: str = ""  # "3." for a numbered item
    cells: tuple[tuple[str, ...], ...] = ()  # table rows, header first


INLINE = re.compile(r"(`[^`]+`|\*\*[^*]+\*\*|__[^_]+__|\*[^*\s][^*]*\*|(?<![\w])_[^_\s][^_]*_(?![\w])"
                    r"|!?\[[^\]]*\]\([^)\s]*\))")
TAG = re.compile(r"<[^>]+>")
BULLET = re.compile(r"^(\s*)[-*+]\s+(.*)$")
NUMBER = re.compile(r"^(\s*)(\d+)[.)]\s+(.*)$")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def inline(text: str) -> tuple[Span, ...]:
    text = html.unescape(TAG.sub("", text))
    out: list[Span] = []
    pos = 0
    for m in INLINE.finditer(text):
        if m.start() > pos:
            out.append(Span(text[pos:m.start()]))
        tok = m.group(0)
        if tok.startswith("`"):
            out.append(Span(tok[1:-1], code=True))
        elif tok.startswith(("**", "__")):
            out.extend(s._replace(bold=True) for s in inline(tok[2:-2]))
        elif tok.startswith(("*", "_")):
            out.extend(s._replace(italic=True) for s in inline(tok[1:-1]))
        else:
            label, _, url = tok.lstrip("!")[1:-1].partition("](")
            if tok.startswith("!"):
                out.append(Span(f"[image: {label}]", italic=True))
            else:
                out.extend(inline(label))
                if url and url != label:
                    out.append(Span(f" ({url})"))
        pos = m.end()
    if pos < len(text):
        out.append(Span(text[pos:]))
    return tuple(s for s in out if s.text)


def _row(line: str) -> tuple[str, ...]:
    cells = line.strip().strip("|").split("|")
    return tuple(html.unescape(TAG.sub("", c)).strip() for c in cells)


def parse(text: str) -> list[Block]:
    lines = (text or "").replace("\r\n", "\n").replace("\t", "    ").split("\n")
    blocks: list[Block] = []
    para: list[str] = []
    i = 0

    def flush() -> None:
        if para:
            blocks.append(Block("paragraph", inline(" ".join(s.strip() for s in para))))
            para.clear()

    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("```") or stripped.startswith("~~~"):
            flush()
            fence, body = stripped[:3], []
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(fence):
                body.append(lines[i])
                i += 1
            blocks.append(Block("code", tuple(Span(b, code=True) for b in body)))
            i += 1
            continue
        if not stripped:
            flush()
            i += 1
            continue
        if line.startswith("    ") and not para and not BULLET.match(line) and not NUMBER.match(line):
            body = []
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:])
                i += 1
            while body and not body[-1].strip():
                body.pop()
            blocks.append(Block("code", tuple(Span(b, code=True) for b in body)))
            continue
        m = HEADING.match(stripped)
        if m:
            flush()
            blocks.append(Block("heading", inline(m.group(2)), level=len(m.group(1))))
        elif RULE.match(line):
            flush()
            blocks.append(Block("rule"))
        elif "|" in stripped and i + 1 < len(lines) and TABLE_SEP.match(lines[i + 1]):
            flush()
            rows = [_row(line)]
            i += 2
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.append(_row(lines[i]))
                i += 1
            blocks.append(Block("table", cells=tuple(rows)))
            continue
        elif BULLET.match(line):
            flush()
            m = BULLET.match(line)
            blocks.append(Block("bullet", inline(m.group(2)), level=len(m.group(1)) // 2))
        elif NUMBER.match(line):
            flush()
            m = NUMBER.match(line)
            blocks.append(Block("number", inline(m.group(3)), level=len(m.group(1)) // 2, marker=f"{m.group(2)}."))
        elif stripped.startswith(">"):
            flush()
            body = []
            while i < len(lines) and lines[i].strip().startswith(">"):
                body.append(lines[i].strip()[1:].strip())
                i += 1
            blocks.append(Block("quote", inline(" ".join(body))))
            continue
        else:
            para.append(line)
        i += 1
    flush()
    return blocks


def plain(block: Block) -> str:
    if block.kind == "table":
        return "\n".join(" | ".join(r) for r in block.cells)
    if block.kind == "code":
        return "\n".join(s.text for s in block.spans)
    return "".join(s.text for s in block.spans)
