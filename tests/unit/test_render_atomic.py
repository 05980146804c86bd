"""render.write is all or nothing, compose file included, even when SIGKILLed at any instant."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from obsgate import render

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = "docker-compose.infra.yml"


def outputs(tag: str, n: int = 600) -> dict[str, bytes]:
    out = {f"generated/d{i % 20}/f{i}.yml": f"# {tag}\nvalue: {i}\n".encode() for i in range(n)}
    out[COMPOSE] = f"# {tag}\nservices: {{}}\n".encode()
    return out


def snapshot(root: Path) -> dict[str, bytes]:
    got = {p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "generated").rglob("*") if p.is_file()}
    if (root / COMPOSE).is_file():
        got[COMPOSE] = (root / COMPOSE).read_bytes()
    return got


WRITER = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from obsgate import render
from tests.unit.test_render_atomic import outputs
print("ready", flush=True)
render.write(Path(sys.argv[1]), outputs("new"))
"""


def test_a_sigkill_at_any_instant_leaves_the_old_tree_or_the_new_one(tmp_path):
    old, new = outputs("old"), outputs("new")
    rng = random.Random(7)
    seen = {"old": 0, "new": 0}
    probe = tmp_path / "probe"
    probe.mkdir()
    render.write(probe, old)
    t0 = time.monotonic()
    render.write(probe, new)
    took = time.monotonic() - t0  # the kills are spread over the write and a little beyond
    for attempt in range(12):
        root = tmp_path / f"r{attempt}"
        root.mkdir()
        render.write(root, old)
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(ROOT)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "ready"
        t0 = time.monotonic()
        time.sleep(rng.uniform(0.0, took * 1.3))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert (root / "generated").is_dir(), "a kill left no generated/ at all"
        render.recover(root)
        state = snapshot(root)
        assert state in (old, new), f"attempt {attempt}: a mix of the old and new trees"
        seen["old" if state == old else "new"] += 1
        leftovers = sorted(p.name for p in root.iterdir() if p.name not in ("generated", COMPOSE, render.LOCK))
        assert leftovers == [], leftovers
    assert seen["old"] and seen["new"], f"the kills never hit both sides of the swap: {seen}"


def test_a_killed_runs_journal_is_completed_by_the_next_write(tmp_path):
    """The state right after the directory exchange, before the compose rename: the journal finishes it."""
    root = tmp_path
    render.write(root, outputs("old", 5))
    new = outputs("new", 5)
    staging = root / ".generated.new-x"
    for rel, data in new.items():
        if rel.startswith("generated/"):
            (staging / rel[10:]).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel[10:]).write_bytes(data)
    (root / f".{COMPOSE}.obsgate-new").write_bytes(new[COMPOSE])
    render._write_journal(root, {"staging": staging.name, "inode": staging.stat().st_ino,
                                 "files": {f".{COMPOSE}.obsgate-new": COMPOSE}})
    assert render._exchange(staging, root / "generated")  # the kill came right after this
    assert snapshot(root)[COMPOSE] != new[COMPOSE]  # a mix on disk, until the next run
    assert render.write(root, new) == []  # completes the swap, then finds nothing to change
    assert snapshot(root) == new
    assert sorted(p.name for p in root.iterdir()) == sorted(["generated", COMPOSE, render.LOCK])


def test_leftovers_without_a_journal_are_removed_and_the_old_tree_kept(tmp_path):
    render.write(tmp_path, outputs("old", 5))
    (tmp_path / ".generated.new-abc" / "x").mkdir(parents=True)
    (tmp_path / ".generated.old").mkdir()
    (tmp_path / f".{COMPOSE}.obsgate-new").write_text("half")
    done = render.recover(tmp_path)
    assert any("removed `.generated.new-abc`" in d for d in done)
    assert snapshot(tmp_path) == outputs("old", 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["generated", COMPOSE, render.LOCK])


def test_the_leftovers_of_a_killed_run_are_git_ignored(tmp_path):
    names = [".generated.new-abc/x.yml", ".generated.old/x.yml", ".obsgate-render.json", ".obsgate-render.lock",
             f".{COMPOSE}.obsgate-new"]
    out = subprocess.run(["git", "check-ignore", "--no-index", *names], cwd=ROOT, capture_output=True, text=True)
    assert sorted(out.stdout.split()) == sorted(names)
