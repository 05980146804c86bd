"""The files a validate run checks: read once, parsed once, sorted into kinds.

This is validate's only reader of user files. A project run hands in the bytes `generate` produced
(written to a scratch tree so promtool/amtool can read them); a paths run reads what the user named.
"""
from __future__ import annotations

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
SUFFIXES = (".yml", ".yaml", ".json")


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
    """The kind of a file from its content, with its path breaking ties (Loki vs Prometheus rules)."""
    p = PurePosixPath(path)
    parts = {s.lower() for s in p.parts}
    name = p.name.lower()
    suffix = p.suffix.lower()
    if suffix not in SUFFIXES:
        return OTHER
    loki = "loki" in parts or "loki" in name
    if broken or not isinstance(data, dict):
        if ".test." in name or name.endswith("_test.yml"):
            return LOKI_TESTS if loki else PROM_TESTS
        if suffix == ".json":
            return DASHBOARD
        if "compose" in name:
            return COMPOSE
        if "alertmanager" in name:
            return AM_CONFIG
        if name.startswith("prometheus"):
            return PROM_CONFIG
        if "rules" in parts or "rules" in name:
            return LOKI_RULES if loki else PROM_RULES
        return UNKNOWN
    if suffix == ".json":
        if "panels" in data or "rows" in data or ("uid" in data and "title" in data):
            return DASHBOARD
        if isinstance(data.get("dashboard"), dict):
            return DASHBOARD
        return UNKNOWN
    if "tests" in data and ("rule_files" in data or isinstance(data.get("tests"), list)):
        tests = data.get("tests") or []
        if loki or any(isinstance(t, dict) and "input_streams" in t for t in tests):
            return LOKI_TESTS
        return PROM_TESTS
    if "groups" in data:
        return LOKI_RULES if loki else PROM_RULES
    if "services" in data:
        return COMPOSE
    if "route" in data or "receivers" in data or "inhibit_rules" in data:
        return AM_CONFIG
    if "scrape_configs" in data or "rule_files" in data or "alerting" in data or (
            "global" in data and not loki and "schema_config" not in data):
        return PROM_CONFIG
    if "schema_config" in data or "auth_enabled" in data or "ruler" in data or "limits_config" in data:
        return LOKI_CONFIG
    if "apiVersion" in data and ("datasources" in data or "providers" in data):
        return OTHER
    return UNKNOWN


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
