"""`make tools` on a new machine: empty Go module and build caches, only the configured module proxy.

The patched-source tool (FerretDB) is the one that broke cold: it needs its module's directory before
anything had downloaded the module. It is built here into a scratch root with fresh, empty caches.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]


def scratch_root(tmp_path: Path, tool: str, versions: str | None = None) -> Path:
    root = tmp_path / "root"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "install_tools.py", root / "scripts")
    shutil.copytree(ROOT / "tools" / tool, root / "tools" / tool)
    (root / "tools" / "versions.toml").write_text(versions or (ROOT / "tools" / "versions.toml").read_text())
    return root


def cold_env(tmp_path: Path) -> dict:
    env = dict(os.environ)
    env["GOMODCACHE"] = str(tmp_path / "gomodcache")
    env["GOCACHE"] = str(tmp_path / "gocache")
    env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -modcacherw").strip()  # so the scratch cache can be deleted
    return env


def install(root: Path, env: dict, *tools: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(root / "scripts" / "install_tools.py"), *tools], env=env,
                          capture_output=True, text=True, timeout=1800)


def test_builds_the_patched_source_tool_with_empty_module_and_build_caches(tmp_path):
    env = cold_env(tmp_path)
    root = scratch_root(tmp_path, "ferretdb")
    assert not Path(env["GOMODCACHE"]).exists()
    proc = install(root, env, "ferretdb")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    binary = root / ".tools" / "bin" / "ferretdb"
    pinned = tomllib.loads((ROOT / "tools" / "versions.toml").read_text())["ferretdb"]["release"]
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    assert f"v{pinned}" in out.stdout + out.stderr
    # the module came through the proxy into the empty cache, and a second run is a no-op
    assert any(Path(env["GOMODCACHE"]).glob("cache/download/github.com/!ferret!d!b/!ferret!d!b/@v/*.zip"))
    again = install(root, env, "ferretdb")
    assert again.returncode == 0 and "building" not in again.stdout


def test_a_failing_go_step_names_tool_step_and_command_without_a_traceback(tmp_path):
    versions = (ROOT / "tools" / "versions.toml").read_text().replace('version = "v1.24.0"', 'version = "v0.0.0-nosuch"')
    root = scratch_root(tmp_path, "ferretdb", versions)
    proc = install(root, cold_env(tmp_path), "ferretdb")
    assert proc.returncode == 1
    assert "tools: ferretdb: download the module source failed" in proc.stderr
    assert "command: go mod download -json github.com/FerretDB/FerretDB@v0.0.0-nosuch" in proc.stderr
    assert "last lines:" in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
