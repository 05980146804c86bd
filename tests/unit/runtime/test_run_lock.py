"""One `up`/`ci`/`down` per project: the run-directory lock, and finding a killed run's processes."""
from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from obsgate.runtime import procs
from obsgate.runtime.layout import Layout, StackBusy

HOLD = """
import sys, time
from pathlib import Path
from obsgate.runtime.layout import Layout
with Layout(Path(sys.argv[1])).lock("ci"):
    print("locked", flush=True)
    time.sleep(60)
"""


def test_a_second_run_is_refused_at_once_naming_the_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with pytest.raises(StackBusy, match=rf"`obsgate ci` \(pid {holder.pid}\)"):
            with Layout(tmp_path).lock("up"):
                pass
        assert time.monotonic() - t0 < 0.5
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with Layout(tmp_path).lock("up"):  # a SIGKILLed holder's lock is gone with it
        assert "`obsgate up`" in (tmp_path / ".run" / "lock").read_text()


def test_processes_started_in_the_run_directory_are_found_and_stopped(tmp_path):
    run = tmp_path / ".run" / "svc"
    run.mkdir(parents=True)
    leader = subprocess.Popen(["sleep", "60"], cwd=run, start_new_session=True)
    other = subprocess.Popen(["sleep", "60"], cwd=tmp_path)  # not of the run directory
    try:
        found = procs.under(tmp_path / ".run")
        assert [p.pid for p in found] == [leader.pid]
        assert procs.stop_found(found) == []
        leader.wait(timeout=5)
        assert procs.under(tmp_path / ".run") == []
        assert other.poll() is None
    finally:
        for p in (leader, other):
            p.kill()
            p.wait()
