"""`obsgate preview`: every generated dashboard drawn to PNG from the running stack's data, plus an index.

Each image is a preview drawn by obsgate from the live data, not Grafana's rendering; it works under
either runtime, with or without Grafana.
"""
from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path

from .. import render_preview
from ..preview import DISCLAIMER
from ..preview.timerange import TimeRangeError
from ..runtime.layout import Layout
from ..smoke import panel_data
from ..smoke.base import Context
from . import smoke as smoke_cmd
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_or_report

DASHBOARDS = "generated/grafana/dashboards"
CHANGED_ENV = "OBSGATE_CHANGED"  # a changed-paths file, for runs that cannot pass --changed (CI through make test)


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, help="directory for the PNGs and index.html (default .run/preview)")
    parser.add_argument("--changed", type=Path, metavar="FILE",
                        help="a file listing changed paths, one a line (e.g. `git diff --name-only`); the "
                             f"dashboards among them come first (default: the file ${CHANGED_ENV} names)")
    parser.add_argument("--summary", type=Path, help="append the previews' Markdown section here "
                                                     "(e.g. $GITHUB_STEP_SUMMARY)")


def changed_uids(listing: str) -> set[str]:
    """Dashboard uids named by changed paths (generated/grafana/dashboards/<uid>.json)."""
    out = set()
    for line in listing.splitlines():
        path = line.strip()
        if path.startswith(DASHBOARDS + "/") and path.endswith(".json"):
            out.add(Path(path).stem)
    return out


def changed_from(path: Path | None) -> set[str]:
    """The changed dashboards named by --changed, else by the file $OBSGATE_CHANGED names (absent: none)."""
    if path is None and os.environ.get(CHANGED_ENV):
        path = Path(os.environ[CHANGED_ENV])
    if path is None or not path.is_file():
        return set()
    return changed_uids(path.read_text())


def write_previews(ctx: Context, out: Path, changed: set[str] = frozenset(), summary: Path | None = None,
                   stream=sys.stdout) -> int:
    """Fetch, draw and write; prints what was drawn and the index page's path. Exit 1 if nothing was drawn."""
    t0 = time.monotonic()
    try:
        boards = panel_data.fetch(ctx)
    except TimeRangeError as exc:
        print(f"error: preview: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    t1 = time.monotonic()
    drawn = [render_preview.draw(b.board, b.data, b.window) for b in boards]
    t2 = time.monotonic()
    if not drawn:
        print("error: preview: 0 dashboards generated, nothing to draw\n  hint: add a dashboard under dashboards_src/",
              file=sys.stderr)
        return EXIT_PROBLEMS
    files = {d.uid: f"{DASHBOARDS}/{d.uid}.json" for d in drawn}
    page = render_preview.write(out, drawn, changed, files)
    if summary:
        summary.parent.mkdir(parents=True, exist_ok=True)
        with open(summary, "a") as fh:
            fh.write((out / "summary.md").read_text())
    types = Counter(p.type for d in drawn for p in d.panels if p.type != "row")
    empty = [(d.uid, p.title) for d in drawn for p in d.panels if p.status in ("no data", "error")]
    print(f"preview: {len(drawn)} dashboards, {sum(types.values())} panels ("
          + ", ".join(f"{n} {t}" for t, n in sorted(types.items())) + f"); {DISCLAIMER}", file=stream)
    for uid, title in empty:
        print(f"  no data: {uid} / {title}", file=stream)
    print(f"preview timings: fetch {t1 - t0:.1f}s, draw {t2 - t1:.1f}s, total {time.monotonic() - t0:.1f}s",
          file=stream)
    print(f"preview index: {page}", file=stream)
    return EXIT_OK


def run(args) -> int:
    try:
        project = load_or_report(args.root)
    except BadInput:
        return EXIT_USAGE
    if args.changed and not args.changed.is_file():
        print(f"{args.changed}:0: error: no such changed-files list\n  hint: write it with "
              "`git diff --name-only BASE HEAD > FILE`", file=sys.stderr)
        return EXIT_USAGE
    ctx = smoke_cmd.context(args.root, project)
    if ctx is None:
        print("error: no stack is running here (no .run/state.json with services)\n  hint: run `obsgate up` first",
              file=sys.stderr)
        return EXIT_PROBLEMS
    changed = changed_from(args.changed)
    out = args.out if args.out else Layout(args.root).run / "preview"
    return write_previews(ctx, out.resolve(), changed, args.summary)
