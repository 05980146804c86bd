"""Conformance: Go text/template with Loki's template functions (Query > Template functions) and the
Prometheus alert template functions Loki's ruler uses (Prometheus: Alerting > Template reference)."""
from __future__ import annotations

import pytest

from obsgate.logql.gotemplate import TemplateError, execute, parse_template
from obsgate.logql.templates import loki_funcs, render_alert_template


def loki(template: str, labels: dict | None = None, line: str = "a line", ts: int = 0) -> str:
    return execute(template, labels or {}, loki_funcs(line, ts))


# --- Loki's documented examples ---------------------------------------------------------------------

@pytest.mark.parametrize("template, labels, expected", [
    ('{{ .path | replace " " "_" | trunc 5 | upper }}', {"path": "a b c d"}, "A_B_C"),
    ('{{ if and (contains "he" "hello") (contains "llo" "hello") }} yes {{end}}', {}, " yes "),
    ('{{ if or (contains "he" "hello") (contains "llo" "hello") }} yes {{end}}', {}, " yes "),
    ('{{ if contains .err "ErrTimeout" }} timeout {{else if contains "he" "hello"}} yes {{else}} no {{end}}',
     {"err": "x"}, " yes "),
    ('{{ __line__ | lower }}', {}, "a line"),
    ('{{ .request_method | ToLower }}{{ .request_method | ToUpper }}', {"request_method": "Get"}, "getGET"),
    ('{{ Replace "This is a string" " " "-" -1 }}', {}, "This-is-a-string"),
    ('{{ Trim .query ",. " }}', {"query": ". x ,"}, "x"),
    ('{{ TrimSpace "  x  " }}|{{ TrimPrefix "abc" "a" }}|{{ TrimSuffix "abc" "c" }}', {}, "x|bc|ab"),
    ('{{ trunc 5 "hello world" }}|{{ trunc -5 "hello world" }}', {}, "hello|world"),
    ('{{ substr 0 5 "hello world" }}|{{ substr 6 11 "hello world" }}', {}, "hello|world"),
    ('{{ trimAll "$" "$5.00$" }}|{{ trimPrefix "-" "-hi" }}|{{ trimSuffix "-" "hi-" }}', {}, "5.00|hi|hi"),
    ('{{ if hasPrefix "he" "hello" }}p{{end}}{{ if hasSuffix "lo" "hello" }}s{{end}}', {}, "ps"),
    ('{{ add 3 2 5 }} {{ sub 5 2 }} {{ mul 2 3 }} {{ div 10 3 }} {{ mod 10 3 }}', {}, "10 3 6 3 1"),
    ('{{ addf 3.5 2 }} {{ subf 5.5 2 1.5 }} {{ mulf 1.5 2 2 }} {{ divf 10 2 4 }}', {}, "5.5 2 6 1.25"),
    ('{{ max 1 2 3 }} {{ min 1 2 3 }} {{ maxf 1 2.5 3 }} {{ minf 1 2.5 3 }}', {}, "3 1 3 1"),
    ('{{ floor 123.9999 }} {{ ceil 123.001 }} {{ round 123.555555 3 }}', {}, "123 124 123.556"),
    ('{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}', {}, "-W-xxW-"),
    ('{{ regexReplaceAllLiteral "a(x*)b" "-ab-axxb-" "${1}" }}', {}, "-${1}-${1}-"),
    ('{{ "hello world" | count "o" }}', {}, "2"),
    ('{{ default "-" .missing }}|{{ default "-" .set }}', {"set": "x"}, "-|x"),
    ('{{ alignLeft 5 "hello world" }}|{{ alignRight 5 "hi" }}|', {}, "hello|   hi|"),
    ('{{ "hello" | b64enc }} {{ "aGVsbG8=" | b64dec }}', {}, "aGVsbG8= hello"),
    ('{{ urlencode "a b&c" }} {{ urldecode "a+b%26c" }}', {}, "a+b%26c a b&c"),
    ('{{ toDate "2006-01-02" "2021-11-02" | unixEpoch }}', {}, "1635811200"),
    ('{{ date "2006-01-02 15:04" (unixToTime "1635811200") }}', {}, "2021-11-02 00:00"),
    ('{{ __timestamp__ | date "2006-01-02T15:04:05Z07:00" }}', {}, "2021-11-02T00:00:01Z"),
    ('{{ .size | bytes }} {{ .took | duration }}', {"size": "2KB", "took": "1m30s"}, "2000 90"),
    ('{{ repeat 3 "ab" }}|{{ indent 2 "x" }}', {}, "ababab|  x"),
], ids=["pipes functions", "and", "or", "else if chains", "__line__", "ToLower/ToUpper", "Replace", "Trim",
        "TrimSpace/TrimPrefix/TrimSuffix", "trunc", "substr", "trimAll/trimPrefix/trimSuffix",
        "hasPrefix/hasSuffix", "integer math", "float math", "max/min", "floor/ceil/round", "regexReplaceAll",
        "regexReplaceAllLiteral", "count", "default", "alignLeft/alignRight", "b64enc/b64dec",
        "urlencode/urldecode", "toDate and unixEpoch", "date of unixToTime", "__timestamp__ with date",
        "bytes and duration", "repeat and indent"])
