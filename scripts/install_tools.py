#!/usr/bin/env python3
"""Build the pinned external tools into .tools/bin (the `make tools` target).

Each tool is built from its own Go module under tools/<name>/ so that its dependency
versions stay independent; versions come from tools/versions.toml only. A tool whose stamp
matches its pinned version is skipped, so a warm run is a no-op. Modules are downloaded before
anything asks for their directory, so empty GOMODCACHE and GOCACHE work. Without Go, it falls back
to Debian's packages where they exist and says which version that gives.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ROOT / "tools" / "versions.toml"
BIN = ROOT / ".tools" / "bin"
STAMPS = ROOT / ".tools" / "stamps"
TAIL_LINES = 20


class StepFailed(Exception):
    """A go command failed: names the tool, the step, the command and its last output lines."""

    def __init__(self, tool: str, step: str, cmd: list[str], rc: int, output: str):
        tail = "\n".join(output.rstrip().splitlines()[-TAIL_LINES:])
        super().__init__(f"tools: {tool}: {step} failed (exit {rc})\n  command: {' '.join(cmd)}\n"
                         f"  last lines:\n" + "\n".join("    " + line for line in tail.splitlines()))


def stamp_text(spec: dict) -> str:
    """What a finished build records; any change to the pin forces a rebuild."""
    return f"{spec['module']}@{spec['version']} {' '.join(spec['packages'])}\n"


def binaries(spec: dict) -> list[Path]:
    return [BIN / Path(p).name for p in spec["packages"]]


def is_current(name: str, spec: dict) -> bool:
    stamp = STAMPS / name
    return stamp.is_file() and stamp.read_text() == stamp_text(spec) and all(b.is_file() for b in binaries(spec))


def go(tool: str, step: str, args: list[str], cwd: Path, env: dict) -> str:
    """Run one go command; its output is echoed through and returned, and a failure raises StepFailed."""
    cmd = ["go", *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise StepFailed(tool, step, cmd, proc.returncode, proc.stdout)
    return proc.stdout


def build(name: str, spec: dict) -> float:
    started = time.monotonic()
    env = dict(os.environ)
    if spec.get("nosumdb"):
        env["GONOSUMDB"] = ",".join(spec["nosumdb"])
    tools_dir = ROOT / "tools" / name
    print(f"tools: building {name} {spec['release']} ({', '.join(b.name for b in binaries(spec))}) ...", flush=True)
    modfile: list[str] = []
    if spec.get("generated_files"):
        modfile = ["-modfile", str(patched_source(name, spec, tools_dir, env))]
    ldflags = "-s -w"
    if spec.get("version_var"):
        ldflags += f" -X {spec['version_var']}={spec['release']}"
    pkgs = [f"{spec['module']}/{p}" for p in spec["packages"]]
    go(name, "build", ["build", *modfile, "-trimpath", "-ldflags", ldflags, "-o", str(BIN) + "/", *pkgs],
       tools_dir, env)
    (STAMPS / name).write_text(stamp_text(spec))
    took = time.monotonic() - started
    print(f"tools: built {name} in {took:.1f}s", flush=True)
    return took


def module_dir(name: str, spec: dict, tools_dir: Path, env: dict) -> Path:
    """Download the pinned module (a no-op when cached) and return its directory in the module cache."""
    out = go(name, "download the module source", ["mod", "download", "-json", f"{spec['module']}@{spec['version']}"],
             tools_dir, env)
    try:
        src = json.loads(out).get("Dir", "")
    except json.JSONDecodeError:
        src = ""
    if not src or not Path(src).is_dir():
        raise StepFailed(name, "locate the module source", ["go", "mod", "download", "-json", spec["module"]], 0,
                         f"no module directory in the output:\n{out}")
    return Path(src)


def patched_source(name: str, spec: dict, tools_dir: Path, env: dict) -> Path:
    """Copy the module's source and add files its release process generates (not in the module zip).

    Returns a go.mod beside the copy that replaces the module with it; go.sum comes along unchanged.
    """
    src_dir = module_dir(name, spec, tools_dir, env)
    dest = ROOT / ".tools" / "src" / name
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src_dir, dest)
    for dirpath, _, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    for rel, content in spec["generated_files"].items():
        (dest / rel).write_text(content + "\n")
    modfile = ROOT / ".tools" / "src" / f"{name}.mod"
    modfile.write_text((tools_dir / "go.mod").read_text() + f"\nreplace {spec['module']} => {dest}\n")
    shutil.copyfile(tools_dir / "go.sum", modfile.with_suffix(".sum"))
    return modfile


def debian_fallback(specs: dict) -> int:
    """No Go: install Debian's packages (older versions) where they exist and say so."""
    wanted = sorted({s["debian"] for s in specs.values() if s.get("debian")})
    print("tools: no Go toolchain found; falling back to Debian packages: " + ", ".join(wanted), flush=True)
    if os.geteuid() != 0:
        print("tools: not root; run: sudo apt-get install -y " + " ".join(wanted), file=sys.stderr)
        return 1
    subprocess.run(["apt-get", "update", "-q"], check=False)
    rc = subprocess.run(["apt-get", "install", "-y", "-q", *wanted]).returncode
    for pkg in wanted:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
        print(f"tools: using Debian {pkg} {out.stdout.strip() or 'not installed'} (not the pinned version)")
    return rc


def main(argv: list[str]) -> int:
    specs = tomllib.loads(VERSIONS.read_text())
    only = set(argv[1:])
    if only - set(specs):
        print(f"tools: unknown tool(s) {sorted(only - set(specs))}; known: {sorted(specs)}", file=sys.stderr)
        return 2
    selected = {n: s for n, s in specs.items() if not only or n in only}
    todo = {n: s for n, s in selected.items() if not is_current(n, s)}
    if not todo:
        return 0
    if shutil.which("go") is None and Path("/usr/local/go/bin/go").is_file():
        # the official Go install location, when a minimal environment leaves it off PATH
        os.environ["PATH"] = f"/usr/local/go/bin{os.pathsep}{os.environ.get('PATH', '')}"
    if shutil.which("go") is None:
        return debian_fallback(todo)
    BIN.mkdir(parents=True, exist_ok=True)
    STAMPS.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    timings = {}
    try:
        for name, spec in todo.items():
            timings[name] = build(name, spec)
    except StepFailed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    total = time.monotonic() - started
    print("tools: " + ", ".join(f"{n} {t:.0f}s" for n, t in timings.items()) + f"; total {total:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
