"""How severe a finding is where it was found: the tool's verdict, external mode and `.obsgate.yml`.

Applied once to a run's problems, in this order:
1. the real tool is the judge of validity: a schema or syntax ERROR on a file that promtool/amtool
   accepts becomes a WARNING (the schema is stricter than the tool);
2. in external mode the project's conventions (CONVENTIONS) are warnings;
3. `.obsgate.yml` (in the spirit of pint's config) sets any check's severity per path glob, or turns
   it off there with a reason, `disable: <reason>` (the finding stays visible as INFO).
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, replace

from ..problem import Problem, Severity
from .document import ParseError, parse
from .files import AM_CONFIG, PROM_CONFIG, PROM_RULES, PROM_TESTS

CONFIG_NAME = ".obsgate.yml"
# Conventions of obsgate's own projects, not validity: warnings on files obsgate did not write.
CONVENTIONS = frozenset({"alerts/annotations", "alerts/name", "alerts/severity", "alerts/for",
                         "grafana/panel-description", "grafana/panel-unit", "grafana/datasource-variable",
                         "grafana/rate-interval", "rules/tested", "schema/grafana-dashboard"})
# The tool check that judges each kind, and the checks whose ERRORs it overrules when it accepts a file.
JUDGES = {PROM_RULES: ("prom/rules", "promtool"), PROM_CONFIG: ("prom/config", "promtool"),
          PROM_TESTS: ("prom/rule-tests", "promtool"), AM_CONFIG: ("am/config", "amtool")}
SYNTAX = {PROM_RULES: ("schema/prom-rules", "promql/syntax"), PROM_CONFIG: ("schema/prom-config",),
          PROM_TESTS: ("schema/prom-rule-tests",), AM_CONFIG: ("schema/alertmanager",)}
SEVERITIES = {"info": Severity.INFO, "warning": Severity.WARNING, "error": Severity.ERROR}


class ConfigError(ValueError):
    """A bad `.obsgate.yml`: reported as `path:line: error: message` with a hint, exit 2."""

    def __init__(self, path: str, line: int, message: str, hint: str = "") -> None:
        super().__init__(f"{path}:{line}: error: {message}")
        self.path, self.line, self.message, self.hint = path, line, message, hint


@dataclass(frozen=True)
class Rule:
    globs: tuple[str, ...]
    check: str  # a check id or a glob of them (`alerts/*`, `*`)
    severity: Severity | None  # None: disabled
    reason: str = ""
    line: int = 0

    def applies(self, p: Problem) -> bool:
        return _glob(self.check, p.check) and any(_path_glob(g, p.path) for g in self.globs)


@dataclass(frozen=True)
class Config:
    rules: tuple[Rule, ...] = ()
    path: str = ""


def load_config(text: str, path: str, known_checks) -> Config:
    """Parse `.obsgate.yml`; every entry is checked (unknown check ids, missing reasons) before the run."""
    try:
        doc = parse(text)
    except ParseError as exc:
        raise ConfigError(path, exc.line, exc.message, "fix the YAML syntax") from None
    data = doc.data
    if data is None:
        return Config((), path)
    if not isinstance(data, dict) or set(data) - {"checks"}:
        raise ConfigError(path, 1, "the file must be a mapping with one key, `checks`",
                          "checks: [{paths: [\"vendor/**\"], check: alerts/name, severity: warning}]")
    entries = data.get("checks") or []
    if not isinstance(entries, list):
        raise ConfigError(path, doc.line(("checks",)), "`checks` must be a list of entries")
    known = set(known_checks)
    rules = []
    for i, entry in enumerate(entries):
        line = doc.line(("checks", i))
        if not isinstance(entry, dict):
            raise ConfigError(path, line, "each entry of `checks` must be a mapping")
        extra = set(entry) - {"paths", "check", "severity", "disable"}
        if extra:
            raise ConfigError(path, line, f"unknown key `{sorted(map(str, extra))[0]}`",
                              "an entry has `paths`, `check`, and either `severity` or `disable: <reason>`")
        globs = entry.get("paths", ["**"])
        globs = [globs] if isinstance(globs, str) else globs
        if not isinstance(globs, list) or not globs or not all(isinstance(g, str) and g for g in globs):
            raise ConfigError(path, line, "`paths` must be a glob or a list of globs", "e.g. paths: [\"vendor/**\"]")
        check = entry.get("check")
        if not isinstance(check, str) or not check:
            raise ConfigError(path, line, "an entry needs `check`: a check id such as `alerts/name`, or `alerts/*`")
        if not any(_glob(check, k) for k in known):
            close = sorted(k for k in known if k.split("/")[0] == check.split("/")[0])
            raise ConfigError(path, doc.line(("checks", i, "check")), f"`{check}` is not a check id",
                              "known in that family: " + ", ".join(close) if close else
                              "`obsgate validate --help` lists every check id")
        if ("disable" in entry) == ("severity" in entry):
            raise ConfigError(path, line, f"the entry for `{check}` needs exactly one of `severity` and `disable`",
                              "severity: info|warning|error, or disable: <the reason it does not apply here>")
        if "disable" in entry:
            reason = entry["disable"]
            if not isinstance(reason, str) or not reason.strip():
                raise ConfigError(path, doc.line(("checks", i, "disable")), f"disabling `{check}` needs a reason",
                                  "disable: \"upstream dashboards; we do not maintain their descriptions\"")
            rules.append(Rule(tuple(globs), check, None, reason.strip(), line))
            continue
        sev = SEVERITIES.get(str(entry["severity"]).lower())
        if sev is None:
            raise ConfigError(path, doc.line(("checks", i, "severity")),
                              f"severity `{entry['severity']}` is not one of info, warning, error")
        rules.append(Rule(tuple(globs), check, sev, "", line))
    return Config(tuple(rules), path)


def apply(problems: list[Problem], ctx, config: Config | None = None, external: bool = False) -> list[Problem]:
    out = judged(problems, ctx)
    if external:
        out = [_demote(p, "a convention of obsgate projects; a warning on external files") if
               p.check in CONVENTIONS and p.severity is Severity.ERROR else p for p in out]
    if config is not None and config.rules:
        out = [configured(p, config) for p in out]
    return sorted(out, key=Problem.sort_key)


def judged(problems: list[Problem], ctx) -> list[Problem]:
    """Schema and syntax ERRORs on files the real tool accepted become WARNINGs."""
    accepted: dict[str, str] = {}  # shown path -> tool that accepted it
    for kind, (check, tool) in JUDGES.items():
        paths = {f.path for f in ctx.of(kind) if f.error is None}
        if not paths:
            continue
        ran = not any(p.check == check and p.severity is Severity.FATAL for p in problems)
        if not ran:
            continue
        rejected = {p.path for p in problems if p.check == check and p.severity >= Severity.ERROR
                    and not (check == "prom/rule-tests" and p.message.startswith("unit test "))}
        for path in paths - rejected:
            accepted.setdefault(path, tool)
    if not accepted:
        return list(problems)
    syntax = {c for checks in SYNTAX.values() for c in checks}
    out = []
    for p in problems:
        tool = accepted.get(p.path)
        if tool and p.check in syntax and p.severity is Severity.ERROR:
            p = _demote(p, f"{tool} accepts this file, and the real tool is the judge of validity")
        out.append(p)
    return out


def configured(p: Problem, config: Config) -> Problem:
    """The last `.obsgate.yml` entry that applies to the finding decides its severity."""
    rule = next((r for r in reversed(config.rules) if r.applies(p)), None)
    if rule is None or p.severity is Severity.FATAL:
        return p
    if rule.severity is None:
        return replace(p, severity=Severity.INFO, message=f"disabled in {config.path}: {rule.reason} ({p.message})")
    return replace(p, severity=rule.severity)


def _demote(p: Problem, why: str) -> Problem:
    return replace(p, severity=Severity.WARNING, hint=(p.hint + "; " if p.hint else "") + why)


def _glob(pattern: str, value: str) -> bool:
    """Check ids: `*` matches any run of characters, `/` included (`alerts/*`, `*`)."""
    return fnmatch.fnmatchcase(value, pattern)


def _path_glob(pattern: str, path: str) -> bool:
    """`**` spans directories, `*` and `?` do not; a relative pattern also matches the tail of a longer path."""
    if not path:
        return pattern in ("**", "*")
    return re.search("(?:^|/)" + _regex(pattern.removeprefix("./")) + "$", path) is not None


def _regex(glob: str) -> str:
    out, i = [], 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return "".join(out)
