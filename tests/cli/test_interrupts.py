"""Ctrl-C and SIGTERM in any command: one line on stderr, exit 130 or 143, never a traceback."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "project"


def children(pid: int) -> list[str]:
    """Names of the processes whose parent is `pid`."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        if int(rest[1]) == pid:
            out.append(name)
    return out


def interrupt(args: list[str], root: Path, sig: int, marker: Path | None = None, child: str = ""):
    """Start `obsgate ARGS` in its own process group, wait until `marker` exists or a `child` process
    runs, then send `sig` to the group as a terminal's Ctrl-C does; (rc, stderr)."""
    proc = subprocess.Popen([sys.executable, "-m", "obsgate.cli", "--root", str(root), *args], cwd=root,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        if (marker is not None and marker.exists()) or (child and child in children(proc.pid)):
            break
        time.sleep(0.01)
    assert proc.poll() is None, f"finished before the signal: {proc.communicate()}"
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=30)
    return proc.returncode, err


@pytest.fixture
def slow_project(tmp_path) -> tuple[Path, Path]:
    """A project whose rules module takes 30 s to import, and writes a marker once it started."""
    root = tmp_path / "p"
    shutil.copytree(FIXTURE, root)
    marker = tmp_path / "importing"
    (root / "rules_src" / "slow.py").write_text(
        f"import pathlib, time\npathlib.Path({str(marker)!r}).write_text('x')\ntime.sleep(30)\n")
    return root, marker


@pytest.mark.parametrize("command", [["generate"], ["validate"], ["generate", "--check"]],
                         ids=["generate", "validate", "generate --check"])
@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"])
def test_an_interrupted_command_prints_one_line_and_exits_128_plus_the_signal(slow_project, command, sig, code):
    root, marker = slow_project
    rc, err = interrupt(command, root, sig, marker)
    assert rc == code, err
    assert "Traceback" not in err
    assert err.strip().splitlines() == [f"obsgate: interrupted by {signal.Signals(sig).name}"]


def test_ctrl_c_while_validate_runs_its_tools_is_clean(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(FIXTURE, root)
    (root / ".tools").symlink_to(ROOT / ".tools")  # the pinned promtool this checkout built
    assert (ROOT / ".tools" / "bin" / "promtool").is_file(), "run `make tools`"
    rc, err = interrupt(["validate"], root, signal.SIGINT, child="promtool")
    assert rc == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "obsgate: interrupted by SIGINT"
