"""Conformance: log queries, as Loki's documentation describes them (Query > Log queries).

Each table row is (input lines, query, expected); ids read as sentences. The section of the
documentation each group follows is named above it (https://grafana.com/docs/loki/latest/query/log_queries/).
"""
from __future__ import annotations

import pytest

from conformance import labels_of, lines, log, one, streams

APP = {"app": "api", "env": "prod"}

# --- Log stream selector: =, !=, =~, !~; regexes are fully anchored ---------------------------------
SELECTOR_DATA = streams(({"app": "api", "env": "prod"}, [(1, "a")]), ({"app": "api", "env": "dev"}, [(2, "b")]),
                        ({"app": "web", "env": "prod"}, [(3, "c")]), ({"app": "apiserver"}, [(4, "d")]))


@pytest.mark.parametrize("query, expected", [
    ('{app="api"}', ["a", "b"]),
    ('{app="api", env!="dev"}', ["a"]),
    ('{app=~"api|web"}', ["a", "b", "c"]),
    ('{app=~"ap.*"}', ["a", "b", "d"]),
    ('{app=~"api"}', ["a", "b"]),  # anchored: `apiserver` does not match `api`
    ('{env="prod", app!~"api.*"}', ["c"]),
    ('{env="prod"}', ["a", "c"]),
    ('{app="apiserver", env=""}', ["d"]),  # a label that is absent equals ""
], ids=["accepts an equality matcher", "accepts a negative matcher", "accepts a regex alternative",
        "accepts a regex prefix", "anchors regexes at both ends", "accepts a negative regex",
        "selects across apps by another label", "treats an absent label as empty"])
def test_stream_selectors(query, expected):
    assert lines(query, SELECTOR_DATA) == expected


# --- Line filter expression: |= != |~ !~, chains, `or`, backticks, pattern |> -----------------------
FILTER_DATA = one(APP, "level=error msg=timeout", "level=info msg=ok", "level=error msg=refused",
                  "level=warn msg=Timeout slow", r"path=C:\tmp status=200")


@pytest.mark.parametrize("query, expected", [
    ('{app="api"} |= "error"', [0, 2]),
    ('{app="api"} != "error"', [1, 3, 4]),
    ('{app="api"} |~ "msg=(timeout|refused)"', [0, 2]),
    ('{app="api"} |~ "(?i)timeout"', [0, 3]),
    ('{app="api"} !~ "level=(error|warn)"', [1, 4]),
    ('{app="api"} |= "error" != "timeout"', [2]),
    ('{app="api"} |= "error" or "warn"', [0, 2, 3]),
    ('{app="api"} != "error" or "warn"', [1, 4]),
    ('{app="api"} |~ "timeout" or "ok"', [0, 1]),
    ('{app="api"} |= `C:\\tmp`', [4]),
    ('{app="api"} |= "C:\\\\tmp"', [4]),
    ('{app="api"} |= ""', [0, 1, 2, 3, 4]),
    ('{app="api"} |> "level=<_> msg=ok"', [1]),
    ('{app="api"} !> "level=error <_>"', [1, 3, 4]),
    ('{app="api"} |= "Timeout"', [3]),
], ids=["keeps lines containing a string", "drops lines containing a string", "keeps regex matches",
        "honours (?i) in a regex", "drops regex matches", "chains filters left to right",
        "or-chains positive filters", "or-chains negative filters as none-of", "or-chains regex filters",
        "reads backtick strings raw", "unescapes double-quoted strings", "matches everything with an empty string",
        "matches a whole line with a pattern filter", "drops pattern matches", "is case sensitive"])
def test_line_filters(query, expected):
    all_lines = [line for _, line in log('{app="api"}', FILTER_DATA)]
    assert lines(query, FILTER_DATA) == [all_lines[i] for i in expected]


# --- Parser expression: json (documentation example) --------------------------------------------------
JSON_LINE = ('{"protocol":"HTTP/2.0","servers":["129.0.1.1","10.2.1.3"],"request":{"time":"6.032","method":"GET",'
             '"host":"foo.grafana.net","size":"55","headers":{"Accept":"*/*","User-Agent":"curl/7.68.0"}},'
             '"response":{"status":401,"size":"228","latency_seconds":"6.031"}}')


