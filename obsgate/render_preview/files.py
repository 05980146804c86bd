"""A preview directory: the PNGs, index.html, summary.md and preview.json, each replaced atomically."""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..preview import index
from .dashboard import Drawn


def _atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def write(out: Path, drawn: list[Drawn], changed: set[str] = frozenset(), files: dict[str, str] | None = None
          ) -> Path:
    """The PNGs, index.html, summary.md and preview.json into `out`; stale PNGs of an earlier run removed.
    Returns the index page's path."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "preview.json"
    before = set()
    if manifest.exists():
        try:
            before = {d["png"] for d in json.loads(manifest.read_text()).get("dashboards", [])}
        except (ValueError, KeyError, TypeError, AttributeError):
            before = set()
    entries = index.entries(drawn, changed, files or {})
    for d in drawn:
        _atomic(out / index.png_name(d.uid), d.png)
    for stale in sorted(before - {e.png for e in entries}):
        if stale.endswith(".png") and "/" not in stale:
            (out / stale).unlink(missing_ok=True)
    _atomic(out / "index.html", index.html(entries).encode())
    _atomic(out / "summary.md", index.markdown(entries).encode())
    _atomic(manifest, (json.dumps(index.manifest(entries), indent=2, sort_keys=True) + "\n").encode())
    return out / "index.html"
