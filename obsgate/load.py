"""Import catalog/, stacks/, rules_src/ and dashboards_src/ into one Project.

Every failure becomes a LoadError naming `path:line`, so the CLI can print it without a traceback.
"""
from __future__ import annotations

import importlib.util
import json
import re
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from .model import (SLO, AlertRule, DefinitionError, LogStream, LokiAlertRule, LokiRuleGroup, Metric, RuleGroup,
                    Stack)
from .model.source import project_root, relpath
from .generate.slo import expand as expand_slo
from .model.board import Board
from .problem import Problem, Severity
from .project import Project
from .promql import PromQLError, parse
from . import cache, logql

PACKAGES = ("catalog", "stacks", "rules_src", "dashboards_src")
# Jsonnet's import paths (-J), in order: the project's own library, then jsonnet-bundler's vendor/ where
# `jb install` puts mixins (`import 'kubernetes-mixin/mixin.libsonnet'`).
JSONNET_PATHS = ("dashboards_src/lib", "vendor")
_OBSGATE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class LoadIssue:
    path: str
    line: int
    message: str
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" + (f"\n  hint: {self.hint}" if self.hint else "")

    def problem(self) -> Problem:
        """The issue in the one findings pipeline: FATAL (bad input, exit 2), check `load`."""
        return Problem("load", Severity.FATAL, self.message, self.path, self.line, self.hint)


