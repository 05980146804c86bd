"""`obsgate generate [--check]`: write generated/, or exit 1 with a unified diff on drift."""
from __future__ import annotations

import sys

from .. import render
from ..generate import generate
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


def run(args) -> int:
    try:
        _, outputs = produce(args.root)
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
