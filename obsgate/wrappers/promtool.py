"""promtool, batched: one `check rules`, one `check config`, and one `test rules` call per core.

promtool runs test files one after another on one core; `test rules` therefore gets one batch per
core (files balanced by size), which halves the gate's wall time on a 2-core runner.

promtool prints `Checking <file>` and then that file's errors (to stderr); with both streams merged
in order, every error is attributed to its file. `test rules` results come from its JUnit report,
which names the test file and the failing test.
"""
from __future__ import annotations

import os
import re
import tempfile
from concurrent.futures import ThreadPoolExecutor
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from .run import Result, ToolError, run


@dataclass(frozen=True)
class Finding:
    file: str  # as passed to promtool
    line: int
    message: str
    severity: str = "error"  # error | warning
    group: str = ""
    rule: str = ""


@dataclass(frozen=True)
class TestResult:
    file: str
    name: str  # the test group's `name` ("unknown" when the file did not load)
    ok: bool
    message: str = ""
    kind: str = ""  # failure | error


_CHECKING = re.compile(r"^Checking '?(?P<file>.+?)'?$")
_RULE_AT = re.compile(r'^(?:(?P<line>\d+):(?P<col>\d+): )?group "(?P<group>.*?)", rule (?P<index>\d+), '
                      r'"(?P<rule>.*?)": (?P<msg>.*)$')
_LINE_COL = re.compile(r"^(?P<line>\d+):(?P<col>\d+): (?P<msg>.*)$")
_YAML_LINE = re.compile(r"^(?:yaml: )?line (?P<line>\d+): (?P<msg>.*)$")


def check_rules(promtool: str, files: list[str], cwd: Path | None = None, timings=None) -> tuple[list[Finding], Result]:
    res = run([promtool, "check", "rules", *files], cwd, timings=timings)
    _expect(res, (0, 1))
    return parse_check(res.output), res


def check_config(promtool: str, files: list[str], cwd: Path | None = None, timings=None) -> tuple[list[Finding], Result]:
    """`--syntax-only`: generated configs name container paths; rule files are checked by check_rules."""
    res = run([promtool, "check", "config", "--syntax-only", *files], cwd, timings=timings)
    _expect(res, (0, 1))
    return parse_check(res.output), res


def batches(files: list[str], sizes: dict[str, int], n: int) -> list[list[str]]:
    """Split files into at most n batches of similar total size (largest first), order kept within each."""
    loads = [[0, []] for _ in range(max(1, min(n, len(files))))]
    for f in sorted(files, key=lambda f: (-sizes.get(f, 0), f)):
        slot = min(loads, key=lambda l: l[0])
        slot[0] += sizes.get(f, 0)
        slot[1].append(f)
    return [sorted(b, key=files.index) for _, b in loads if b]


def test_rules(promtool: str, files: list[str], cwd: Path | None = None, timings=None,
               jobs: int | None = None) -> tuple[list[TestResult], Result]:
    def size(f: str) -> int:
        p = Path(cwd or ".") / f
        return p.stat().st_size if p.is_file() else 0

    # OBSGATE_PROMTOOL_JOBS=1 runs one batch: `make bench` uses it to measure promtool's own time exactly
    jobs = jobs or int(os.environ.get("OBSGATE_PROMTOOL_JOBS", "0")) or os.cpu_count() or 1
    groups = batches(files, {f: size(f) for f in files}, jobs)
    with tempfile.TemporaryDirectory(prefix="obsgate-promtool-") as tmp:
        def one(i: int, group: list[str]) -> tuple[list[TestResult], Result]:
            report = Path(tmp) / f"junit-{i}.xml"
            # unit tests grow with rules x test groups; large projects take minutes of promtool's own time
            res = run([promtool, "test", "rules", f"--junit={report}", *group], cwd, timeout=3600, timings=timings)
            _expect(res, (0, 1))
            if not report.is_file():
                raise ToolError(f"promtool test rules wrote no JUnit report: {res.output.strip()[-500:]}")
            return parse_junit(report.read_text()), res

        with ThreadPoolExecutor(max_workers=len(groups)) as pool:
            done = list(pool.map(lambda ig: one(*ig), enumerate(groups)))
    results = [r for found, _ in done for r in found]
    worst = max((res for _, res in done), key=lambda r: r.returncode)
    merged = Result(worst.argv, worst.returncode, "".join(res.output for _, res in done),
                    max(res.seconds for _, res in done))
    return results, merged


def _expect(res: Result, codes: tuple[int, ...]) -> None:
    if res.returncode not in codes:
        raise ToolError(f"`{' '.join(res.argv[:3])}` exited {res.returncode}: {res.output.strip()[-800:]}")


def parse_check(output: str) -> list[Finding]:
    """Findings from `promtool check rules|config` output (stdout and stderr merged)."""
    found: list[Finding] = []
    current = ""
    lines = output.splitlines()
    i = 0
    while i < len(lines):
        raw = lines[i]
        i += 1
        m = _CHECKING.match(raw)
        if m:
            current = m.group("file")
            continue
        text = raw.strip()
        if not text or text == "FAILED:" or text.startswith("SUCCESS") or text.startswith("WARNING: no file match"):
            continue
        if text.startswith("lint error"):
            block = [text]
            while i < len(lines) and lines[i].strip():
                block.append(lines[i].strip())
                i += 1
            for name in [b[len("Metric: "):] for b in block if b.startswith("Metric: ")] or ["?"]:
                found.append(Finding(current, 0, f"duplicate rule `{name}`: same name and labels as another rule",
                                     "warning", rule=name))
            continue
        text = text.removeprefix("FAILED: ")
        text = re.sub(r"^parsing YAML file \S+?: ", "", text)
        if current and text.startswith(current + ": "):
            text = text[len(current) + 2:]
        elif ": " in text and not text.startswith(("yaml:", "line ")) and _looks_like_file(text.split(": ", 1)[0]):
            # an error in another file (a rule file a config refers to)
            other, text = text.split(": ", 1)
            found.append(_finding(other, text))
            continue
        if text == "yaml: unmarshal errors:":
            continue
        found.append(_finding(current, text))
    unique: list[Finding] = []
    for f in found:
        if f not in unique:
            unique.append(f)
    return unique


def _looks_like_file(token: str) -> bool:
    return token.endswith((".yml", ".yaml", ".json")) and " " not in token


def _finding(file: str, text: str) -> Finding:
    m = _RULE_AT.match(text)
    if m:
        return Finding(file, int(m.group("line") or 0), f'rule `{m.group("rule")}` in group `{m.group("group")}`: '
                       f'{m.group("msg")}', group=m.group("group"), rule=m.group("rule"))
    for pattern in (_LINE_COL, _YAML_LINE):
        m = pattern.match(text)
        if m:
            return Finding(file, int(m.group("line")), m.group("msg"))
    return Finding(file, 0, text)


def parse_junit(xml_text: str) -> list[TestResult]:
    out: list[TestResult] = []
    root = ET.fromstring(xml_text)
    for suite in root.iter("testsuite"):
        file = suite.get("name", "")
        for case in suite.iter("testcase"):
            name = case.get("name", "")
            bad = case.find("failure")
            kind = "failure"
            if bad is None:
                bad, kind = case.find("error"), "error"
            if bad is None:
                out.append(TestResult(file, name, True))
            else:
                out.append(TestResult(file, name, False, (bad.text or bad.get("message") or "").rstrip(), kind))
    return out
