"""Bad input never escapes as a traceback: mutated and random queries and templates either work or raise
the engine's own errors (LogQLError, TemplateError). Deterministic (seeded), so a failure reproduces."""
from __future__ import annotations

import random

from obsgate.logql import Entry, LogQLError, Stream, instant, parse, range_query
from obsgate.logql.gotemplate import TemplateError, execute
from obsgate.logql.templates import loki_funcs, render_alert_template

VALID = [
    'sum by (service) (count_over_time({service=~".+", level="error"}[5m])) > 20',
    '{a="b"} |= "x" or "y" | logfmt --strict a, b="c" | x > 10s and y="z" , (q<5 or w>=20KB) | line_format `{{.a}}`',
    'topk(5, rate({a="b"} | json | unwrap duration(lat) | __error__="" [1m] offset 5m) by (x)) / on (x) '
    'group_left (y) vector(1)',
    'label_replace(count_over_time({a="b"}[1m]), "x", "$1", "a", "(.*)")',
    'quantile_over_time(0.9, {a="b"} | pattern "<x> <y>" | unwrap x [5m]) by (y)',
    '{a="b"} | regexp "(?P<n>\\\\d+)" | label_format m="{{ .n | upper }}", k=n | keep m | decolorize',
    'sum(count_over_time({a="b"} | unpack | json x="y[0]" [1m])) unless sum(rate({a="c"}[1m]))',
]
TOKENS = ['{', '}', '(', ')', '[', ']', ',', '=', '!=', '=~', '!~', '|=', '|~', '|>', '|', '"x"', '`y`', '5m', '1.5',
          'sum', 'by', 'json', 'logfmt', 'unwrap', 'a', '>', '==', 'bool', 'on', 'group_left', 'and', 'or', 'offset',
          'count_over_time', 'rate', 'topk', 'line_format', '"{{.a}}"', '-', '+', '*', '/', '^', 'vector', '__error__',
          'duration', '"(?P<a>x)"', 'regexp', 'pattern', '"<a> <b>"', 'ip', '--strict', 'drop', ':', '\n', "'", '$']
STREAMS = [Stream((("a", "b"),), [Entry(i * 10**9, f'{{"x":"{i}","y":[1]}} lat={i}ms a={i} n={i}') for i in range(30)]),
           Stream((("a", "c"),), [Entry(i * 10**9, "x") for i in range(10)])]


def _queries(rnd: random.Random, n: int):
    yield from VALID
    for i in range(n):
        if i % 2:
            yield " ".join(rnd.choice(TOKENS) for _ in range(rnd.randint(1, 25)))
            continue
        chars = list(rnd.choice(VALID))
        for _ in range(rnd.randint(1, 4)):
            pos = rnd.randrange(len(chars))
            r = rnd.random()
            if r < 0.4:
                del chars[pos]
            elif r < 0.8:
                chars.insert(pos, rnd.choice(TOKENS))
            else:
                chars[pos] = rnd.choice('(){}[]|"`=!~<>,0')
        yield "".join(chars)


def test_mutated_and_random_queries_parse_and_evaluate_or_raise_logql_errors():
    parsed = 0
    for q in _queries(random.Random(7), 1500):
        try:
            query = parse(q)
        except LogQLError:
            continue
        parsed += 1
        try:
            if query.kind == "log":
                range_query(query, STREAMS, 0, 60 * 10**9, 10**9)
            else:
                instant(query, STREAMS, 60 * 10**9)
                range_query(query, STREAMS, 0, 60 * 10**9, 10 * 10**9)
        except LogQLError:
            pass
    assert parsed >= len(VALID)  # the valid seeds, at least, went all the way through


def test_random_templates_render_or_raise_template_errors():
    pieces = ['{{', '}}', '{{-', '-}}', '.a', '$', '$x', ':=', '=', '|', '(', ')', '"s"', '`r`', '1', '2.5', 'if',
              'else', 'end', 'range', 'with', 'printf', '"%d"', 'upper', 'eq', 'and', 'or', 'not', 'index', 'len',
              '$labels', '.Labels', 'humanize', '$value', 'break', '/*', '*/', ' ']
    rnd = random.Random(11)
    rendered = 0
    for _ in range(1500):
        t = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 20)))
        for render in (lambda: execute(t, {"a": "1", "l": ["x"]}, loki_funcs("line", 0)),
                       lambda: render_alert_template(t, {"a": "1"}, 2.5)):
            try:
                render()
                rendered += 1
            except TemplateError:
                pass
    assert rendered > 0
