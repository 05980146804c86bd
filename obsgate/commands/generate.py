"""`obsgate generate [--check]`: write generated/, or exit 1 with a unified diff on drift."""
from __future__ import annotations

import json
import sys

from .. import cache, render
from ..generate import generate
from ..load import PACKAGES
from ..model import DefinitionError
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_or_report


def add_arguments(parser) -> None:
    parser.add_argument("--check", action="store_true", help="exit 1 and print a diff if generated/ is out of date")


def produce(root):
    """Load and render everything in memory; nothing is written before this succeeds."""
    project = load_or_report(root)
    try:
        docs = generate(project)
    except DefinitionError as exc:
        print(f"{exc.source}: error: {exc.message}", file=sys.stderr)
        raise BadInput() from None
    except ValueError as exc:
        print(f"{root.name}: error: {exc}", file=sys.stderr)
        raise BadInput() from None
    return project, render.render_all(docs)


# the libraries whose behaviour shapes the bytes (a new version is a cache miss)
_SHAPING = ("pyyaml", "orjson", "gojsonnet", "jinja2", "grafanalib", "promql-parser")


def sources_key(root) -> str:
    """Every byte generate reads: the definition folders and vendor/ (all files: .py, .jsonnet, .libsonnet,
    ...), obsgate's code and the shaping libraries' versions. A definition that reads other files or the
    environment is not seen: run `obsgate --no-cache generate` then."""
    from importlib.metadata import version

    parts: list = [cache.code_version(), *(f"{d}={version(d)}" for d in _SHAPING)]
    for folder in (*PACKAGES, "vendor"):
        for path in sorted((root / folder).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return cache.digest(*parts)


def _pack(outputs: dict[str, bytes]) -> bytes:
    head = json.dumps([[path, len(data)] for path, data in outputs.items()]).encode()
    return b"".join([len(head).to_bytes(8, "little"), head, *outputs.values()])


def _unpack(blob: bytes) -> dict[str, bytes] | None:
    try:
        size = int.from_bytes(blob[:8], "little")
        out, at = {}, 8 + size
        for path, length in json.loads(blob[8:at]):
            out[path] = blob[at:at + length]
            at += length
        return out if at == len(blob) else None
    except (ValueError, TypeError):
        return None


def cached_outputs(root) -> dict[str, bytes]:
    """produce()'s outputs, from the cache when no source byte changed since a run that stored them."""
    store = cache.store(root)
    key = sources_key(root) if store is not None else ""
    blob = store.get("generate", key) if store is not None else None
    outputs = _unpack(blob) if blob is not None else None
    if outputs is None:
        _, outputs = produce(root)
        if store is not None:
            store.put("generate", key, _pack(outputs))
    return outputs


def run(args) -> int:
    try:
        outputs = cached_outputs(args.root)
    except BadInput:
        return EXIT_USAGE
    if args.check:
        delta = render.diff(args.root, outputs)
        if delta:
            sys.stdout.write(delta)
            print("generated files are out of date: run `obsgate generate` and commit the result", file=sys.stderr)
            return EXIT_PROBLEMS
        print(f"generated files are up to date ({len(outputs)} files)")
        return EXIT_OK
    changed = render.write(args.root, outputs)
    print(f"generated {len(outputs)} files ({len(changed)} changed)")
    return EXIT_OK
