"""Local processes: started in their own process group, identified by pid + start time, stopped as a group."""
from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Proc:
    """A started process; `start` (clock ticks since boot) tells it apart from a later one reusing the pid."""

    pid: int
    start: int

    def as_dict(self) -> dict:
        return {"pid": self.pid, "start": self.start}


def start_time(pid: int) -> int:
    """Field 22 of /proc/<pid>/stat, or 0 when the process is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[19])


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def alive(proc: Proc) -> bool:
    """Running (not a zombie) and still the process we started."""
    if proc.pid <= 0:
        return False
    _reap(proc.pid)
    state = _state(proc.pid)
    return bool(state) and state != "Z" and start_time(proc.pid) == proc.start


_CHILDREN: dict[int, subprocess.Popen] = {}


def _reap(pid: int) -> None:
    """Collect our own exited child so it does not linger as a zombie (no-op for others' processes)."""
    popen = _CHILDREN.get(pid)
    if popen is not None and popen.poll() is not None:
        _CHILDREN.pop(pid, None)


def spawn(cmd: list[str], log: Path, cwd: Path, env: dict[str, str]) -> Proc:
    """Start `cmd` in a new session (its own process group), stdout+stderr appended to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        out.write(f"--- {time.strftime('%Y-%m-%dT%H:%M:%S')} starting: {' '.join(cmd)}\n".encode())
        out.flush()
        popen = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd,
                                 env=env, start_new_session=True, close_fds=True)
    _CHILDREN[popen.pid] = popen  # kept so that exits are collected (no zombies) while this process lives
    return Proc(popen.pid, start_time(popen.pid))


def group_members(pgid: int) -> list[int]:
    """Every live pid whose process group is `pgid` (the service and any children it forked)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def under(directory: Path, proc_root: Path = Path("/proc")) -> list[Proc]:
    """Live processes whose working directory is inside `directory` (the services of a run: each is
    started with cwd .run/<service>/), so that processes a lost state file no longer lists are found."""
    base = os.path.realpath(directory)
    found = []
    for entry in proc_root.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
        except OSError:
            continue
        if cwd == base or cwd.startswith(base + os.sep):
            pid = int(entry.name)
            if _state(pid) not in ("", "Z"):
                found.append(Proc(pid, start_time(pid)))
    return found


def stop_found(found: list[Proc], grace: float = 5.0) -> list[int]:
    """Stop processes found by `under` (leaders with their group, others alone); pids still alive."""
    live = [p for p in found if alive(p)]
    for p in live:
        try:
            if os.getpgid(p.pid) == p.pid:
                _signal_group(p.pid, signal.SIGTERM)
            else:
                os.kill(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(p) for p in live):
        time.sleep(0.05)
    for p in live:
        if alive(p):
            try:
                os.kill(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and any(alive(p) for p in live):
        time.sleep(0.05)
    return [p.pid for p in live if alive(p)]


def stop(proc: Proc, grace: float = 5.0) -> list[int]:
    """SIGTERM the process group, SIGKILL what is left after `grace` s; returns pids still alive (empty = ok)."""
    return stop_all({"": proc}, grace).get("", [])


def stop_all(group: dict[str, Proc], grace: float = 8.0) -> dict[str, list[int]]:
    """Stop several process groups at once (SIGTERM all, wait, SIGKILL the rest); {name: pids left}."""
    live = {name: p for name, p in group.items() if alive(p)}
    for p in live.values():
        _signal_group(p.pid, signal.SIGTERM)  # start_new_session made the leader's pid the group id

    def remaining() -> dict[str, list[int]]:
        out = {}
        for name, p in live.items():
            _reap(p.pid)
            pids = ([p.pid] if alive(p) else []) + [m for m in group_members(p.pid) if m != p.pid]
            if pids:
                out[name] = pids
        return out

    deadline = time.monotonic() + grace
    left = remaining()
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = remaining()
    for name in left:
        _signal_group(live[name].pid, signal.SIGKILL)
    deadline = time.monotonic() + 3.0
    while left and time.monotonic() < deadline:
        time.sleep(0.05)
        left = remaining()
    return left


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass
