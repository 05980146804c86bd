"""Where a live run keeps its files: .run/<service>/{data,<service>.log,pid}, configs, secrets, state."""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .base import StackError

RUN_DIR = ".run"


@dataclass(frozen=True)
class Layout:
    root: Path

    @property
    def run(self) -> Path:
        return self.root / RUN_DIR

    @property
    def config(self) -> Path:
        """Rendered configs; the generators' `generated/...` paths land below it."""
        return self.run / "config"

    @property
    def gen(self) -> Path:
        return self.config / "generated"

    @property
    def secrets(self) -> Path:
        return self.run / "secrets"

    @property
    def state_file(self) -> Path:
        return self.run / "state.json"

    def service_dir(self, name: str) -> Path:
        return self.run / name

    def data(self, name: str) -> Path:
        return self.service_dir(name) / "data"

    def log(self, name: str) -> Path:
        return self.service_dir(name) / f"{name}.log"

    def pid_file(self, name: str) -> Path:
        return self.service_dir(name) / "pid"

    @property
    def lock_file(self) -> Path:
        return self.run / "lock"

    @property
    def owner_file(self) -> Path:
        """Which `up`/`ci` process started the stack, and whether it finished starting it (owner.json)."""
        return self.run / "owner.json"

    @contextlib.contextmanager
    def lock(self, command: str):
        """One `up`, `ci` or `down` per project at a time: an exclusive flock on .run/lock, refused at
        once (never waited for) when another holds it. The kernel drops it when its holder dies."""
        self.run.mkdir(parents=True, exist_ok=True)
        fh = open(self.lock_file, "a+")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise StackBusy(f"another obsgate run holds this project's stack: {holder}",
                                hint="wait for it to finish (or stop it with Ctrl-C), then retry") from None
            fh.seek(0)
            fh.truncate()
            fh.write(f"`obsgate {command}` (pid {os.getpid()})\n")
            fh.flush()
            yield
        finally:
            fh.close()  # releases the lock

    def read_owner(self) -> dict:
        try:
            return json.loads(self.owner_file.read_text())
        except (OSError, ValueError):
            return {}

    def write_owner(self, owner: dict) -> None:
        self.run.mkdir(parents=True, exist_ok=True)
        tmp = self.owner_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(owner, sort_keys=True) + "\n")
        os.replace(tmp, self.owner_file)

    def read_state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def write_state(self, state: dict) -> None:
        self.run.mkdir(parents=True, exist_ok=True)
        tmp = self.state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, self.state_file)

    def clear_state(self) -> None:
        self.state_file.unlink(missing_ok=True)


class StackBusy(StackError):
    """Another `up`, `ci` or `down` of the same project is running."""


def write_private(path: Path, text: str, mode: int = 0o600) -> None:
    """Write a secret file that has `mode` from its first byte: created under a temporary name with
    that mode (never a moment at 0644), then renamed over the old file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)  # exactly `mode`, whatever the umask
        os.write(fd, text.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)


def tail(path: Path, lines: int = 20) -> str:
    """The last `lines` lines of a log file ("" when it does not exist yet)."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 64 * 1024))
            data = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(data.splitlines()[-lines:])
