"""The files a validate run checks: read once, parsed once, sorted into kinds.

This is validate's only reader of user files. A project run hands in the bytes `generate` produced
(written to a scratch tree so promtool/amtool can read them); a paths run reads what the user named.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..inputs import InputError, reading
from .document import Document, ParseError, parse

# Kinds of files, as checks ask for them.
PROM_RULES = "prom-rules"
PROM_TESTS = "prom-tests"
PROM_CONFIG = "prom-config"
AM_CONFIG = "am-config"
DASHBOARD = "dashboard"
COMPOSE = "compose"
LOKI_RULES = "loki-rules"
LOKI_TESTS = "loki-tests"
LOKI_CONFIG = "loki-config"
OTHER = "other"  # provisioning, Markdown...: only the secrets check reads these
UNKNOWN = "unknown"

KINDS = (PROM_RULES, PROM_TESTS, PROM_CONFIG, AM_CONFIG, DASHBOARD, COMPOSE, LOKI_RULES, LOKI_TESTS, LOKI_CONFIG,
         OTHER)
SUFFIXES = (".yml", ".yaml", ".json", ".rules")


class Unreadable(Exception):
    """A named input that cannot be read at all (missing, a directory of nothing, not text): exit 2."""


@dataclass
class SourceFile:
    path: str  # as shown in reports: relative to the project root, or as the user wrote it
    disk: Path  # where tools read it
    text: str
    kind: str = UNKNOWN
    doc: Document | None = None
    error: ParseError | None = None
    external: bool = False  # not written by obsgate: tests missing is a warning, not an error
    meta: dict = field(default_factory=dict)

    @property
    def data(self):
        return self.doc.data if self.doc is not None else None

    def line(self, path=()) -> int:
        return self.doc.line(path) if self.doc is not None else 0


def load_text(path: str, disk: Path, text: str, external: bool, kind: str | None = None) -> SourceFile:
    """Parse `text` (YAML/JSON by suffix) and decide its kind; parse errors stay on the file."""
    f = SourceFile(path, disk, text, external=external)
    suffix = PurePosixPath(path).suffix.lower()
    if suffix in SUFFIXES:
        try:
            f.doc = parse(text, is_json=suffix == ".json")
        except ParseError as exc:
            f.error = exc
    f.kind = kind or classify(path, f.data, f.error is not None)
    return f


def classify(path: str, data, broken: bool = False) -> str:
    """The kind of a file from its content; its name only breaks ties for files that do not parse.

    Rule files are Prometheus or Loki by their expressions (LogQL pipelines, Loki-only functions),
    never by a directory called `loki`. Kubernetes objects are OTHER here: manifests.expand() takes
    the rules and dashboards out of PrometheusRule, ConfigMap and GrafanaDashboard objects.
    """
    p = PurePosixPath(path)
    name = p.name.lower()
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        return OTHER
    if broken or not isinstance(data, dict):
        if isinstance(data, list) and any(isinstance(t, dict) and "targets" in t for t in data) and all(
                isinstance(t, dict) and set(t) <= {"targets", "labels"} for t in data):
            return OTHER  # file_sd target groups
        if not broken and data is not None:
            return UNKNOWN
        return _by_name(name, suffix)
    if isinstance(data.get("apiVersion"), (str, int)) and ("kind" in data or "datasources" in data
                                                           or "providers" in data or "apps" in data):
        return OTHER  # Kubernetes objects and Grafana provisioning files
    if _is_dashboard(data):
        return DASHBOARD
    if suffix == ".json":
        return UNKNOWN
    if isinstance(data.get("tests"), list) and ("rule_files" in data or data.get("tests")):
        tests = data["tests"]
        if any(isinstance(t, dict) and "input_streams" in t for t in tests):
            return LOKI_TESTS
        return PROM_TESTS
    if isinstance(data.get("groups"), list):
        return LOKI_RULES if is_logql_groups(data["groups"]) else PROM_RULES
    if isinstance(data.get("services"), dict):
        return COMPOSE
    if "route" in data or "receivers" in data or "inhibit_rules" in data or "time_intervals" in data:
        return AM_CONFIG
    if "schema_config" in data or "auth_enabled" in data or "limits_config" in data or (
            "ruler" in data and "scrape_configs" not in data) or "ingester" in data or "common" in data:
        return LOKI_CONFIG
    if any(k in data for k in _PROM_CONFIG_KEYS):
        return PROM_CONFIG
    if any(k in data for k in _OTHER_KEYS):
        return OTHER
    return _by_name(name, suffix)  # `prometheus.yml` with no known key: promtool says what is wrong


# Top-level keys of prometheus.yml (config.Config) and of the files obsgate reads as other (web
# config, HTTP client config, the legacy rules-file-less configs).
_PROM_CONFIG_KEYS = ("scrape_configs", "rule_files", "alerting", "global", "remote_write", "remote_read",
                     "scrape_config_files", "storage", "tracing", "otlp", "runtime")
_OTHER_KEYS = ("tls_server_config", "http_server_config", "basic_auth_users", "basic_auth", "authorization",
               "oauth2", "tls_config", "bearer_token", "bearer_token_file", "http_headers")


def _is_dashboard(data: dict) -> bool:
    if isinstance(data.get("dashboard"), dict) and "panels" not in data:
        return True  # the HTTP API's export: {"dashboard": {...}, "meta": {...}}
    if isinstance(data.get("panels"), list) or isinstance(data.get("rows"), list):
        return True
    return "schemaVersion" in data or ("uid" in data and "title" in data and "templating" in data)


def _by_name(name: str, suffix: str) -> str:
    """A file that does not parse: its name says what it was meant to be, so its checks can say why not."""
    if ".test." in name or name.endswith(("_test.yml", "_test.yaml")):
        return PROM_TESTS
    if suffix == ".json":
        return DASHBOARD
    if "compose" in name:
        return COMPOSE
    if "alertmanager" in name:
        return AM_CONFIG
    if name.startswith("prometheus"):
        return PROM_CONFIG
    if "rule" in name or "alert" in name or suffix == ".rules":
        return PROM_RULES
    return UNKNOWN


# LogQL that PromQL has not: line filters and parsers after a stream selector, Loki-only functions.
_LOGQL_STRONG = re.compile(r"\}\s*(?:\|=|\|~|!=\s*[\"`]|!~\s*[\"`]|\|\s*(?:json|logfmt|pattern|regexp|unpack|"
                           r"line_format|label_format|drop|keep|decolorize|unwrap|ip)\b)"
                           r"|\b(?:bytes_over_time|bytes_rate|rate_counter)\s*\(")
# A range function straight over a selector without a metric name: how every LogQL metric query starts.
_LOGQL_WEAK = re.compile(r"\b(?:count_over_time|rate|absent_over_time|sum_over_time|avg_over_time|"
                         r"max_over_time|min_over_time|first_over_time|last_over_time|quantile_over_time|"
                         r"stddev_over_time|stdvar_over_time)\s*\(\s*\{")


def is_logql_groups(groups: list) -> bool:
    """True when the rules' expressions are LogQL: one LogQL-only construct, or every one a stream query."""
    exprs = [str(r.get("expr")) for g in groups if isinstance(g, dict) and isinstance(g.get("rules"), list)
             for r in g["rules"] if isinstance(r, dict) and r.get("expr") is not None]
    if not exprs:
        return False
    if any(_LOGQL_STRONG.search(e) for e in exprs):
        return True
    return all(_LOGQL_WEAK.search(e) and "__name__" not in e for e in exprs)


