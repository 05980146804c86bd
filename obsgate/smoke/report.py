"""Smoke results as text (one line per case, with evidence), JUnit XML, and a Markdown step summary."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter

from .base import FAILED, PASSED, SKIPPED, Case

MARK = {PASSED: "PASS", FAILED: "FAIL", SKIPPED: "SKIP"}


def text(cases: list[Case], verbose: bool = False) -> str:
    lines = []
    for c in cases:
        if c.status == PASSED and not verbose:
            continue
        where = f"{c.path}:{c.line} " if c.path and c.status != PASSED else ""
        lines.append(f"{MARK[c.status]} {c.id} {c.name} [{c.seconds:.2f}s]")
        if c.message:
            lines.append(f"     {where}{c.message}")
        if c.query:
            lines.append(f"     query: {c.query}")
        if c.value:
            lines.append(f"     value: {c.value}")
        if c.hint and c.status == FAILED:
            lines.append(f"     hint: {c.hint}")
    return "\n".join(lines)


def counts(cases: list[Case]) -> dict[str, Counter]:
    out: dict[str, Counter] = {}
    for c in cases:
        out.setdefault(c.family, Counter())[c.status] += 1
    return out


def totals_line(cases: list[Case]) -> str:
    total = Counter(c.status for c in cases)
    per = ", ".join(f"{f} {n[PASSED]}/{sum(n.values())}" for f, n in counts(cases).items())
    return (f"smoke: {total[PASSED]} passed, {total[FAILED]} failed, {total[SKIPPED]} skipped "
            f"of {len(cases)} cases ({per})")


def junit(cases: list[Case], name: str = "obsgate smoke") -> bytes:
    suites = ET.Element("testsuites", name=name)
    for family, n in counts(cases).items():
        members = [c for c in cases if c.family == family]
        suite = ET.SubElement(suites, "testsuite", name=f"smoke/{family}", tests=str(len(members)),
                              failures=str(n[FAILED]), skipped=str(n[SKIPPED]), errors="0",
                              time=f"{sum(c.seconds for c in members):.3f}")
        for c in members:
            tc = ET.SubElement(suite, "testcase", classname=f"smoke.{family}", name=c.name, time=f"{c.seconds:.3f}")
            if c.path:
                tc.set("file", c.path)
                tc.set("line", str(c.line))
            if c.status == FAILED:
                el = ET.SubElement(tc, "failure", message=c.message)
                el.text = "\n".join(x for x in (f"query: {c.query}", f"value: {c.value}", f"hint: {c.hint}") if x)
            elif c.status == SKIPPED:
                ET.SubElement(tc, "skipped", message=c.message)
            out = ET.SubElement(tc, "system-out")
            out.text = f"query: {c.query}\nvalue: {c.value}"
    ET.indent(suites)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="utf-8") + b"\n"


def markdown(cases: list[Case], timings: dict[str, float] | None = None) -> str:
    lines = ["## obsgate smoke", "", "| family | passed | failed | skipped |", "|---|---|---|---|"]
    for family, n in counts(cases).items():
        lines.append(f"| {family} | {n[PASSED]} | {n[FAILED]} | {n[SKIPPED]} |")
    failed = [c for c in cases if c.status == FAILED]
    if failed:
        lines += ["", "### Failures", ""]
        for c in failed:
            loc = f" (`{c.path}:{c.line}`)" if c.path else ""
            lines.append(f"- **{c.id}** {c.name}{loc}: {c.message}" + (f" — query `{c.query}`" if c.query else ""))
    skipped = [c for c in cases if c.status == SKIPPED]
    if skipped:
        lines += ["", "### Skipped", ""]
        lines += [f"- {c.id} {c.name}: {c.message}" for c in skipped]
    if timings:
        lines += ["", "Timings: " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items())]
    return "\n".join(lines) + "\n"