def test_json_flattens_nested_keys_sanitises_them_and_skips_arrays():
    [labels] = labels_of('{app="api"} | json', one(APP, JSON_LINE))
    assert labels == {**APP, "protocol": "HTTP/2.0", "request_time": "6.032", "request_method": "GET",
                      "request_host": "foo.grafana.net", "request_size": "55", "response_status": "401",
                      "response_size": "228", "response_latency_seconds": "6.031",
                      "request_headers_Accept": "*/*", "request_headers_User_Agent": "curl/7.68.0"}


def test_json_with_parameters_extracts_paths_only():
    [labels] = labels_of('{app="api"} | json first_server="servers[0]", ua="request.headers[\\"User-Agent\\"]"',
                         one(APP, JSON_LINE))
    assert labels == {**APP, "first_server": "129.0.1.1", "ua": "curl/7.68.0"}


@pytest.mark.parametrize("line, expected", [
    # a null field yields no label, as Loki 3 behaves (grafana/loki#16175)
    ('{"a":true,"b":null,"c":1.50,"d":"x\\ty"}', {"a": "true", "c": "1.50", "d": "x\ty"}),
    ('{"app":"other","x":"1"}', {"app_extracted": "other", "x": "1"}),
    ('{"a-b.c":"1","1st":"2"}', {"a_b_c": "1", "_1st": "2"}),
], ids=["keeps number text, unescapes strings and skips nulls", "suffixes _extracted on a stream-label conflict",
        "sanitises keys"])
def test_json_values_and_conflicts(line, expected):
    [labels] = labels_of('{app="api"} | json', one(APP, line))
    assert labels == {**APP, **expected}


def test_json_error_sets_error_labels_and_keeps_the_line():
    [(labels, line)] = log('{app="api"} | json', one(APP, "not json"))
    assert line == "not json" and labels["__error__"] == "JSONParserErr" and labels["__error_details__"]


# --- Parser expression: logfmt (documentation example), --strict, --keep-empty -------------------------
LOGFMT_LINE = 'at=info method=GET path=/ host=grafana.net fwd="124.133.124.161" service=8ms status=200'


@pytest.mark.parametrize("query, line, expected", [
    ('| logfmt', LOGFMT_LINE, {"at": "info", "method": "GET", "path": "/", "host": "grafana.net",
                               "fwd": "124.133.124.161", "service": "8ms", "status": "200"}),
    ('| logfmt host, client="fwd"', LOGFMT_LINE, {"host": "grafana.net", "client": "124.133.124.161"}),
    ('| logfmt', 'msg="say \\"hi\\"" empty= flag', {"msg": 'say "hi"'}),
    ('| logfmt --keep-empty', 'a=1 empty= flag', {"a": "1", "empty": "", "flag": ""}),
    ('| logfmt', 'a=1 =broken b=2', {"a": "1", "b": "2"}),
], ids=["extracts every pair", "extracts named keys under new names", "unquotes and drops empty and bare keys",
        "keeps empty and bare keys with --keep-empty", "skips a malformed pair when not strict"])
def test_logfmt(query, line, expected):
    [labels] = labels_of('{app="api"} ' + query, one(APP, line))
    assert labels == {**APP, **expected}


def test_logfmt_strict_stops_at_the_first_error():
    [labels] = labels_of('{app="api"} | logfmt --strict', one(APP, 'a=1 =broken b=2'))
    assert labels["__error__"] == "LogfmtParserErr" and "b" not in labels


# --- Parser expression: regexp, pattern, unpack (documentation examples) ------------------------------

def test_regexp_extracts_named_groups():
    [labels] = labels_of(r'{app="api"} | regexp "(?P<method>\\w+) (?P<path>[\\w|/]+) \\((?P<status>\\d+?)\\) '
                         r'(?P<duration>.*)"', one(APP, "POST /api/prom/api/v1/query_range (200) 1.5s"))
    assert labels == {**APP, "method": "POST", "path": "/api/prom/api/v1/query_range", "status": "200",
                      "duration": "1.5s"}


def test_regexp_without_a_match_extracts_nothing():
    assert labels_of('{app="api"} | regexp "(?P<n>\\\\d+)"', one(APP, "no digits")) == [APP]


