"""The one reporter: Problems as people and CI read them, pint-style text, JSON, JUnit XML and a GitHub
step summary, for validate's findings and smoke's cases alike (a smoke case is a Problem too: INFO when
it passed, WARNING `skipped:`, ERROR when it failed; its name is the Problem's subject).

Pure: every function returns a string; the command decides where it goes.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections import Counter

from .problem import Problem, Severity, worst

NO_FILE = "<project>"
DOCS = "docs/checks/{}.md"  # every check's page: what it catches, an example, how to suppress it


def docs(check: str) -> str:
    return DOCS.format(check)


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


def text(problems: list[Problem], tools, stats: str = "", title: str = "obsgate validate",
         verdict_line: str | None = None) -> str:
    """`path:line SEVERITY: message (check-id)`, a hint line, details indented; a header and a verdict line.
    `tools=None` leaves the tool header out (smoke runs no tools of its own)."""
    out = [f"{title} — tools: {tool_line(tools)}"] if tools is not None else []
    for p in problems:
        subject = f"{p.subject}: " if p.subject else ""
        out.append(f"{p.location()} {p.severity}: {subject}{p.message} ({p.check})")
        if p.hint:
            out.append(f"  hint: {p.hint}")
        if p.details:
            out += ["  | " + line for line in p.details.splitlines()[:20]]
    out.append(verdict_line if verdict_line is not None else f"{verdict(problems)}" + (f" ({stats})" if stats else ""))
    return "\n".join(out) + "\n"


def bad_input(problems: list[Problem]) -> str:
    """Input that stops a command before any check runs (a definition that does not load): `path:line: error:
    message` and a hint line, as compilers write it."""
    out = []
    for p in problems:
        out.append(f"{p.path}:{p.line}: error: {p.message}")
        if p.hint:
            out.append(f"  hint: {p.hint}")
    return "".join(line + "\n" for line in out)


def as_json(problems: list[Problem]) -> str:
    return json.dumps([p.as_dict() for p in problems], indent=2) + "\n"


def tally(problems: list[Problem]) -> dict[str, Counter]:
    """{check: Counter(passed, failed, skipped)} of smoke-style Problems, in first-seen order."""
    out: dict[str, Counter] = {}
    for p in problems:
        state = "failed" if p.severity >= Severity.ERROR else "skipped" if p.message.startswith("skipped:") \
            else "passed"
        out.setdefault(p.check, Counter())[state] += 1
    return out


def junit(problems: list[Problem], cases: list[tuple[str, str]], seconds: dict | None = None,
          name: str = "obsgate validate") -> str:
    """One testcase per (check, file or subject): failed on errors, skipped on `skipped:` warnings, passed
    otherwise; each names its check's docs page.

    `cases` lists the (check id, path) pairs that were checked; problems elsewhere add their own cases.
    `seconds` is keyed by check id, or by (check id, subject) for one case.
    """
    by_case: dict[tuple[str, str], list[Problem]] = {case: [] for case in cases}
    for p in problems:
        by_case.setdefault((p.check, p.subject or p.path or NO_FILE), []).append(p)
    suite = ET.Element("testsuite", name=name)
    failures = skipped = 0
    times = seconds or {}
    for (check, path), found in sorted(by_case.items()):
        case = ET.SubElement(suite, "testcase", classname=check, name=path,
                             time=f"{times.get((check, path), times.get(check, 0.0)):.3f}")
        ET.SubElement(ET.SubElement(case, "properties"), "property", name="docs", value=docs(check))
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
    return (f"{p.location()} {p.severity}: {p.message}" + (f"\n  hint: {p.hint}" if p.hint else "")
            + ("".join(f"\n  | {d}" for d in p.details.splitlines()[:20]) if p.details else ""))


def _cell(value: str) -> str:
    return value.replace("|", "\\|").replace("\n", " ")


def summary(problems: list[Problem], tools, stats: str = "", title: str = "obsgate validate",
            informational: str = "informational", verdict_text: str | None = None) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: verdict, tools, and a table of what to fix."""
    sev = worst(problems)
    icon = "❌" if sev is not None and sev >= Severity.ERROR else ("⚠️" if sev is Severity.WARNING else "✅")
    out = [f"## {icon} {title}: {verdict_text or verdict(problems)}"]
    if tools is not None:
        out += ["", f"Tools: {tool_line(tools)}"]
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
        out += ["", f"<details><summary>{len(suppressed)} {informational}</summary>", ""]
        out += [f"- `{_cell(p.location())}` {_cell(p.message)} (`{p.check}`)" for p in suppressed[:200]]
        out += ["", "</details>"]
    return "\n".join(out) + "\n"
