"""external/pint and external/dashboard-linter: third-party linters, each finding under its own check name.

Both tools are optional here: proxy.golang.org refuses their modules (403) and no Debian, PyPI or npm
package ships them, so on this project's machines they report a `skipped` WARNING instead of passing
silently. Where they are installed (a developer's laptop, GitHub Actions) their findings become
Problems named `pint/<check>` and `dashboard-linter/<rule>`: the tool's own name, prefixed so that
pint's `promql/syntax` cannot be confused with obsgate's.
"""
from __future__ import annotations

import json
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

from ..problem import Problem, Severity
from .base import ctx_files
from ..tools import find

PINT = "external/pint"
DASHBOARD_LINTER = "external/dashboard-linter"
KINDS = {PINT: ("prom-rules",), DASHBOARD_LINTER: ("dashboard",)}  # read by validate's registry
TOOLS = {PINT: ("pint",), DASHBOARD_LINTER: ("dashboard-linter",)}
NOT_OBTAINABLE = "not obtainable from the registries this project reaches"

# pint's severities (checks.Severity) -> ours; Information is a comment, not a problem.
PINT_SEVERITY = {"information": Severity.INFO, "warning": Severity.WARNING, "bug": Severity.ERROR,
                 "fatal": Severity.FATAL}
# dashboard-linter prints one marker per result; with --strict a warning fails the run like an error.
LINTER_MARKS = {"❌": "error", "⚠️": "warning", "⚠": "warning"}
_STABILITY = {"stable", "experimental", "deprecated", "beta", "alpha"}


def skipped(check: str, tool: str, count: int) -> Problem:
    return Problem(check, Severity.WARNING, f"skipped: {tool} not installed ({NOT_OBTAINABLE})", "", 0,
                   f"{count} file(s) not linted by {tool}; install it on PATH to run it (see `obsgate doctor`)")


# --- pint -------------------------------------------------------------------------------------------

def check_pint(ctx) -> list[Problem]:
    files = ctx_files(ctx, "prom-rules", "generated/prometheus/rules/*.y*ml")
    return run_pint(list(files), _tool(ctx, "pint"), Path(ctx.root), files)


def run_pint(files, pint: str | None, root: Path, shown=None) -> list[Problem]:
    """`pint --offline lint` over the rule files; its checkstyle report is parsed into Problems.

    `shown` maps a file on disk to the path reports show (validate's scratch tree -> project paths).
    """
    if not files:
        return []
    if pint is None:
        return [skipped(PINT, "pint", len(files))]
    with tempfile.TemporaryDirectory(prefix="obsgate-pint-") as tmp:
        report = Path(tmp) / "pint.xml"
        cmd = [pint, "--offline", "--no-color"]
        if (root / ".pint.hcl").is_file():
            cmd += ["--config", str(root / ".pint.hcl")]
        cmd += ["lint", f"--checkstyle={report}", *[_rel(f, root) for f in files]]
        proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
        text = report.read_text() if report.is_file() else ""
    if not text.strip():
        if proc.returncode == 0:
            return []
        last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return [Problem(PINT, Severity.ERROR, f"pint failed: {last}", "", 0, "run the command by hand: " + " ".join(cmd))]
    names = {str(Path(k).resolve()): v for k, v in (shown or {}).items()}
    return [replace(p, path=names.get(str((root / p.path).resolve()), p.path)) if p.path else p
            for p in parse_pint_checkstyle(text)]


def parse_pint_checkstyle(text: str) -> list[Problem]:
    """pint's `--checkstyle` report: <file name><error line severity message source=check/></file>."""
    try:
        tree = ET.fromstring(text)
    except ET.ParseError as exc:
        return [Problem(PINT, Severity.ERROR, f"unreadable pint report: {exc}")]
    problems = []
    for file_el in tree.iter("file"):
        path = file_el.get("name", "")
        for err in file_el.iter("error"):
            severity = PINT_SEVERITY.get(err.get("severity", "").lower(), Severity.ERROR)
            if severity == Severity.INFO:
                continue
            summary, details = _pint_message(err.get("message", ""))
            problems.append(Problem(f"pint/{err.get('source') or 'unknown'}", severity, summary, path,
                                    _int(err.get("line")), "see https://cloudflare.github.io/pint/checks/",
                                    details))
    return sorted(problems, key=Problem.sort_key)


