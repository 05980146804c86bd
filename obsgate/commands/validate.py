"""`obsgate validate [PATH ...]`: the static gate (exit 0 no errors, 1 errors, 2 usage/tool/unreadable input).

Without paths: the project's sources, rendered in memory as `generate` would, checked file by file,
plus drift against the committed generated/. With paths inside the project: those files, checked
against the project's catalog. With paths outside it (or --no-project): external mode, where
nothing of the project is used and conventions are warnings; --prometheus adds a live server's
metric types and series.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from .. import render, report
from .. import validate as gate
from ..analysis.durations import seconds as duration_seconds
from ..runtime import httpjson as http
from ..problem import Problem, Severity
from ..validate import context, online, policy
from ..validate.files import DASHBOARD, PROM_CONFIG, Unreadable
from ..validate.series import Online
from ..problem import exit_code
from ..validate.registry import CHECKS
from .common import EXIT_USAGE, BadInput, load_or_report
from .generate import produce

ALWAYS_SHOWN_TOOLS = ("promtool", "amtool")
DEFAULT_SCRAPE = "1m"  # Prometheus' own default scrape_interval


def add_arguments(parser) -> None:
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories to check (default: the whole project)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report")
    parser.add_argument("--summary", type=Path, metavar="FILE",
                        help="also append a Markdown summary (e.g. \"$GITHUB_STEP_SUMMARY\")")
    parser.add_argument("--schemas", type=Path, metavar="DIR",
                        help="JSON schema directory (default: <root>/../shared/schemas)")
    parser.add_argument("--no-project", action="store_true",
                        help="external mode even inside a project: no catalog, receivers or scrape interval of it "
                             "(automatic for paths outside the project)")
    parser.add_argument("--scrape-interval", metavar="DURATION",
                        help="external mode: the scrape interval range windows are judged against when no "
                             "prometheus.yml is checked alongside (default: 1m)")
    parser.add_argument("--prometheus", metavar="URL",
                        help="online mode: metric types and series from a live Prometheus (metadata and series "
                             "APIs), e.g. http://127.0.0.1:9090")
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help=f"severity per check and path glob (default: {policy.CONFIG_NAME} in the root or the "
                             "current directory, when present)")
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "checks (each explained in docs/checks/<id>.md: what it catches, an example, how to suppress " \
        "it; on a rule or panel with Suppress(\"<id>\", \"<reason>\")):\n" + "\n".join(
        f"  {c.id:30} {c.summary}" for c in CHECKS) + "\n\nexit codes: 0 no errors, 1 errors, 2 usage, missing/crashed tool, " \
        "unreadable input"


def has_project(root: Path) -> bool:
    return (root / "stacks").is_dir() or (root / "catalog").is_dir()


def is_external(root: Path, paths: list[str], no_project: bool) -> bool:
    """External mode: asked for, no project at the root, or every named path outside the project."""
    if no_project or not has_project(root):
        return True
    base = root.resolve()
    return all(not Path(p).resolve().is_relative_to(base) for p in paths)


def run(args) -> int:
    started = time.perf_counter()
    root = args.root
    try:
        config = _config(args)
        if args.paths:
            external = is_external(root, args.paths, args.no_project)
            project = None if external else load_or_report(root)
            try:
                scrape = duration_seconds(args.scrape_interval or DEFAULT_SCRAPE)
            except Exception:
                print(f"error: --scrape-interval `{args.scrape_interval}` is not a duration", file=sys.stderr)
                print("  hint: write it as Prometheus does: 15s, 1m, 2m30s", file=sys.stderr)
                return EXIT_USAGE
            ctx = context.for_paths(root, project, args.paths, args.schemas, external=external,
                                    scrape_seconds=scrape if external else None)
            # no prometheus.yml and no --scrape-interval: 1m is a guess, and judgements resting on it are warnings
            ctx.series.scrape_assumed = external and not ctx.of(PROM_CONFIG) and args.scrape_interval is None
            with tempfile.TemporaryDirectory(prefix="obsgate-extracted-") as tmp:
                _materialize(ctx.files, Path(tmp))
                notes = [_mode_note(ctx)] if external else []
                if args.prometheus:
                    notes += _go_online(ctx, args.prometheus)
                return _gate(args, ctx, started, config, notes)
        if args.no_project:
            print("error: --no-project needs files to check", file=sys.stderr)
            print("  hint: name the files or directories: obsgate validate --no-project rules/", file=sys.stderr)
            return EXIT_USAGE
        if not has_project(root):
            print(f"{root}: error: no project here (no stacks/ or catalog/)", file=sys.stderr)
            print("  hint: run inside an obsgate project, pass --root, or name files to check", file=sys.stderr)
            return EXIT_USAGE
        project, outputs = produce(root)
        with tempfile.TemporaryDirectory(prefix="obsgate-validate-") as tmp:
            render.write_tree(Path(tmp), outputs)
            ctx = context.for_project(root, project, outputs, Path(tmp), args.schemas)
            return _gate(args, ctx, started, config)
    except BadInput:
        return EXIT_USAGE
    except Unreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except policy.ConfigError as exc:
        print(str(exc), file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return EXIT_USAGE


def _config(args) -> policy.Config | None:
    """`.obsgate.yml` from --config, else the root's or the current directory's; None when there is none."""
    if args.config is not None:
        candidates = [args.config]
        if not args.config.is_file():
            raise Unreadable(f"{args.config}: no such file")
    else:
        candidates = [args.root / policy.CONFIG_NAME, Path.cwd() / policy.CONFIG_NAME]
    for path in candidates:
        if path.is_file():
            shown = str(path)
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise Unreadable(f"{shown}: cannot read: {exc}") from None
            return policy.load_config(text, shown, [c.id for c in CHECKS])
    return None


def _materialize(files, directory: Path) -> None:
    """Documents taken out of multi-document files and manifests get a file of their own for the tools."""
    for i, f in enumerate(files):
        if f.meta.get("extracted"):
            dest = directory / f"{i:05d}-{Path(f.path).stem}{'.json' if f.kind == DASHBOARD else '.yml'}"
            dest.write_text(f.text, encoding="utf-8")
            f.disk = dest


def _mode_note(ctx) -> Problem:
    source = "a checked prometheus.yml" if ctx.of(PROM_CONFIG) else (
        "Prometheus' default, assumed: pass --scrape-interval" if ctx.series.scrape_assumed else "--scrape-interval")
    return Problem("validate/mode", Severity.INFO,
                   f"external mode: {len(ctx.files)} files checked without the project (no catalog, receivers or "
                   f"scrape interval of it; scrape interval {ctx.series.scrape_seconds:g}s from {source}); "
                   "conventions are warnings", hint="name files inside the project to check them against its catalog")


SERIES_LIMIT = 5000  # series fetched per metric; a metric with more is not judged (it surely exists)


def _go_online(ctx, url: str) -> list[Problem]:
    """Metric types (/api/v1/metadata) and each selected metric's series (/api/v1/series) into ctx.series."""
    base = url.rstrip("/")
    try:
        meta = http.get(base + "/api/v1/metadata", timeout=30)["data"]
        series, truncated = {}, set()
        for name in online.metric_names(ctx):
            found = http.get(base + "/api/v1/series", {"match[]": name, "limit": SERIES_LIMIT}, timeout=30)["data"]
            series[name] = found
            if len(found) >= SERIES_LIMIT:
                truncated.add(name)
    except (http.HTTPError, KeyError, TypeError, ValueError) as exc:
        return [Problem("online/server", Severity.ERROR, f"online mode: {base} did not answer: {exc}", "", 0,
                        "start Prometheus or fix --prometheus; the offline checks still ran")]
    types = {name: str(entries[0].get("type", "unknown")) for name, entries in sorted(meta.items()) if entries}
    ctx.series.online = Online(base, types, series, frozenset(truncated))
    return [Problem("online/server", Severity.INFO,
                    f"online mode: {len(types)} metric types and the series of {len(series)} metrics from {base}")]


