"""The preview's index page, its step-summary section and its manifest, built from what was drawn.

Changed dashboards come first (then by title), so a reviewer sees what the pull request touched. The
captions and alt texts list every panel with its legend or its "No data", so the page reads without
the images too.
"""
from __future__ import annotations

import html as _html
import re
from collections import Counter
from typing import NamedTuple

from . import DISCLAIMER


class Entry(NamedTuple):
    uid: str
    title: str
    png: str
    file: str  # the generated dashboard it shows, e.g. generated/grafana/dashboards/x.json
    changed: bool
    width: int
    height: int
    window: str
    panels: tuple  # PanelInfo-like: title, type, status, legend, box, detail

    @property
    def types(self) -> Counter:
        return Counter(p.type for p in self.panels if p.type != "row")

    @property
    def no_data(self) -> list[str]:
        return [p.title for p in self.panels if p.status in ("no data", "error")]

    @property
    def nan_only(self) -> list[str]:
        return [p.title for p in self.panels if p.status == "nan"]


def png_name(uid: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", uid or "dashboard") + ".png"


def entries(drawn, changed=frozenset(), files: dict[str, str] | None = None) -> list[Entry]:
    files = files or {}
    out = [Entry(d.uid, d.title, png_name(d.uid), files.get(d.uid, ""), d.uid in changed, d.width, d.height,
                 d.window, tuple(d.panels)) for d in drawn]
    return sorted(out, key=lambda e: (not e.changed, e.title.lower(), e.uid))


def _caption(p) -> str:
    if p.status in ("no data", "error"):
        what = "No data" if p.status == "no data" else f"query failed: {p.detail}"
    elif p.status == "placeholder":
        what = p.detail
    elif p.status == "nan":
        what = ", ".join(p.legend) + " (every value NaN)"
    elif p.legend:
        what = ", ".join(p.legend)
    else:
        what = p.detail or p.type
    return f"{p.title or '(untitled)'} [{p.type}]: {what}"


def alt(e: Entry) -> str:
    return f"{e.title}, {DISCLAIMER}. Panels: " + "; ".join(_caption(p) for p in e.panels if p.type != "row")


def _types(counter: Counter) -> str:
    return ", ".join(f"{n} {t}" for t, n in sorted(counter.items()))


def html(items: list[Entry]) -> str:
    esc = _html.escape
    total = Counter()
    for e in items:
        total.update(e.types)
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>Dashboard previews: {esc(DISCLAIMER)}</title>",
             "<style>body{background:#111217;color:#ccccdc;font-family:sans-serif;margin:24px}"
             "a{color:#8ab8ff}img{max-width:100%;border:1px solid #2c3235}.nodata{color:#f2495c}"
             ".changed{color:#ff9830;font-weight:bold}figure{margin:0 0 40px}li{margin:2px 0}</style>",
             "</head><body>", "<h1>Dashboard previews</h1>",
             f"<p><strong>Each image is {esc(DISCLAIMER)}.</strong> Panels are laid out by their gridPos on "
             "Grafana's 24-column grid; a panel whose queries returned nothing says <span class=nodata>No data</span>.</p>",
             f"<p>{len(items)} dashboards, {sum(total.values())} panels ({esc(_types(total))}).</p>", "<ul>"]
    for e in items:
        flag = ' <span class="changed">changed</span>' if e.changed else ""
        empty = f' <span class="nodata">{len(e.no_data)} without data</span>' if e.no_data else ""
        parts.append(f'<li><a href="#{esc(e.uid)}">{esc(e.title)}</a>{flag}{empty}</li>')
    parts.append("</ul>")
    for e in items:
        flag = ' <span class="changed">changed</span>' if e.changed else ""
        parts.append(f'<figure id="{esc(e.uid)}"><h2>{esc(e.title)}{flag}</h2>')
        parts.append(f"<p>{esc(e.file or e.uid)}; time range {esc(e.window)}; {esc(_types(e.types))}</p>")
        parts.append(f'<a href="{esc(e.png)}"><img src="{esc(e.png)}" width="{e.width}" height="{e.height}" '
                     f'alt="{esc(alt(e))}"></a>')
        parts.append(f"<figcaption>{esc(e.title)}: {esc(DISCLAIMER)}.<ul>")
        for p in e.panels:
            if p.type == "row":
                continue
            cls = ' class="nodata"' if p.status in ("no data", "error") else ""
            parts.append(f"<li{cls}>{esc(_caption(p))}</li>")
        parts.append("</ul></figcaption></figure>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def markdown(items: list[Entry], link: str = "") -> str:
    """A step-summary section: one line per dashboard, changed ones first."""
    total = Counter()
    for e in items:
        total.update(e.types)
    head = f"[the preview artifact]({link})" if link else "the preview artifact (index.html)"
    lines = ["### Dashboard previews", "",
             f"Each image in {head} is {DISCLAIMER}.", "",
             f"{len(items)} dashboards, {sum(total.values())} panels ({_types(total)}).", "",
             "| dashboard | changed | panels | without data | every value NaN | image |",
             "| --- | --- | --- | --- | --- | --- |"]
    for e in items:
        empty = ", ".join(e.no_data) if e.no_data else "none"
        nan = ", ".join(e.nan_only) if e.nan_only else "none"
        lines.append(f"| {e.title} (`{e.file or e.uid}`) | {'**changed**' if e.changed else ''} | "
                     f"{sum(e.types.values())} | {empty} | {nan} | `{e.png}` |")
    return "\n".join(lines) + "\n\n"


def manifest(items: list[Entry]) -> dict:
    total = Counter()
    for e in items:
        total.update(e.types)
    return {"disclaimer": DISCLAIMER, "panels_by_type": dict(sorted(total.items())),
            "dashboards": [{"uid": e.uid, "title": e.title, "png": e.png, "file": e.file, "changed": e.changed,
                            "size": [e.width, e.height], "window": e.window,
                            "panels_by_type": dict(sorted(e.types.items())), "no_data": e.no_data,
                            "nan_only": e.nan_only,
                            "panels": [{"title": p.title, "type": p.type, "status": p.status,
                                        "legend": list(p.legend), "box": list(p.box)} for p in e.panels]}
                           for e in items]}