PATTERN_LINE = ('0.191.12.2 - - [10/Jun/2021:09:14:29 +0000] "GET /api/plugins/versioncheck HTTP/1.1" 200 2 "-" '
                '"Go-http-client/2.0" "13.76.247.102, 34.120.177.193" "TLSv1.2" "US" ""')


def test_pattern_extracts_captures_and_skips_underscores():
    [labels] = labels_of('{app="api"} | pattern `<ip> - - <_> "<method> <uri> <_>" <status> <size> <_> "<agent>" <_>`',
                         one(APP, PATTERN_LINE))
    assert labels == {**APP, "ip": "0.191.12.2", "method": "GET", "uri": "/api/plugins/versioncheck",
                      "status": "200", "size": "2", "agent": "Go-http-client/2.0"}


def test_pattern_whose_leading_literal_is_missing_extracts_nothing():
    assert labels_of('{app="api"} | pattern "GET <path>"', one(APP, "POST /x")) == [APP]


def test_unpack_extracts_packed_labels_and_replaces_the_line_with_entry():
    [(labels, line)] = log('{app="api"} | unpack', one(APP, '{"container":"myapp","pod":"pod-3223f",'
                                                           '"_entry":"original log message"}'))
    assert labels == {**APP, "container": "myapp", "pod": "pod-3223f"} and line == "original log message"


# --- Label filter expression: string, number, duration, bytes; and/or/,/space/parentheses -------------
LF_DATA = one(APP, "status=200 duration=10ms size=1KB method=GET", "status=404 duration=1.5s size=20KB method=POST",
              "status=503 duration=2m size=3MB method=GET", "status=abc duration=x size=? method=PUT")


@pytest.mark.parametrize("filter_, expected", [
    ('status="404"', ["404"]),
    ('method=~"G.*"', ["200", "503"]),
    ('method!~"G.*"', ["404", "abc"]),
    ('status >= 400', ["404", "503", "abc"]),
    ('status == 200', ["200", "abc"]),  # a failed conversion passes, marked LabelFilterErr (below)
    ('status = 200', ["200", "abc"]),
    ('status != 200', ["404", "503", "abc"]),
    ('duration > 1s', ["404", "503", "abc"]),
    ('duration <= 10ms', ["200", "abc"]),
    ('size >= 20KB', ["404", "503", "?"]),
    ('size < 2KiB', ["200", "?"]),
    ('status >= 400 and method="GET"', ["503"]),
    ('status >= 400, method="GET"', ["503"]),
    ('status >= 400 method="GET"', ["503"]),
    ('status < 300 or method="POST"', ["200", "404", "abc"]),
    ('(status < 300 or method="POST") and duration < 1m', ["200", "404", "abc"]),
], ids=["compares strings", "matches a regex", "excludes a regex", "compares numbers", "tests numeric equality",
        "reads = as numeric equality for numbers", "tests numeric inequality", "compares durations",
        "compares small durations", "compares bytes", "compares binary byte units", "joins with and",
        "joins with a comma", "joins with a space", "joins with or", "groups with parentheses"])
def test_label_filters(filter_, expected):
    got = log('{app="api"} | logfmt | ' + filter_, LF_DATA)
    key = "size" if "size" in filter_ else "status"
    shown = [labels.get(key) if key == "size" and labels.get("status") == "abc" else labels["status"]
             for labels, _ in got]
    assert shown == expected


def test_a_failed_numeric_conversion_keeps_the_line_with_labelfiltererr():
    [labels] = labels_of('{app="api"} | logfmt | status > 100 | method="PUT"', LF_DATA)
    assert labels["__error__"] == "LabelFilterErr"


def test_error_lines_can_be_dropped_with_an_error_matcher():
    assert [l["status"] for l in labels_of('{app="api"} | logfmt | status > 100 | __error__=""', LF_DATA)] == [
        "200", "404", "503"]


def test_a_numeric_filter_on_a_missing_label_drops_the_line():
    assert labels_of('{app="api"} | logfmt | nope > 1', LF_DATA) == []


# --- Line format / Labels format / drop / keep / decolorize -------------------------------------------
FMT_DATA = one(APP, "query=up duration=10ms status=200 method=GET")


