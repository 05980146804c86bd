"""Every registered check has its page docs/checks/<id>.md (what it catches, an example, how to suppress it),
and the places a person meets a check id point at it: `validate --help` and the JUnit report."""
from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from obsgate import report
from obsgate.problem import Problem, Severity
from obsgate.validate.registry import CHECKS

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_every_registered_check_has_its_docs_page(check):
    page = ROOT / report.docs(check.id)
    assert page.is_file(), f"{check.id}: write {report.docs(check.id)}"
    text = page.read_text()
    assert text.startswith(f"# {check.id}\n")
    for section in ("## What it catches", "## Example", "## How to suppress it"):
        assert section in text, f"{page}: no `{section}`"
    assert f"check: {check.id}" in text  # the .obsgate.yml entry that turns it off


def test_no_docs_page_is_left_for_a_check_that_is_gone():
    ids = {c.id for c in CHECKS}
    pages = {p.relative_to(ROOT / "docs" / "checks").with_suffix("").as_posix()
             for p in (ROOT / "docs" / "checks").rglob("*.md")}
    assert pages - ids == set()


def test_validate_help_points_at_the_docs():
    out = subprocess.run([sys.executable, "-m", "obsgate.cli", "validate", "--help"], capture_output=True, text=True,
                         cwd=ROOT).stdout
    assert "docs/checks/<id>.md" in out


def test_each_junit_case_names_its_checks_page():
    problems = [Problem("xref/metric-exists", Severity.ERROR, "x", "rules.yml", 3)]
    root = ET.fromstring(report.junit(problems, [("alerts/name", "rules.yml")]))
    docs = {c.get("classname"): c.find("properties/property[@name='docs']").get("value")
            for c in root.iter("testcase")}
    assert docs == {"xref/metric-exists": "docs/checks/xref/metric-exists.md", "alerts/name": "docs/checks/alerts/name.md"}
