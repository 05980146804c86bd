"""Text panels: the Markdown subset (preview/markdown.py) set word by word in the bundled fonts."""
from __future__ import annotations

from ..preview import markdown
from ..preview.spec import PanelSpec
from .canvas import BORDER, MUTED, TEXT, Canvas, fit, text_width


def _words(spans) -> list[tuple[str, str, bool]]:
    """(word, font style, space before it) across spans: `code`. keeps its full stop attached."""
    out: list[tuple[str, str, bool]] = []
    gap = False
    for span in spans:
        style = "mono" if span.code else ("bolditalic" if span.bold and span.italic else
                                          "bold" if span.bold else "italic" if span.italic else "regular")
        for k, word in enumerate(span.text.split(" ")):
            if word:
                out.append((word, style, bool(out) and (gap or k > 0)))
                gap = False
            elif k > 0 or not out:
                gap = True
        gap = gap or span.text.endswith(" ")
    return out


def markdown_text(c: Canvas, s: PanelSpec, left, top, width, height) -> None:
    blocks = markdown.parse(s.text) if s.text_mode in ("markdown", "html") else \
        [markdown.Block("code", tuple(markdown.Span(line, code=True) for line in s.text.split("\n")))]
    y, bottom = top, top + height
    for block in blocks:
        if y >= bottom:
            break
        if block.kind == "rule":
            c.box(left, y + 6, width, 1, BORDER)
            y += 14
            continue
        if block.kind == "code":
            for span in block.spans:
                if y + 14 > bottom:
                    break
                c.text(left + 8, y, fit(span.text, width - 16, 11, "mono"), px=11, style="mono", color="#E0E0E0")
                y += 14
            y += 6
            continue
        if block.kind == "table":
            cols = max(len(r) for r in block.cells)
            for i, cells in enumerate(block.cells):
                if y + 16 > bottom:
                    break
                for j, cell in enumerate(cells):
                    c.text(left + j * width / cols + 4, y, fit(cell, width / cols - 8, 11), px=11,
                           style="bold" if i == 0 else "regular")
                y += 16
            y += 6
            continue
        px = {1: 22, 2: 18, 3: 15}.get(block.level, 13) if block.kind == "heading" else 12
        indent = 0.0
        if block.kind in ("bullet", "number"):
            indent = 14 + 16 * block.level
            c.text(left + indent - 12, y, "•" if block.kind == "bullet" else block.marker, px=px)
        if block.kind == "quote":
            c.box(left, y, 3, px + 6, BORDER)
            indent = 12
        x = left + indent
        for word, style, space in _words(block.spans):
            if block.kind == "heading" and style == "regular":
                style = "bold"
            w = text_width(word, px, style)
            if space and x > left + indent:
                x += text_width(" ", px, style)
            if x > left + indent and x + w > left + width:
                x, y = left + indent, y + px * 1.35
                if y + px > bottom:
                    break
            c.text(x, y, word, px=px, style=style, color=MUTED if block.kind == "quote" else TEXT)
            x += w
        y += px * 1.35 + (8 if block.kind in ("heading", "paragraph", "quote") else 2)
