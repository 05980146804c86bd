"""External tools' results per file, reused while the file, the files it reads and the tool are unchanged.

A file's entry is keyed by the tool's identity, obsgate's code, the command, the file's bytes and the
bytes of every file it reads (a test file's rule_files). Results that name a file outside the batch are
never stored (they cannot be put on one file's entry); a file the tool broke on is never stored either.
"""
from __future__ import annotations

import dataclasses
import glob
import json
from pathlib import Path

from .. import cache

SPACE = "tools"
# what turns a tool's output into the cached results: the wrappers and this module (other obsgate code
# changes nothing in them, so it does not invalidate them)
SHAPING = ("wrappers", "validate/toolcache.py")


def _code() -> str:
    return cache.code_version(*SHAPING)


def rule_files(f) -> list[Path]:
    """The rule files a promtool test file loads (its rule_files globs, relative to its directory)."""
    entries = f.data.get("rule_files") if isinstance(f.data, dict) else None
    base = Path(f.disk).parent
    found: set[Path] = set()
    for pattern in entries or []:
        if isinstance(pattern, str):
            found.update(Path(p) for p in glob.glob(str(base / pattern)))
    return sorted(found)


def per_file(ctx, command: str, tool_path: str, args: list[str], by_arg: dict, run, kind, reads=lambda f: []):
    """`run(args) -> (results, failed)` for the files whose entries miss; every result has a `.file` that
    is its argument. Returns (cached results + fresh ones in argument order, failed)."""
    store = cache.store(ctx.root)
    if store is None:
        return run(args)
    ident = cache.digest(cache.tool_identity(tool_path), _code(), command)
    keys = {}
    for a in args:
        f = by_arg[a]
        deps = [p.read_bytes() for p in reads(f)]
        keys[a] = cache.digest(ident, a, f.text, *deps)
    hits = {}
    for a in args:
        raw = store.get(SPACE, keys[a])
        if raw is not None:
            try:
                hits[a] = [kind(**d) for d in json.loads(raw)]
            except (ValueError, TypeError):
                pass
    misses = [a for a in args if a not in hits]
    fresh, failed = run(misses) if misses else ([], [])
    mine = {a: [] for a in misses}
    if all(r.file in mine for r in fresh):
        for r in fresh:
            mine[r.file].append(r)
        broke = {a for a, _ in failed}
        for a in misses:
            if a not in broke:
                store.put(SPACE, keys[a], json.dumps([dataclasses.asdict(r) for r in mine[a]]).encode())
    return [r for a in args if a in hits for r in hits[a]] + list(fresh), failed


def memo(ctx, command: str, tool_path: str, arg: str, f, extra: str, compute):
    """One tool answer about one file (`compute()`, JSON-able), reused while the tool, the file and `extra`
    (e.g. the labels asked about) are unchanged. A ToolError is raised as before and never stored."""
    store = cache.store(ctx.root)
    if store is None:
        return compute()
    key = cache.digest(cache.tool_identity(tool_path), _code(), command, arg, f.text, extra)
    raw = store.get(SPACE, key)
    if raw is not None:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    value = compute()
    store.put(SPACE, key, json.dumps(value).encode())
    return value
