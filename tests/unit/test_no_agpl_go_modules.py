"""No AGPL module in the build: no go.mod under tools/ requires Loki, Grafana or Mimir (all AGPL-3.0).

The Apache-2.0 grafana-foundation-sdk (and grafana's other permissive libraries, e.g. grafana/regexp)
are fine; the check matches the AGPL module paths exactly, with any major-version suffix.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

AGPL = re.compile(r"^github\.com/grafana/(loki|grafana|mimir)(/v\d+)?(/|$)")


def required_modules(text: str) -> list[str]:
    """Module paths of `require` lines and blocks (direct and // indirect alike), and of `replace` targets."""
    out, block = [], ""
    for raw in text.splitlines():
        line = raw.split("//", 1)[0].strip()
        if not line:
            continue
        if block:
            if line == ")":
                block = ""
                continue
            parts = line.split()
            out.append(parts[0])
            if block == "replace" and "=>" in parts:
                out.append(parts[parts.index("=>") + 1])
            continue
        m = re.match(r"^(require|replace)\s*\($", line)
        if m:
            block = m.group(1)
            continue
        m = re.match(r"^require\s+(\S+)", line)
        if m:
            out.append(m.group(1))
        m = re.match(r"^replace\s+\S+(?:\s+\S+)?\s*=>\s*(\S+)", line)
        if m:
            out.append(m.group(1))
    return out


def agpl_requirements(text: str) -> list[str]:
    return [m for m in required_modules(text) if AGPL.match(m)]


def go_mods(root: Path) -> list[Path]:
    return sorted((root / "tools").rglob("go.mod"))


def test_no_go_mod_under_tools_requires_an_agpl_grafana_module(repo_root):
    mods = go_mods(repo_root)
    assert len(mods) >= 3, "expected the pinned tools' go.mod files under tools/"
    found = {str(p.relative_to(repo_root)): agpl_requirements(p.read_text()) for p in mods}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("text, expected", [
    ("module x\n\nrequire github.com/grafana/loki/v3 v3.5.7\n", ["github.com/grafana/loki/v3"]),
    ("module x\nrequire (\n\tgithub.com/grafana/grafana v10.0.0 // indirect\n)\n", ["github.com/grafana/grafana"]),
    ("module x\nrequire (\n\tgithub.com/grafana/mimir/pkg/x v1.0.0\n)\n", ["github.com/grafana/mimir/pkg/x"]),
    ("module x\nreplace github.com/a/b => github.com/grafana/loki v2.9.0\n", ["github.com/grafana/loki"]),
], ids=["loki direct", "grafana indirect in a block", "a mimir package", "a replace target"])
def test_rejects_agpl_modules_in_every_form(text, expected):
    assert agpl_requirements(text) == expected


@pytest.mark.parametrize("text", [
    "module x\nrequire github.com/grafana/grafana-foundation-sdk/go v0.0.0-20250101\n",
    "module x\nrequire (\n\tgithub.com/grafana/regexp v0.0.0-20240518133315-a468a5bfb3bc // indirect\n)\n",
    "module x\nrequire github.com/grafana/loki-client-go v0.0.0\n",
    "module x\n// require github.com/grafana/loki/v3 v3.5.7\n",
], ids=["grafana-foundation-sdk", "grafana/regexp", "a module merely named like loki", "a comment"])
def test_accepts_permissive_grafana_modules(text):
    assert agpl_requirements(text) == []