def test_loki_template_functions(template, labels, expected):
    assert loki(template, labels, ts=1635811201 * 10**9) == expected


# --- Go text/template semantics ---------------------------------------------------------------------

@pytest.mark.parametrize("template, data, expected", [
    ("{{ .a }} \n {{- .b -}} \t {{ .c }}-", {"a": "1", "b": "2", "c": "3"}, "123-"),
    ("{{/* a comment */}}x{{- /* trimmed */ -}} y", {}, "xy"),
    ('{{ $x := "v" }}{{ $x }}{{ $x = "w" }}{{ $x }}', {}, "vw"),
    ("{{ range $i, $v := .l }}{{ $i }}={{ $v }};{{ end }}", {"l": ["a", "b"]}, "0=a;1=b;"),
    ("{{ range .l }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ else }}none{{ end }}", {"l": ["a", "b", "c"]},
     "a"),
    ("{{ range .l }}x{{ else }}none{{ end }}", {"l": []}, "none"),
    ("{{ with .a }}[{{ . }}]{{ else }}empty{{ end }}", {"a": ""}, "empty"),
    ('{{ printf "%s=%d %.2f %v %q %5s|%-3s|%x" "k" 42 3.14159 true "q" "r" "l" 255 }}', {},
     'k=42 3.14 true "q"     r|l  |ff'),
    ("{{ len .s }} {{ index .m \"k\" }} {{ slice .s 1 3 }}", {"s": "hello", "m": {"k": "v"}}, "5 v el"),
    ("{{ not true }} {{ and 1 0 }} {{ or 0 \"\" \"z\" }}", {}, "false 0 z"),
    ("{{ lt 1 2 }} {{ ge \"b\" \"a\" }} {{ ne 1 2 }} {{ eq 1 2 3 1 }}", {}, "true true true true"),
    ("{{ print 1 2 \"a\" \"b\" 3 }}|{{ println \"x\" }}", {}, "1 2ab3|x\n"),
    ('{{ html "<a href=\'x\'>" }} {{ js "it\'s" }} {{ urlquery "a b" }}', {}, "&lt;a href=&#39;x&#39;&gt; it\\'s a+b"),
    ("{{ 1.5 }} {{ 1e6 }} {{ 100000.0 }} {{ 0.1 }}", {}, "1.5 1e+06 100000 0.1"),
], ids=["trims whitespace at markers", "drops comments", "declares and assigns variables", "ranges with index",
        "breaks out of range", "runs range's else on empty", "runs with's else on empty", "formats with printf",
        "len, index and slice", "not, and, or return operands", "compares", "print spacing rules",
        "escapes html, js and urls", "prints floats as Go's %v"])
