"""`obsgate images build --local`: the images `--images local` runs, built here without a registry."""
from __future__ import annotations

import sys
import time

from ..runtime import StackError
from ..runtime import images
from ..runtime.docker import connect
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE

NAMES = ("base", "prometheus", "alertmanager", "ferretdb", "project")


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="images_command", metavar="ACTION")
    build = sub.add_parser("build", help="build the local images (cached by the key of their inputs)")
    build.add_argument("--local", action="store_true", required=True,
                       help="build from a debootstrap base and the pinned binaries (no registry needed)")
    build.add_argument("--only", action="append", choices=NAMES[1:], help="build only this image (and the base)")
    sub.add_parser("list", help="the local image references and whether the engine has them")


def run(args) -> int:
    if args.images_command not in ("build", "list"):
        print("error: say `obsgate images build --local` or `obsgate images list`", file=sys.stderr)
        return EXIT_USAGE
    try:
        client = connect()
        if args.images_command == "list":
            absent = set(images.missing(client, args.root))
            for name, ref in images.local_refs(args.root).items():
                print(f"{name:<13} {ref:<36} {'missing' if ref in absent else 'present'}")
            return EXIT_OK
        t0 = time.monotonic()
        built = images.build_local(client, args.root, only=tuple(args.only or ()))
    except StackError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_PROBLEMS
    for b in built:
        print(b.line())
    fresh = [b.name for b in built if b.action == "built"]
    print(f"images: {len(fresh)} built, {len(built) - len(fresh)} cached, in {time.monotonic() - t0:.1f}s")
    return EXIT_OK