class LoadError(Exception):
    def __init__(self, issues: list[LoadIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


def _user_frames(exc: BaseException, root: Path) -> list:
    """Traceback frames in the user's project files (never `<string>`, obsgate itself or generated/)."""
    out = []
    for f in traceback.extract_tb(exc.__traceback__):
        if f.filename.startswith("<"):
            continue
        path = Path(f.filename).resolve()
        if path.is_relative_to(root) and not path.is_relative_to(root / "generated") \
                and not path.is_relative_to(_OBSGATE_DIR):
            out.append(f)
    return out


def _issue_from_exception(exc: BaseException, file: Path, root: Path) -> LoadIssue:
    if isinstance(exc, DefinitionError):
        return LoadIssue(exc.source.path, exc.source.line, exc.message, exc.hint)
    if isinstance(exc, SyntaxError):
        return LoadIssue(relpath(exc.filename or file), exc.lineno or 0, f"syntax error: {exc.msg}",
                         "fix the Python syntax at that line")
    frames = _user_frames(exc, root)
    frame = frames[-1] if frames else None
    path = relpath(frame.filename) if frame else relpath(file)
    line = frame.lineno if frame else 0
    if isinstance(exc, (ImportError, AttributeError)) and "circular import" in str(exc):
        return _circular(exc, frames, path, line)
    if isinstance(exc, SystemExit):
        return LoadIssue(path, line, f"the definition called `sys.exit({exc.code!r})` while being imported",
                         "definition modules only declare objects; raise an error or remove the exit")
    what = type(exc).__name__ if isinstance(exc, Exception) else f"{type(exc).__name__} (a BaseException)"
    return LoadIssue(path, line, f"{what}: {exc}", "the definition raised while being imported")


def _circular(exc: BaseException, frames: list, path: str, line: int) -> LoadIssue:
    """Two (or more) definition modules import each other: name the cycle, in import order."""
    chain = []
    for f in frames:
        rel = relpath(f.filename)
        if not chain or chain[-1][0] != rel:
            chain.append((rel, f.lineno))
    wanted = getattr(exc, "name", None) or ""
    if not wanted:  # AttributeError: "partially initialized module 'x' has no attribute ..."
        wanted = str(exc).split("module '", 1)[-1].split("'", 1)[0]
    modules = [_module_name(rel) for rel, _ in chain]
    cycle = " -> ".join(f"`{m}` ({rel}:{n})" for m, (rel, n) in zip(modules, chain))
    return LoadIssue(path, line, f"circular import: `{_module_name(path)}` imports `{wanted}`, which is still "
                     f"being imported ({cycle} -> `{wanted}`)",
                     "move what both modules need into a third module that imports neither, or import it "
                     "inside the function that uses it")


def _module_name(rel: str) -> str:
    return rel.removesuffix(".py").replace("/", ".")


def _purge_modules() -> None:
    for name in list(sys.modules):
        if name.split(".")[0] in PACKAGES:
            del sys.modules[name]


def _import(path: Path, root: Path):
    """Import one definition module. When it fails, every module its import added to sys.modules goes
    too, so that a module importing it later gets the real error again instead of a half-initialised
    module (which would be reported as a second, misleading error)."""
    rel = path.relative_to(root).with_suffix("")
    name = ".".join(rel.parts)
    if name in sys.modules:  # already imported by an earlier module
        return sys.modules[name]
    before = set(sys.modules)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec._initializing = True  # as importlib marks it: a cycle back to it then says "circular import"
    try:
        spec.loader.exec_module(module)
    except BaseException:
        for added in set(sys.modules) - before:
            del sys.modules[added]
        raise
    finally:
        spec._initializing = False
    return module


def _same_cycle(a: LoadIssue, b: LoadIssue) -> bool:
    """The same import cycle, met again from another of its modules."""
    if not (a.message.startswith("circular import") and b.message.startswith("circular import")):
        return False
    return set(re.findall(r"\(([^()]+\.py):\d+\)", a.message)) == set(re.findall(r"\(([^()]+\.py):\d+\)", b.message))


def _defined_here(obj, path: Path) -> bool:
    src = getattr(obj, "source", None)
    return src is not None and src.path == relpath(path)


class JsonnetError(Exception):
    """A .jsonnet dashboard that does not evaluate, located as `path:line` for the load report."""

    def __init__(self, path: str, line: int, message: str,
                 hint: str = "fix the Jsonnet at that line; `jsonnet -J dashboards_src/lib -J vendor <file>` "
                             "prints the whole trace") -> None:
        self.issue = LoadIssue(path, line, message, hint)
        super().__init__(str(self.issue))


def _jsonnet_board(path: Path, root: Path) -> Board:
    import _gojsonnet  # go-jsonnet's binding (Apache-2.0): the C++ binding took 17-29x as long

    try:
        text = _gojsonnet.evaluate_file(str(path), jpathdir=[str(root / p) for p in JSONNET_PATHS])
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0].replace(str(path), relpath(path))
        line = 0
        # errors read "RUNTIME ERROR: msg\n\tfile:LINE:COL..." or, for a static one, "file:LINE:COL msg"
        for token in str(exc).replace("\t", " ").split():
            parts = token.split(":")
            if len(parts) >= 2 and parts[0].endswith(path.name) and parts[1].isdigit():
                line = int(parts[1])
                break
        raise JsonnetError(relpath(path), line, f"jsonnet: {first}")
    data = json.loads(text)
    if not isinstance(data, dict) or "uid" not in data:
        raise JsonnetError(relpath(path), 1, "jsonnet dashboard must evaluate to an object with a `uid`",
                           "end the file with the dashboard object, e.g. `dashboard { uid: 'my-board', ... }`")
    return Board(uid=data["uid"], dashboard=data, path=relpath(path), line=1)


def load(root: Path) -> Project:
    root = root.resolve()
    # definitions name their files relative to this root while they are built; their bytecode is cached
    with project_root(root), cache.bytecode(root):
        return _load(root)


def _load(root: Path) -> Project:
    _purge_modules()
    sys.path.insert(0, str(root))
    issues: list[LoadIssue] = []
    found: dict[str, list] = {"metrics": [], "streams": [], "groups": [], "loki": [], "stacks": [], "boards": [],
                              "slos": []}
    stray_metrics: list[tuple[Metric, Path]] = []
    try:
        for pkg in PACKAGES:
            folder = root / pkg
            if not folder.is_dir():
                continue
            for path in sorted(folder.rglob("*.py")):
                if path.name.startswith("_") or "lib" in path.relative_to(folder).parts[:-1]:
                    continue
                try:
                    module = _import(path, root)
                except KeyboardInterrupt:  # Ctrl-C or SIGTERM (runtime.signals.Interrupted): the run stops
                    raise
                except BaseException as exc:  # SystemExit too: reported as path:line, never a traceback
                    issue = _issue_from_exception(exc, path, root)
                    if issue not in issues and not any(_same_cycle(issue, i) for i in issues):
                        issues.append(issue)
                    continue
                _collect(module, path, pkg, found, stray_metrics)
            if pkg == "dashboards_src":
                for path in sorted(folder.glob("*.jsonnet")):
                    try:
                        found["boards"].append(_jsonnet_board(path, root))
                    except JsonnetError as exc:
                        issues.append(exc.issue)
    finally:
        sys.path.remove(str(root))
        _purge_modules()
    if issues:
        raise LoadError(issues)
    return _assemble(root, found, stray_metrics)


def _collect(module, path: Path, pkg: str, found: dict, stray: list) -> None:
    for value in vars(module).values():
        if isinstance(value, Metric):
            if pkg == "catalog" and _defined_here(value, path):
                found["metrics"].append(value)
            elif pkg != "catalog":
                stray.append((value, path))
        elif isinstance(value, LogStream) and pkg == "catalog" and _defined_here(value, path):
            found["streams"].append(value)
        elif isinstance(value, RuleGroup) and _defined_here(value, path):
            found["groups"].append(value)
        elif isinstance(value, LokiRuleGroup) and _defined_here(value, path):
            found["loki"].append(value)
        elif isinstance(value, (AlertRule, LokiAlertRule)) and _defined_here(value, path):
            found.setdefault("alerts", []).append(value)
        elif isinstance(value, SLO) and pkg == "rules_src" and _defined_here(value, path):
            found["slos"].append(value)
        elif isinstance(value, Stack) and _defined_here(value, path):
            found["stacks"].append(value)
        elif isinstance(value, Board) and value.path == relpath(path):
            found["boards"].append(value)


def _ungrouped(alerts, groups) -> list[LoadIssue]:
    """An alert no RuleGroup holds would be dropped silently: nothing would evaluate it."""
    grouped = {id(r) for g in groups for r in g.rules}
    return [LoadIssue(a.source.path, a.source.line, f"alert `{a.name}` is in no rule group, so nothing evaluates it",
                      f"add it to the rules of a {'LokiRuleGroup' if isinstance(a, LokiAlertRule) else 'RuleGroup'}")
            for a in alerts if id(a) not in grouped]


def _unknown_services(stack, metrics, groups) -> list[LoadIssue]:
    """A metric's `job` and a scenario's `target` must name the stack's services (else no scrape, no fault)."""
    jobs = sorted({s.job for s in stack.services if s.job})
    names = sorted(s.name for s in stack.services)
    issues = [LoadIssue(m.source.path, m.source.line,
                        f"metric `{m.name}` job `{m.job}` is no job of the stack's services",
                        "jobs: " + ", ".join(f"`{j}`" for j in jobs)) for m in metrics if m.job and m.job not in jobs]
    for g in groups:
        for a in g.alerts:
            if a.scenario is not None and a.scenario.target not in names:
                issues.append(LoadIssue(
                    a.source.path, a.source.line,
                    f"alert `{a.name}` scenario target `{a.scenario.target}` is no service of the stack",
                    "services: " + ", ".join(f"`{n}`" for n in names)))
    return issues


def _assemble(root: Path, found: dict, stray: list) -> Project:
    issues: list[LoadIssue] = []
    by_name: dict[str, Metric] = {}
    for m in found["metrics"]:
        if m.name in by_name:
            first = by_name[m.name].source
            issues.append(LoadIssue(m.source.path, m.source.line, f"duplicate metric name `{m.name}`",
                                    f"it is already declared at {first}; declare each metric once"))
            continue
        by_name[m.name] = m
    catalog_ids = {id(m) for m in found["metrics"]}
    for m, path in stray:
        if id(m) not in catalog_ids:
            issues.append(LoadIssue(m.source.path, m.source.line,
                                    f"metric `{m.name}` is declared outside the catalog (used in {relpath(path)})",
                                    "declare it in catalog/<domain>.py and import it from there"))
    if len(found["stacks"]) != 1:
        where = ", ".join(str(s.source) for s in found["stacks"]) or "stacks/"
        issues.append(LoadIssue(where.split(":")[0] if found["stacks"] else "stacks", 0,
                                f"expected exactly one Stack, found {len(found['stacks'])} ({where})",
                                "define one `STACK = Stack(...)` in stacks/"))
    groups = list(found["groups"])
    boards = list(found["boards"])
    for slo in found["slos"]:  # one SLO declaration -> its rule group and its dashboard
        try:
            group, board = expand_slo(slo)
            groups.append(group)
            boards.append(board)
        except DefinitionError as exc:
            issues.append(LoadIssue(exc.source.path, exc.source.line, exc.message, exc.hint))
    seen_groups: dict[str, RuleGroup] = {}
    for g in groups + list(found["loki"]):
        key = ("loki:" if isinstance(g, LokiRuleGroup) else "prom:") + g.name
        if key in seen_groups:
            issues.append(LoadIssue(g.source.path, g.source.line, f"duplicate rule group `{g.name}`",
                                    f"already declared at {seen_groups[key].source}"))
        seen_groups[key] = g
    issues += _ungrouped(found.get("alerts", ()), groups + list(found["loki"]))
    if len(found["stacks"]) == 1:
        issues += _unknown_services(found["stacks"][0], by_name.values(), groups + list(found["loki"]))
    for g in groups:  # a metric the catalog lacks is validate's finding (xref/metric-exists), not a load error
        for rule in g.rules:
            try:
                parse(rule.expr)
            except PromQLError as exc:
                issues.append(LoadIssue(rule.source.path, rule.source.line, f"`{rule.name}` expr: {exc}"))
    for g in found["loki"]:
        issues += _logql_issues(g)
    uids: dict[str, Board] = {}
    for b in boards:
        if b.uid in uids:
            issues.append(LoadIssue(b.path, b.line, f"duplicate dashboard uid `{b.uid}`",
                                    f"already used by {uids[b.uid].path}"))
        uids[b.uid] = b
    if issues:
        raise LoadError(issues)
    return Project(
        root=root,
        metrics=tuple(sorted(by_name.values(), key=lambda m: m.name)),
        log_streams=tuple(sorted(found["streams"], key=lambda s: s.name)),
        groups=tuple(sorted(groups, key=lambda g: g.name)),
        loki_groups=tuple(sorted(found["loki"], key=lambda g: g.name)),
        boards=tuple(sorted(boards, key=lambda b: b.uid)),
        stack=found["stacks"][0],
        slos=tuple(found["slos"]),
    )


def _logql_issues(group: LokiRuleGroup) -> list[LoadIssue]:
    """Each Loki alert's expr parses on obsgate's LogQL engine and is a metric query; a syntax error
    names the definition's path:line and the column in the expression (`$window` keeps its width)."""
    out = []
    for rule in group.rules:
        try:
            query = logql.parse(rule.expr.replace("$window", "000005m"))
        except logql.LogQLSyntaxError as exc:
            out.append(LoadIssue(rule.source.path, rule.source.line, f"loki alert `{rule.name}` expr: {exc}",
                                 exc.hint))
            continue
        if query.kind != "metric":
            out.append(LoadIssue(rule.source.path, rule.source.line,
                                 f"loki alert `{rule.name}` expr is a log query; an alert needs a metric query",
                                 "e.g. `sum(count_over_time({service=\"api\"} |= \"error\" [$window])) > 0`"))
    return out