def _gate(args, ctx, started: float, config=None, notes=()) -> int:
    problems, seconds = gate.run(ctx, CHECKS)
    problems = policy.apply(list(problems) + list(notes), ctx, config, external=ctx.mode == context.EXTERNAL)
    for name in ALWAYS_SHOWN_TOOLS:
        ctx.tool(name)
    tools = list(ctx._tools.values())
    elapsed = time.perf_counter() - started
    tool_time = sum(t for _, t in ctx.timings)
    stats = (f"{len(ctx.files)} files, {len(CHECKS)} checks, {elapsed:.2f} s, "
             f"of which external tools {tool_time:.2f} s")
    if args.format == "json":
        sys.stdout.write(report.as_json(problems))
        print(f"obsgate validate — tools: {report.tool_line(tools)}; {report.verdict(problems)} ({stats})",
              file=sys.stderr)
    else:
        sys.stdout.write(report.text(problems, tools, stats))
    try:
        if args.junit:
            args.junit.parent.mkdir(parents=True, exist_ok=True)
            args.junit.write_text(report.junit(problems, _cases(ctx), seconds))
        if args.summary is not None and str(args.summary) in ("", "."):
            print("note: --summary is empty ($GITHUB_STEP_SUMMARY is only set on GitHub Actions); no summary "
                  "written", file=sys.stderr)
        elif args.summary:
            with open(args.summary, "a", encoding="utf-8") as out:
                out.write(report.summary(problems, tools, stats))
    except OSError as exc:
        print(f"error: cannot write report: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return exit_code(problems)  # 2 fatal, 1 error, else 0


def _cases(ctx) -> list[tuple[str, str]]:
    """(check, file) for every file each check reads; project-wide checks get one case."""
    cases = []
    for check in CHECKS:
        if check.kinds:
            cases += [(check.id, f.path) for f in ctx.files if f.kind in check.kinds]
        else:
            cases.append((check.id, report.NO_FILE))
    return cases
