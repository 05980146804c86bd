"""`obsgate doctor [--format json]`: which external tools are there, which version, from where, and
which of obsgate's own modules stand in for the tools the build leaves out (Loki, lokitool).

Exit 1 when a tool `obsgate validate` needs is missing, so CI fails before the gate runs half-blind.
"""
from __future__ import annotations

import importlib
import json

from .. import __version__, tools
from .common import EXIT_OK, EXIT_PROBLEMS


def add_arguments(parser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")


def report(root) -> dict:
    """Everything doctor knows, as one JSON-ready dict (the text form prints the same data)."""
    found = tools.find_all(root)
    engine = tools.docker_engine()
    missing = [t.name for t in found if t.name in tools.REQUIRED_BY_VALIDATE and not t.found]
    return {
        "tools": [t.as_dict() for t in found],
        "docker": engine,
        "notes": {t.name: tools.UNOBTAINABLE[t.name] for t in found if t.name in tools.UNOBTAINABLE and not t.found},
        "missing_for_validate": missing,
        "stand_ins": [stand_in(s) for s in tools.STAND_INS],
    }


def stand_in(s: tools.StandIn) -> dict:
    """The stand-in, and whether its module imports here (it is part of obsgate, so it should)."""
    try:
        importlib.import_module(s.module)
        error = ""
    except Exception as exc:  # doctor reports any failure to import; it must not crash on one
        error = f"{type(exc).__name__}: {exc}"
    return {**s.as_dict(), "ok": not error, "version": __version__, "error": error}


def run(args) -> int:
    data = report(args.root)
    if args.format == "json":
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(render_text(data))
    broken = any(not s["ok"] for s in data["stand_ins"])
    return EXIT_PROBLEMS if data["missing_for_validate"] or broken else EXIT_OK


def render_text(data: dict) -> str:
    header = ("TOOL", "FOUND", "VERSION", "PINNED", "SOURCE", "PATH")
    rows = [header]
    for t in data["tools"]:
        rows.append((t["name"], "yes" if t["found"] else "no", t["version"] or "-", t["pinned"] or "-",
                     t["source"] or "-", t["path"] or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)) + "  " + r[-1] for r in rows]
    lines = ["external tools (.tools/bin first, then PATH; pinned versions from tools/versions.toml)"] + [
        line.rstrip() for line in lines]
    for t in data["tools"]:
        if t["found"] and t["pinned"] and t["version"] != t["pinned"]:
            lines.append(f"warning: {t['name']} {t['version'] or '(unknown version)'} from {t['source']} is not the "
                         f"pinned {t['pinned']}; run `make tools`")
    lines.append("")
    lines.append("not built (AGPL-3.0), and what stands in for them:")
    for s in data["stand_ins"]:
        state = f"ok ({s['module']} {s['version']})" if s["ok"] else f"error: {s['module']} does not import: {s['error']}"
        lines.append(f"  {s['replaces']}: {s['by']}: {state}; {s['does']}")
    lines.append("")
    for name, why in data["notes"].items():
        lines.append(f"{name}: {why}")
    engine = data["docker"]
    if engine["reachable"]:
        lines.append(f"docker engine: reachable (API {engine['api_version']}); the docker runtime can run")
    else:
        lines.append(f"docker engine: not reachable ({engine['error']}); use the native runtime")
    if data["missing_for_validate"]:
        lines.append("error: `obsgate validate` needs " + ", ".join(data["missing_for_validate"])
                     + "; run `make tools` (builds the pinned versions into .tools/bin)")
    else:
        lines.append("ok: every tool `obsgate validate` needs is installed")
    return "\n".join(lines)
