"""`obsgate preview` against real servers.

1. A real Prometheus on a free port, holding six hours of a fixture project's metrics backfilled with
   `promtool tsdb create-blocks-from openmetrics`: the preview draws the data (lines in the plot area, the
   stat in its threshold colour), the legend from legendFormat reaches the index page, and the same
   `now` gives the same bytes. No stack lock needed.
2. `obsgate ci` on the repo's own stack (native, ci profile, fixed ports: run under the stack lock): the
   previews beside its JUnit file, one PNG per generated dashboard, the changed dashboard first, and no
   panel drawn as "No data" unless the panels smoke check, run just before, found no data for it either
   (or skipped it with its reason).
"""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sim_procs import free_port, get_json, running, tool, wait_until

from obsgate import render_preview
from obsgate.load import load
from obsgate.preview import DISCLAIMER, colors
from obsgate.smoke import panel_data
from obsgate.smoke.base import Context

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "project"
HOURS = 6
STEP = 15  # seconds between backfilled samples, the default profile's scrape interval

BOARD = """{
  uid: 'preview-live', title: 'Preview live', time: { from: 'now-6h', to: 'now' },
  panels: [
    { type: 'timeseries', title: 'Requests by status', gridPos: { x: 0, y: 0, w: 16, h: 8 },
      fieldConfig: { defaults: { unit: 'reqps' }, overrides: [] },
      targets: [{ refId: 'A', expr: 'sum by (status) (rate(shop_requests_total[$__rate_interval]))',
                  legendFormat: 'status {{status}}' }] },
    { type: 'stat', title: 'Queue depth', gridPos: { x: 16, y: 0, w: 8, h: 8 },
      fieldConfig: { defaults: { unit: 'short', color: { mode: 'thresholds' },
        thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 5 }] } },
        overrides: [] },
      options: { colorMode: 'background' },
      targets: [{ refId: 'A', expr: 'max(shop_queue_depth)' }] },
  ],
}
"""


@dataclass
class PortsContext(Context):
    """The smoke Context with the servers this test started on free ports (the model's ports are fixed)."""

    urls: dict = field(default_factory=dict)

    def url(self, service: str) -> str:
        return self.urls[service]

    def has(self, service: str) -> bool:
        return service in self.urls


