"""Find the external tools obsgate runs: pinned builds in .tools/bin first, then Debian's, then PATH.

Every wrapper (validate, loki-test, the native runtime) and `obsgate doctor` resolve tools here, so
that all of them agree on which binary and which version is in use.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

# name -> the section of tools/versions.toml that pins it ("" = not pinned there).
TOOLS: dict[str, str] = {
    "prometheus": "prometheus",
    "promtool": "prometheus",
    "alertmanager": "alertmanager",
    "amtool": "alertmanager",
    "ferretdb": "ferretdb",
    "actionlint": "actionlint",
    "sloth": "sloth",
    "pint": "",
    "dashboard-linter": "",
    "grafana": "",
}

# Tools `obsgate validate` cannot do without; doctor exits 1 when one is missing.
REQUIRED_BY_VALIDATE = ("promtool", "amtool")


@dataclass(frozen=True)
class StandIn:
    """obsgate's own code doing the job of a tool the build leaves out (Loki and lokitool are AGPL-3.0)."""

    replaces: str
    by: str
    module: str  # what `obsgate doctor` imports to show that it is there
    does: str

    def as_dict(self) -> dict:
        return {"replaces": self.replaces, "by": self.by, "module": self.module, "does": self.does}


STAND_INS: tuple[StandIn, ...] = (
    StandIn("lokitool", "obsgate's LogQL engine", "obsgate.logql",
            "parses and checks every Loki rule, LogQL panel and runbook query (`obsgate validate`) and runs the "
            "Loki rule unit tests (`obsgate loki-test`), in process, with no binary"),
    StandIn("loki", "obsgate's log store, a Loki-API-compatible stand-in for machines without Loki, not Loki",
            "obsgate.sim.logstore",
            "serves Loki's push, query and ruler API as the native runtime's `loki` service "
            "(python -m obsgate.sim.logstore); under docker the official grafana/loki image runs"),
)

# Why a tool is absent on machines that can only reach the package registries (shown by doctor).
UNOBTAINABLE: dict[str, str] = {
    "pint": "not obtainable from the registries this project reaches: proxy.golang.org answers 403 for "
            "github.com/cloudflare/pint and no Debian, PyPI or npm package ships it",
    "dashboard-linter": "not obtainable from the registries this project reaches: proxy.golang.org answers 403 "
                        "for github.com/grafana/dashboard-linter and no Debian, PyPI or npm package ships it",
    "grafana": "Grafana runs only in the docker runtime: no Grafana server binary can be had from the package "
               "registries (release archives and images are out of reach, a source build needs its frontend "
               "toolchain); dashboards are covered by schema checks and live panel queries instead",
}

# How to ask each tool for its version; the default is `--version`.
VERSION_ARGS: dict[str, tuple[str, ...]] = {"pint": ("version",), "sloth": ("version",)}

# "promtool, version 3.5.1 (...)", "version: v1.24.0" (ferretdb), "1.7.12" (actionlint), "Version 11.2.0".
_VERSION_RE = re.compile(r"(?:version[:\s]+v?|^v?)(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.\-]+)?)", re.I | re.M)

SOURCES = ("built", "debian", "PATH")


@dataclass(frozen=True)
class ToolInfo:
    name: str
    found: bool
    version: str = ""
    path: str = ""
    source: str = ""  # "built" (.tools/bin), "debian" (a dpkg package's file) or "PATH"
    pinned: str = ""  # the release tools/versions.toml pins, "" for tools it does not pin

    def as_dict(self) -> dict:
        return {"name": self.name, "found": self.found, "version": self.version, "path": self.path,
                "source": self.source, "pinned": self.pinned}


def bin_dir(root: Path) -> Path:
    return Path(root).resolve() / ".tools" / "bin"


def pinned(root: Path) -> dict[str, str]:
    """Tool name -> pinned release from tools/versions.toml ({} when the file is absent)."""
    path = Path(root) / "tools" / "versions.toml"
    if not path.is_file():
        return {}
    sections = tomllib.loads(path.read_text())
    return {name: sections[sec]["release"] for name, sec in TOOLS.items() if sec in sections}


def find(name: str, root: Path, path_env: str | None = None) -> ToolInfo:
    """Locate `name`: <root>/.tools/bin, then PATH (`path_env`, default $PATH). Runs it once for its version."""
    pin = pinned(root).get(name, "")
    built = bin_dir(root) / name
    if built.is_file() and os.access(built, os.X_OK):
        path, source = str(built), "built"
    else:
        hit = shutil.which(name, path=os.environ.get("PATH", "") if path_env is None else path_env)
        if hit is None:
            return ToolInfo(name, False, pinned=pin)
        path = hit
        owned = _dpkg_owner(hit) or _dpkg_owner(str(Path(hit).resolve()))
        source = "debian" if owned else "PATH"
    return ToolInfo(name, True, version(name, path), path, source, pin)


def find_all(root: Path, path_env: str | None = None) -> list[ToolInfo]:
    return [find(name, root, path_env) for name in TOOLS]


def require(name: str, root: Path) -> str | None:
    """The path to run `name` by, or None when it is not installed (callers report a skip or exit 2)."""
    info = find(name, root)
    return info.path if info.found else None


def version(name: str, path: str) -> str:
    """The version the binary reports ("" if it reports none); cached per binary and mtime."""
    try:
        mtime = os.stat(path).st_mtime_ns
    except OSError:
        return ""
    return _version_cached(name, path, mtime)


@functools.lru_cache(maxsize=64)
def _version_cached(name: str, path: str, _mtime: int) -> str:
    args = VERSION_ARGS.get(name, ("--version",))
    try:
        proc = subprocess.run([path, *args], capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return parse_version(proc.stdout + "\n" + proc.stderr)


def parse_version(text: str) -> str:
    """The first version number in a tool's --version output ("promtool, version 3.5.1 ..." -> "3.5.1")."""
    m = _VERSION_RE.search(text)
    return m.group(1) if m else ""


def _dpkg_owner(path: str) -> str:
    """The Debian package that installed `path`, or "" (also when dpkg is absent).

    With merged /usr, dpkg may list a file under /bin while PATH finds it under /usr/bin: ask for both.
    """
    if not path.startswith(("/usr/", "/bin/", "/sbin/")) or shutil.which("dpkg-query") is None:
        return ""
    candidates = [path]
    for merged, legacy in (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/")):
        if path.startswith(merged):
            candidates.append(legacy + path[len(merged):])
        elif path.startswith(legacy):
            candidates.append(merged + path[len(legacy):])
    try:
        proc = subprocess.run(["dpkg-query", "-S", *candidates], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    owners = [line.split(":", 1)[0].strip() for line in proc.stdout.splitlines() if ":" in line]
    return owners[0] if owners else ""


def docker_engine(timeout: float = 2.0) -> dict:
    """Whether a Docker engine answers (docker SDK ping, honouring DOCKER_HOST); never raises."""
    try:
        import docker

        client = docker.from_env(timeout=timeout)
        try:
            client.ping()
            api = client.api.api_version
        finally:
            client.close()
    except Exception as exc:  # the SDK raises several types for "no engine"; all mean the same here
        return {"reachable": False, "api_version": "", "error": _first_line(str(exc)) or type(exc).__name__}
    return {"reachable": True, "api_version": api, "error": ""}


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""