def test_go_template_semantics(template, data, expected):
    assert execute(template, data, {}) == expected


@pytest.mark.parametrize("template, fragment", [
    ("{{ .a ", "unclosed action"),
    ("{{ if .a }}x", "missing {{end}}"),
    ("{{ end }}", "unexpected {{end}}"),
    ("{{ nope .a }}", 'function "nope" not defined'),
    ('{{ define "x" }}{{ end }}', "`define` is not supported"),
    ("{{ $y }}", r"undefined variable: \$y"),
    ("{{ .a | }}", "missing command after |"),
    ('{{ "unterminated }}', "unterminated quoted string"),
], ids=["unclosed action", "missing end", "stray end", "unknown function", "define", "undefined variable",
        "empty pipe", "unterminated string"])
def test_rejects_bad_templates(template, fragment):
    with pytest.raises(TemplateError, match=fragment):
        execute(template, {"a": "1"}, {})


def test_runaway_templates_stop_with_an_error():
    with pytest.raises(TemplateError, match="too long|exceeds"):
        execute("{{ range .l }}{{ range $.l }}{{ range $.l }}x{{ end }}{{ end }}{{ end }}", {"l": list(range(100))}, {})


def test_parse_is_cached_and_pure():
    assert parse_template("{{ .a }}") is parse_template("{{ .a }}")


# --- Prometheus alert templates (rendered by Loki's ruler) ------------------------------------------

@pytest.mark.parametrize("template, value, expected", [
    ("{{ $labels.service }} is down", 1.0, "api is down"),
    ('{{ .Labels.service }}/{{ index $labels "service" }}', 1.0, "api/api"),
    ("{{ $labels.missing }}", 1.0, "<no value>"),
    ("{{ $value }} lines", 5.0, "5 lines"),
    ("{{ $value }}", 1234567.0, "1.234567e+06"),
    ("{{ $value | humanize }}", 1234.0, "1.234k"),
    ("{{ $value | humanize }}", 0.0123, "12.3m"),
    ("{{ $value | humanize1024 }}", 2048.0, "2ki"),
    ("{{ $value | humanizePercentage }}", 0.0196, "1.96%"),
    ("{{ $value | humanizeDuration }}", 3661.0, "1h 1m 1s"),
    ("{{ $value | humanizeDuration }}", 0.25, "250ms"),
    ("{{ $value | humanizeTimestamp }}", 1635811200.0, "2021-11-02 00:00:00 +0000 UTC"),
    ('{{ $value | printf "%.2f" }}', 2.0 / 3.0, "0.67"),
    ("{{ $labels.service | toUpper }} {{ title \"hello world\" }}", 1.0, "API Hello World"),
    ('{{ if match "^a" $labels.service }}yes{{ end }}', 1.0, "yes"),
    ('{{ reReplaceAll "(a)p(i)" "$2$1" $labels.service }}', 1.0, "ia"),
    ('{{ "host:9090" | stripPort }} {{ "a.b.c:80" | stripDomain }}', 1.0, "host a:80"),
    ('{{ parseDuration "1m30s" }}', 1.0, "90"),
    ("{{- $value -}}", 3.0, "3"),
], ids=["label", "Labels and index forms", "missing label", "integer value", "large value as %v", "humanize kilo",
        "humanize milli", "humanize1024", "percentage", "duration", "sub-second duration", "timestamp", "printf",
        "toUpper and title", "match", "reReplaceAll", "stripPort and stripDomain", "parseDuration", "trim markers"])
def test_prometheus_alert_templates(template, value, expected):
    assert render_alert_template(template, {"service": "api"}, value) == expected


def test_functions_that_need_a_query_backend_are_refused_by_name():
    with pytest.raises(TemplateError, match="`query` is not supported by obsgate's template engine"):
        render_alert_template('{{ query "up" }}', {}, 1.0)