def openmetrics(now: int) -> str:
    start = now - HOURS * 3600
    lines = ["# HELP shop_requests Requests served.", "# TYPE shop_requests counter"]
    for status, per_second in (("ok", 4.0), ("error", 0.5)):
        for i, t in enumerate(range(start, now, STEP)):
            lines.append(f'shop_requests_total{{job="shop",status="{status}"}} {i * STEP * per_second} {t}')
    lines += ["# HELP shop_queue_depth Jobs waiting.", "# TYPE shop_queue_depth gauge"]
    lines += [f'shop_queue_depth{{job="shop"}} 7 {t}' for t in range(start, now, STEP)]
    return "\n".join(lines + ["# EOF", ""])


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("preview")
    root = tmp / "project"
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "generated"))
    (root / "dashboards_src" / "preview_live.jsonnet").write_text(BOARD)
    now = int(time.time()) // 60 * 60
    src = tmp / "series.om"
    src.write_text(openmetrics(now))
    data = tmp / "data"
    made = subprocess.run([tool("promtool"), "tsdb", "create-blocks-from", "openmetrics", str(src), str(data)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    port = free_port()
    config = tmp / "prometheus.yml"
    config.write_text("global:\n  scrape_interval: 15s\nscrape_configs: []\n")
    prom = f"http://127.0.0.1:{port}"
    cmd = [tool("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={data}",
           f"--web.listen-address=127.0.0.1:{port}"]
    with running(cmd, prom + "/-/ready", tmp / "prom.log", "prometheus"):
        wait_until(lambda: get_json(f"{prom}/api/v1/query?query=max(shop_queue_depth)&time={now - 60}")
                   ["data"]["result"], timeout=20, what="the backfilled block is queryable")
        project = load(root)
        ctx = PortsContext(project, root, state={"services": {"prometheus": {}}, "started_at": now - 60},
                           profile="default", urls={"prometheus": prom})
        yield ctx, now


@pytest.fixture(scope="module")
def drawn(backfilled):
    ctx, now = backfilled
    boards = {b.board["uid"]: b for b in panel_data.fetch(ctx, now=float(now))}
    assert sorted(boards) == ["preview-live", "shop-overview"]
    live = boards["preview-live"]
    return live, render_preview.draw(live.board, live.data, live.window)


def test_the_window_is_the_dashboard_default_range(drawn):
    live, _ = drawn
    assert live.window.label == "now-6h to now" and live.window.seconds == HOURS * 3600
    assert live.window.step == 60  # 6h over 600 points, rounded up to a round interval


def test_prometheus_data_is_drawn_with_its_legend(drawn, tmp_path):
    live, out = drawn
    ts, stat = out.panels
    assert (ts.status, ts.legend) == ("ok", ("status error", "status ok"))  # legendFormat "status {{status}}"
    series = {s.name: s for s in live.data[live.board["panels"][0]["id"]].series}
    middle = series["status ok"].values[len(series["status ok"].values) // 2]
    assert middle == pytest.approx(4.0)  # the backfilled rate, through $__rate_interval
    img = np.asarray(Image.open(io.BytesIO(out.png)).convert("RGB"), dtype=int)
    left, top, w, h = ts.box
    plot = img[top + 40:top + h - 50, left + 80:left + w - 20]  # inside the axes, away from labels and legend
    background = np.array([int(render_preview.PANEL_BG[i:i + 2], 16) for i in (1, 3, 5)])
    grid = np.array([int(render_preview.GRID[i:i + 2], 16) for i in (1, 3, 5)])
    drawn_px = ~((np.abs(plot - background) <= 8).all(-1) | (np.abs(plot - grid) <= 8).all(-1))
    assert drawn_px.sum() > 1000, "no line pixels in the plot area"
    page = render_preview.write(tmp_path, [out])
    text = page.read_text()
    assert "Requests by status [timeseries]: status error, status ok" in text
    assert "Preview live" in text and "Grafana&#x27;s rendering" in text


def test_stat_shows_the_live_value_in_its_threshold_colour(drawn):
    _, out = drawn
    stat = out.panels[1]
    img = Image.open(io.BytesIO(out.png)).convert("RGB")
    left, top, _, _ = stat.box
    corner = np.asarray(img.crop((left + 10, top + render_preview.TITLE_BAND + 8, left + 40, top + 60)), dtype=int)
    red = np.array([int(colors.NAMED["red"][i:i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(corner - red) <= 12).all(-1).all()  # 7 jobs waiting, above the step at 5


def test_the_same_now_gives_the_same_png(backfilled, drawn):
    ctx, now = backfilled
    again = {b.board["uid"]: b for b in panel_data.fetch(ctx, now=float(now))}["preview-live"]
    assert render_preview.draw(again.board, again.data, again.window).png == drawn[1].png


SOURCES = ("catalog", "stacks", "rules_src", "dashboards_src", "tools")


def obsgate(root: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "obsgate.cli", "--root", str(root), *args], capture_output=True,
                          text=True, timeout=timeout)


def test_obsgate_ci_draws_the_repo_dashboards_beside_its_junit(tmp_path):
    """The repo's stack under `obsgate ci` (native, ci profile). It uses the stack's fixed ports: run it under
    the stack lock (`flock /tmp/obsgate-stack.lock ...`)."""
    root = tmp_path / "project"
    for name in SOURCES:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    (root / ".tools").symlink_to(ROOT / ".tools")
    reports = tmp_path / "reports"
    changed = tmp_path / "changed.txt"
    changed.write_text("README.md\ngenerated/grafana/dashboards/vector-store-backups.json\n")
    try:
        run = obsgate(root, "ci", "--runtime", "native", "--family", "panels", "--junit", str(reports / "live.xml"),
                      "--json", str(reports / "cases.json"), "--summary", str(reports / "summary.md"),
                      "--changed", str(changed), timeout=600)
    finally:
        obsgate(root, "down")
    out = reports / "preview"
    assert (reports / "live.xml").exists() and (out / "index.html").exists(), run.stdout + run.stderr
    dashboards = sorted(p.stem for p in (ROOT / "generated" / "grafana" / "dashboards").glob("*.json"))
    assert sorted(p.stem for p in out.glob("*.png")) == dashboards  # one PNG per generated dashboard
    manifest = json.loads((out / "preview.json").read_text())
    assert manifest["disclaimer"] == DISCLAIMER
    assert manifest["dashboards"][0]["uid"] == "vector-store-backups" and manifest["dashboards"][0]["changed"]
    no_data = {f"{d['uid']} / {title}" for d in manifest["dashboards"] for title in d["no_data"]}
    cases = json.loads((reports / "cases.json").read_text())
    unproven = {c["name"] for c in cases if c["status"] != "passed"}  # failed, or skipped with a reason
    # No panel is drawn as No data unless the panels smoke check, on this stack, found no data for it either
    # or skipped it with a reason (a suppression, or more history than the stack has).
    assert no_data <= unproven, f"drawn as No data though the smoke check saw data: {sorted(no_data - unproven)}"
    if not unproven:
        assert not no_data
    summary = (reports / "summary.md").read_text()
    section = summary[summary.index("### Dashboard previews"):]
    first_row = next(line for line in section.splitlines() if line.startswith("| ") and "---" not in line
                     and not line.startswith("| dashboard"))
    assert "vector-store-backups" in first_row and "**changed**" in first_row
    assert f"preview index: {out / 'index.html'}" in run.stdout
    nan = [f"{d['uid']} / {p['title']}" for d in manifest["dashboards"] for p in d["panels"] if p["status"] == "nan"]
    print("\n".join(line for line in run.stdout.splitlines() if line.startswith(("preview", "  no data", "smoke:"))))
    print("panels whose every value is NaN:", nan)