def read(path: Path, shown: str, external: bool = True) -> SourceFile:
    """A named file, read within the input limits (regular files only, size and time bounded).

    What cannot be read at all raises Unreadable; what reads but breaks a limit is the file's error.
    """
    try:
        with reading.time_budget():
            raw = reading.read_bytes(path)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Unreadable(f"{shown}: not a UTF-8 text file") from None
            return load_text(shown, path, text, external)
    except reading.OverBudget as exc:
        f = SourceFile(shown, path, "", external=external, error=exc)
        f.kind = classify(shown, None, True)
        return f
    except InputError as exc:
        raise Unreadable(f"{shown}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")) from None


def expand(paths: list[str]) -> list[tuple[Path, str]]:
    """Named files as given; directories walked for YAML/JSON files. Missing paths raise Unreadable."""
    out: list[tuple[Path, str]] = []
    for raw in paths:
        p = Path(raw)
        try:
            kind = reading.what_is(p)
        except InputError as exc:  # missing, a symlink loop, no permission
            raise Unreadable(f"{raw}: {exc.message}") from None
        if kind == "a directory":
            found = sorted(q for q in p.rglob("*") if q.is_file() and q.suffix.lower() in SUFFIXES
                           and not any(part.startswith(".") for part in q.relative_to(p).parts))
            if not found:
                raise Unreadable(f"{raw}: no YAML or JSON files in this directory")
            out += [(q, q.as_posix()) for q in found]
        else:  # a FIFO or device is refused by read(), with what it is
            out.append((p, raw))
    seen, unique = set(), []
    for disk, shown in out:
        key = disk.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((disk, shown))
    return unique