def _pint_message(message: str) -> tuple[str, str]:
    """pint writes `Text:<summary>\\n Details:<details>` (`Summary:` in later versions); keep both parts."""
    head, *rest = re.split(r"\s+Details:", message, maxsplit=1)
    head = re.sub(r"^\s*(Text|Summary):", "", head).strip()
    return head, (rest[0].strip() if rest else "")


# --- dashboard-linter ---------------------------------------------------------------------------------

def check_dashboard_linter(ctx) -> list[Problem]:
    files = ctx_files(ctx, "dashboard", "generated/grafana/**/*.json")
    return run_dashboard_linter(list(files), _tool(ctx, "dashboard-linter"), Path(ctx.root), files)


def run_dashboard_linter(files, linter: str | None, root: Path, shown=None) -> list[Problem]:
    """`dashboard-linter lint --strict` per dashboard (it takes one file per run) with the repo's .lint."""
    if not files:
        return []
    if linter is None:
        return [skipped(DASHBOARD_LINTER, "dashboard-linter", len(files))]
    listing = subprocess.run([linter, "rules"], capture_output=True, text=True, timeout=60)
    names = parse_rule_listing(listing.stdout)
    problems: list[Problem] = []
    for path in files:
        cmd = [linter, "lint", "--strict"]
        if (root / ".lint").is_file():
            cmd += ["--config", str(root / ".lint")]
        proc = subprocess.run([*cmd, str(path)], cwd=root, capture_output=True, text=True, timeout=120)
        rel = (shown or {}).get(path) or _rel(path, root)
        found = parse_dashboard_linter(proc.stdout, names, rel, Path(path).read_text())
        if proc.returncode != 0 and not found:
            last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
            found = [Problem(DASHBOARD_LINTER, Severity.ERROR, f"dashboard-linter failed: {last}", rel, 0)]
        problems += found
    return sorted(problems, key=Problem.sort_key)


def parse_rule_listing(stdout: str) -> dict[str, str]:
    """`dashboard-linter rules` -> {description: rule name}; `lint` prints descriptions, not names."""
    names = {}
    for line in stdout.splitlines():
        m = re.match(r"^\*\s+`([\w-]+)`\s+-\s+(.+)$", line)  # older "* `name` - description" listing
        if m:
            names[m.group(2).strip()] = m.group(1)
            continue
        parts = line.split(None, 2)
        if len(parts) < 2 or parts[0] in ("Rule", "---------") or not parts[0].endswith("-rule"):
            continue
        if len(parts) == 3 and parts[1].lower() in _STABILITY:
            names[parts[2].strip()] = parts[0]
        else:
            names[line.split(None, 1)[1].strip()] = parts[0]
    return names


def parse_dashboard_linter(stdout: str, names: dict[str, str], path: str, source: str = "") -> list[Problem]:
    """`lint` output: a rule's description line, then `[<mark>] <message>` per non-passing result."""
    problems, rule = [], "unknown-rule"
    for line in stdout.splitlines():
        m = re.match(r"^\[(.+?)\]\s+(.*)$", line.strip())
        if not m:
            if line.strip():
                rule = names.get(line.strip(), _guess_rule(line.strip()))
            continue
        level = next((lvl for mark, lvl in LINTER_MARKS.items() if m.group(1).startswith(mark)), None)
        if level is None:  # passing (✔️), fixed or excluded results
            continue
        message = m.group(2).strip()
        problems.append(Problem(f"dashboard-linter/{rule}", Severity.ERROR, message, path, _panel_line(message, source),
                                "fix the dashboard source, or record an exception with its reason in .lint",
                                f"dashboard-linter reported this as {level}; --strict fails on warnings too"))
    return problems


def _guess_rule(description: str) -> str:
    return "unknown-rule: " + description[:60]


def _panel_line(message: str, source: str) -> int:
    """The line of the panel (or dashboard) title the message names, so that editors can jump there."""
    m = re.search(r"panel '(.*?)'(?:,|\s|$)", message) or re.search(r"^Dashboard '(.*?)'(?:,|\s|$)", message)
    if not m or not source:
        return 0
    needle = re.compile(r'"title"\s*:\s*' + re.escape(json.dumps(m.group(1))))
    for number, text in enumerate(source.splitlines(), start=1):
        if needle.search(text):
            return number
    return 0


def _tool(ctx, name: str) -> str | None:
    info = ctx.tool(name) if hasattr(ctx, "tool") else find(name, ctx.root)
    return info.path if info.found else None


def _int(value) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


def _rel(path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


CHECKS = {PINT: check_pint, DASHBOARD_LINTER: check_dashboard_linter}
