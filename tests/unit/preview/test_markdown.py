"""The Markdown subset of text panels."""
import pytest

from obsgate.preview.markdown import Span, parse, plain


def kinds(text):
    return [(b.kind, b.level, plain(b)) for b in parse(text)]


CASES = [
    ("headings keep their level", "# Title\n### Sub", [("heading", 1, "Title"), ("heading", 3, "Sub")]),
    ("lines of a paragraph are joined", "one\ntwo\n\nthree", [("paragraph", 0, "one two"), ("paragraph", 0, "three")]),
    ("bullets nest by indent", "- a\n  - b\n* c", [("bullet", 0, "a"), ("bullet", 1, "b"), ("bullet", 0, "c")]),
    ("numbered items", "1. one\n2) two", [("number", 0, "one"), ("number", 0, "two")]),
    ("fenced code keeps its lines", "```promql\nrate(x[5m])\n  y\n```", [("code", 0, "rate(x[5m])\n  y")]),
    ("indented code", "    a = 1\n    b = 2", [("code", 0, "a = 1\nb = 2")]),
    ("quotes", "> careful\n> now", [("quote", 0, "careful now")]),
    ("rules", "a\n\n---\n", [("paragraph", 0, "a"), ("rule", 0, "")]),
    ("pipe tables", "| a | b |\n|---|---|\n| 1 | 2 |", [("table", 0, "a | b\n1 | 2")]),
    ("links show their url", "see [runbook](https://x.example/r)", [("paragraph", 0, "see runbook (https://x.example/r)")]),
    ("images are named", "![graph](g.png)", [("paragraph", 0, "[image: graph]")]),
    ("html tags are dropped, text kept", "<b>bold</b> &amp; more", [("paragraph", 0, "bold & more")]),
    ("ignores empty input", "", []),
]


@pytest.mark.parametrize("text,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_blocks(text, expected):
    assert kinds(text) == expected


def test_inline_styles():
    (block,) = parse("a **bold** and *it* with `code` and __b2__")
    assert block.spans == (Span("a "), Span("bold", bold=True), Span(" and "), Span("it", italic=True),
                           Span(" with "), Span("code", code=True), Span(" and "), Span("b2", bold=True))


def test_snake_case_words_are_not_italic():
    (block,) = parse("metric llm_requests_total here")
    assert block.spans == (Span("metric llm_requests_total here"),)


def test_numbered_marker_is_kept():
    assert [b.marker for b in parse("3. c\n4. d")] == ["3.", "4."]
