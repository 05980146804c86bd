#!/usr/bin/env python3
"""Run a command with a Docker engine for the docker live tests (the `make test` wrapper).

    python3 scripts/docker_engine.py run -- <command ...>

1. An engine that already answers (DOCKER_HOST, or the default socket) is used as is.
2. Else, as root on Linux with Debian's packages reachable, Debian's `docker.io` is installed when
   `dockerd` is missing (and `debootstrap`, which `--images local` makes its base image with), and a
   PRIVATE dockerd is started: its own data root, exec root, pid file
   and socket, so a system engine is never touched. It is stopped when the command ends (also on
   SIGINT/SIGTERM), and only that daemon: the pid this script started.
3. Else the command runs without an engine, and OBSGATE_DOCKER_UNAVAILABLE carries the reason, which
   the docker live tests report as their skip reason.
The command's exit code is returned. Stdlib only: it runs before the venv matters.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

SOCKET = Path(os.environ.get("OBSGATE_DOCKER_SOCKET", "/run/obsgate-docker.sock"))
DATA_ROOT = Path(os.environ.get("OBSGATE_DOCKER_DATA_ROOT", "/var/lib/obsgate-docker"))
EXEC_ROOT = Path("/run/obsgate-docker/exec")
PIDFILE = Path("/run/obsgate-docker/dockerd.pid")
LOG = Path("/run/obsgate-docker/dockerd.log")
UNAVAILABLE = "OBSGATE_DOCKER_UNAVAILABLE"
START_TIMEOUT = 60.0


def say(msg: str) -> None:
    print(f"docker-engine: {msg}", file=sys.stderr, flush=True)


def ping(host: str, timeout: float = 2.0) -> bool:
    """True when the engine at `host` (unix:///path or the default) answers GET /_ping with OK."""
    path = host[len("unix://"):] if host.startswith("unix://") else ""
    if host and not path:  # tcp:// or ssh://: let the docker CLI judge
        cli = shutil.which("docker")
        return bool(cli) and subprocess.run([cli, "-H", host, "version"], capture_output=True,
                                            timeout=timeout * 5).returncode == 0
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(path or "/var/run/docker.sock")
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            data = sock.recv(4096)
    except OSError:
        return False
    return data.startswith(b"HTTP/1.") and b" 200 " in data.split(b"\r\n", 1)[0] + b" "


def existing_engine() -> str | None:
    """The DOCKER_HOST (or "" for the default socket) of an engine that answers, else None."""
    host = os.environ.get("DOCKER_HOST", "")
    return host if ping(host) else None


def why_no_private_engine() -> str:
    """"" when a private dockerd can be had here, else the reason."""
    if not sys.platform.startswith("linux"):
        return f"no Docker engine answers and this is {sys.platform}, not Linux: start Docker and rerun"
    if os.geteuid() != 0:
        return "no Docker engine answers and this process is not root (a private dockerd needs root): start Docker"
    if shutil.which("dockerd") is None and shutil.which("apt-get") is None:
        return "no Docker engine answers, no dockerd is installed and apt-get is missing (not Debian)"
    return ""


def missing_packages() -> list[str]:
    """Debian packages the private engine and the local images need that are not installed."""
    need = []
    if shutil.which("dockerd") is None:
        need += ["docker.io", "iptables"]
    if shutil.which("debootstrap") is None and not Path("/usr/sbin/debootstrap").exists():
        need.append("debootstrap")
    return need


def install(packages: list[str]) -> str:
    """Install Debian's packages; "" on success, else the reason."""
    say(f"installing Debian's {', '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "--no-install-recommends",
                                               *packages]):
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            tail = " | ".join(proc.stdout.strip().splitlines()[-3:])
            return f"`{' '.join(cmd)}` failed (exit {proc.returncode}): {tail}"
    return "" if shutil.which("dockerd") else "docker.io installed but no dockerd on PATH"


def start_private() -> tuple[subprocess.Popen | None, str]:
    """(the dockerd process, "") or (None, reason)."""
    if SOCKET.exists() and not ping(f"unix://{SOCKET}"):
        SOCKET.unlink()  # a stale socket of a daemon that died; nothing answers on it
    if SOCKET.exists():
        return None, (f"{SOCKET} answers but DOCKER_HOST does not point at it: another run's private engine; "
                      f"not reusing or stopping it")
    for d in (DATA_ROOT, EXEC_ROOT, PIDFILE.parent):
        d.mkdir(parents=True, exist_ok=True)
    cmd = [shutil.which("dockerd") or "dockerd", "--data-root", str(DATA_ROOT), "--exec-root", str(EXEC_ROOT),
           "--pidfile", str(PIDFILE), "-H", f"unix://{SOCKET}", "--storage-driver", "overlay2"]
    log = open(LOG, "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return None, f"dockerd exited with {proc.returncode} before answering: {last_lines(LOG)}"
        if ping(f"unix://{SOCKET}", timeout=1.0):
            return proc, ""
        time.sleep(0.2)
    stop_private(proc)
    return None, f"dockerd did not answer on {SOCKET} within {START_TIMEOUT:.0f}s: {last_lines(LOG)}"


def stop_private(proc: subprocess.Popen) -> None:
    """SIGTERM the daemon this script started (it stops its containers and its containerd), then wait."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=45)
    except subprocess.TimeoutExpired:
        say(f"dockerd (pid {proc.pid}) ignored SIGTERM for 45s; killing it")
        proc.kill()
        proc.wait(timeout=10)
    say(f"stopped the private dockerd (pid {proc.pid})")


def last_lines(path: Path, n: int = 3) -> str:
    try:
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-n:])
    except OSError:
        return "(no log)"


def run(command: list[str]) -> int:
    env = dict(os.environ)
    env.pop(UNAVAILABLE, None)
    daemon = None
    host = existing_engine()
    if host is not None:
        say(f"using the engine that answers at {host or 'the default socket'}")
    else:
        reason = why_no_private_engine()
        if not reason and missing_packages() and shutil.which("apt-get"):
            reason = install(missing_packages())
        if not reason:
            t0 = time.monotonic()
            daemon, reason = start_private()
            if daemon:
                env["DOCKER_HOST"] = f"unix://{SOCKET}"
                say(f"started a private dockerd (pid {daemon.pid}, data root {DATA_ROOT}, socket {SOCKET}) "
                    f"in {time.monotonic() - t0:.1f}s")
        if reason:
            env[UNAVAILABLE] = reason
            say(f"no engine: {reason}; the docker live tests will be skipped with this reason")
    stop = {"signal": 0}

    def forward(signum, _frame):
        stop["signal"] = signum
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    child = None
    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        child = subprocess.Popen(command, env=env)
        while True:
            try:
                rc = child.wait()
                break
            except KeyboardInterrupt:
                continue
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if daemon is not None:
            stop_private(daemon)
    return rc if rc >= 0 else 128 - rc


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "run" or "--" not in argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    command = argv[argv.index("--") + 1:]
    if not command:
        print("docker-engine: no command after --", file=sys.stderr)
        return 2
    return run(command)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
