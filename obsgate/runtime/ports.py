"""Is a port free on 127.0.0.1, and if not, which process holds it (from /proc/net/tcp and /proc/*/fd)."""
from __future__ import annotations

import errno
import os
import socket
from pathlib import Path

LISTEN = "0A"


def in_use(port: int, host: str = "127.0.0.1") -> bool:
    """True when binding fails the way a server's bind would (SO_REUSEADDR set, as Go servers do)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    finally:
        sock.close()
    return False


def _listening_inodes(port: int, proc: Path) -> set[str]:
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 10:
                continue
            local, state, inode = fields[1], fields[3], fields[9]
            if state == LISTEN and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def holder(port: int, proc: Path = Path("/proc")) -> str:
    """`pid 123 (prometheus --config.file=...)`, or "" when /proc does not tell (other user, no procfs)."""
    inodes = _listening_inodes(port, proc)
    if not inodes:
        return ""
    wanted = {f"socket:[{i}]" for i in inodes}
    for pid_dir in proc.iterdir():
        if not pid_dir.name.isdigit():
            continue
        try:
            fds = list((pid_dir / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in wanted:
                    return f"pid {pid_dir.name} ({command_line(int(pid_dir.name), proc)})"
            except OSError:
                continue
    return ""


def command_line(pid: int, proc: Path = Path("/proc")) -> str:
    try:
        raw = (proc / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    text = " ".join(part.decode(errors="replace") for part in raw.split(b"\0") if part)
    return text if len(text) <= 120 else text[:117] + "..."