@pytest.mark.parametrize("stage, line", [
    ('| line_format "{{.query}} {{.duration}}"', "up 10ms"),
    ('| line_format `{{ .method | ToLower }} {{ .status }}`', "get 200"),
    ('| line_format "{{.missing}}"', "<no value>"),
    ('| line_format "{{ __line__ | upper }}"', "QUERY=UP DURATION=10MS STATUS=200 METHOD=GET"),
    ('| line_format "{{ __timestamp__ | unixEpoch }}"', "1"),
    ('| line_format "{{ if eq .status \\"200\\" }}ok{{ else }}ko{{ end }}"', "ok"),
], ids=["renders labels", "pipes to functions", "prints <no value> for a missing label", "reads the line",
        "reads the timestamp", "branches"])
def test_line_format(stage, line):
    assert lines('{app="api"} | logfmt ' + stage, FMT_DATA) == [line]


@pytest.mark.parametrize("stage, expected", [
    ("| label_format took=duration", {"took": "10ms"}),
    ('| label_format took="{{.duration}}!"', {"took": "10ms!", "duration": "10ms"}),
    ('| label_format a=status, b="{{.method}}"', {"a": "200", "b": "GET", "method": "GET"}),
    ('| label_format env=status', {"env": "200"}),
], ids=["renames a label", "renders a template", "does several at once", "overwrites a stream label"])
def test_label_format(stage, expected):
    [labels] = labels_of('{app="api"} | logfmt | keep app, env, duration, method, status ' + stage, FMT_DATA)
    base = {"app": "api", "env": "prod", "duration": "10ms", "method": "GET", "status": "200"}
    if "took=duration" in stage:
        base.pop("duration")
    if "a=status" in stage or "env=status" in stage:
        base.pop("status")
    assert labels == {**base, **expected}


@pytest.mark.parametrize("stage, expected", [
    ("| drop query, duration", {"status", "method"}),
    ('| drop method="GET", status="500"', {"query", "duration", "status"}),
    ('| drop method=~"P.*"', {"query", "duration", "status", "method"}),
    ("| keep status, app", {"status"}),
    ('| keep method="POST", status', {"status"}),
], ids=["drops labels", "drops labels whose value matches", "keeps labels whose value does not match",
        "keeps only the named labels", "keeps a named label only when its value matches"])
def test_drop_and_keep(stage, expected):
    [labels] = labels_of('{app="api"} | logfmt ' + stage, FMT_DATA)
    parsed = set(labels) - {"app", "env"}
    assert parsed == expected


def test_keep_removes_stream_labels_too():
    assert labels_of('{app="api"} | logfmt | keep status', FMT_DATA) == [{"status": "200"}]


def test_decolorize_strips_ansi_colour_codes():
    assert lines('{app="api"} | decolorize', one(APP, "\x1b[31mred\x1b[0m and \x1b[1;32mgreen\x1b[0m")) == [
        "red and green"]


# --- results: limit and direction (HTTP API: query_range) ---------------------------------------------

def test_limit_and_direction_pick_the_newest_or_oldest_entries():
    data = one(APP, "1", "2", "3", "4")
    assert lines('{app="api"}', data, direction="backward", limit=2) == ["4", "3"]
    assert lines('{app="api"}', data, direction="forward", limit=2) == ["1", "2"]


def test_the_log_range_is_start_inclusive_end_exclusive():
    data = one(APP, "a", "b", "c")  # at 1 s, 2 s, 3 s
    assert lines('{app="api"}', data, start=1, end=3) == ["a", "b"]


def test_parsed_labels_split_a_stream_into_several():
    data = one(APP, "level=info", "level=error", "level=info")
    assert sorted(l["level"] for l in labels_of('{app="api"} | logfmt', data)) == ["error", "info", "info"]


# --- structured metadata (Labels > Structured metadata): filterable like labels, returned with the stream --

def test_structured_metadata_is_filterable_and_returned():
    from obsgate.logql import Entry, Stream
    data = [Stream((("app", "api"),), [Entry(1 * 10**9, "a", (("trace_id", "t1"),)), Entry(2 * 10**9, "b", ())])]
    assert log('{app="api"} | trace_id="t1"', data) == [({"app": "api", "trace_id": "t1"}, "a")]
    assert [line for _, line in log('{app="api"}', data)] == ["a", "b"]
