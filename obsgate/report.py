"""Problems as people and CI read them: pint-style text, JSON, JUnit XML, a GitHub step summary.

Pure: every function returns a string; the command decides where it goes.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

from .problem import Problem, Severity

NO_FILE = "<project>"


def tool_line(tools) -> str:
    """`promtool 3.5.1 (built), amtool 0.28.1 (built), pint not installed` from ToolInfos."""
    parts = []
    for t in sorted(tools, key=lambda t: t.name):
        parts.append(f"{t.name} {t.version or '?'} ({t.source})" if t.found else f"{t.name} not installed")
    return ", ".join(parts) or "no external tools used"


def counts(problems: list[Problem]) -> Counter:
    return Counter(p.severity for p in problems)


def verdict(problems: list[Problem]) -> str:
    c = counts(problems)

    def n(sev: Severity, word: str) -> str:
        k = c.get(sev, 0)
        return f"{k} {word}{'' if k == 1 else 's'}"

    parts = [n(Severity.ERROR, "error"), n(Severity.WARNING, "warning")]
    if c.get(Severity.FATAL):
        parts.insert(0, n(Severity.FATAL, "fatal"))
    if c.get(Severity.INFO):
        parts.append(n(Severity.INFO, "info"))
    return ", ".join(parts)


def text(problems: list[Problem], tools, stats: str = "") -> str:
    """`path:line SEVERITY: message (check-id)`, a hint line, details indented; a header and a verdict line."""
    out = [f"obsgate validate — tools: {tool_line(tools)}"]
    for p in problems:
        out.append(f"{p.location()} {p.severity}: {p.message} ({p.check})")
        if p.hint:
            out.append(f"  hint: {p.hint}")
        if p.details:
            out += ["  | " + line for line in p.details.splitlines()[:20]]
    out.append(f"{verdict(problems)}" + (f" ({stats})" if stats else ""))
    return "\n".join(out) + "\n"


def as_json(problems: list[Problem]) -> str:
    return json.dumps([{"check": p.check, "severity": p.severity.name.lower(), "path": p.path, "line": p.line,
                        "message": p.message, "hint": p.hint} for p in problems], indent=2) + "\n"


def junit(problems: list[Problem], cases: list[tuple[str, str]], seconds: dict[str, float] | None = None) -> str:
    """One testcase per (check, file): failed on errors, skipped on `skipped:` warnings, passed otherwise.

    `cases` lists the (check id, path) pairs that were checked; problems elsewhere add their own cases.
    """
    by_case: dict[tuple[str, str], list[Problem]] = {case: [] for case in cases}
    for p in problems:
        by_case.setdefault((p.check, p.path or NO_FILE), []).append(p)
    suite = ET.Element("testsuite", name="obsgate validate")
    failures = skipped = 0
    for (check, path), found in sorted(by_case.items()):
        case = ET.SubElement(suite, "testcase", classname=check, name=path,
                             time=f"{(seconds or {}).get(check, 0.0):.3f}")
        bad = [p for p in found if p.severity >= Severity.ERROR]
        if bad:
            failures += 1
            el = ET.SubElement(case, "failure", message=bad[0].message, type=bad[0].severity.name)
            el.text = "\n".join(_line(p) for p in bad)
        elif any(p.message.startswith("skipped:") for p in found):
            skipped += 1
            ET.SubElement(case, "skipped", message=next(p.message for p in found if p.message.startswith("skipped:")))
        if found and not bad:
            ET.SubElement(case, "system-out").text = "\n".join(_line(p) for p in found)
    suite.set("tests", str(len(by_case)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _line(p: Problem) -> str:
    return f"{p.location()} {p.severity}: {p.message}" + (f"\n  hint: {p.hint}" if p.hint else "")


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def summary(problems: list[Problem], tools, stats: str = "") -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: verdict, tools, and a table of what to fix."""
    worst = max((p.severity for p in problems), default=None)
    icon = "❌" if worst is not None and worst >= Severity.ERROR else ("⚠️" if worst is Severity.WARNING else "✅")
    out = [f"## {icon} obsgate validate: {verdict(problems)}", "", f"Tools: {tool_line(tools)}"]
    if stats:
        out += ["", stats]
    shown = [p for p in problems if p.severity >= Severity.WARNING]
    if shown:
        out += ["", "| Severity | Location | Check | Message |", "|---|---|---|---|"]
        out += [f"| {p.severity} | `{_cell(p.location())}` | `{p.check}` | {_cell(p.message)} |" for p in shown[:200]]
        if len(shown) > 200:
            out.append(f"\n{len(shown) - 200} more not shown; see the JUnit report.")
    suppressed = [p for p in problems if p.severity is Severity.INFO]
    if suppressed:
        out += ["", f"<details><summary>{len(suppressed)} informational</summary>", ""]
        out += [f"- `{_cell(p.location())}` {_cell(p.message)} (`{p.check}`)" for p in suppressed[:200]]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
