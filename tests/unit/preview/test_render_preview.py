"""The fixture dashboard drawn with canned data: size from the grid, colours where thresholds put them,
every panel type accounted for, and the same bytes on every run (structure, not golden bitmaps)."""
import io
import json
from pathlib import Path

import html

import numpy as np
import pytest
from PIL import Image

from obsgate import render_preview
from obsgate.preview import DISCLAIMER, colors, index, layout
from obsgate.preview.data import PanelData
from obsgate.preview.legend import series_name

from . import canned

BOARD = json.loads((Path(__file__).parent / "fixtures" / "all_types.json").read_text())


def rgb(hex_color):
    h = hex_color.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


@pytest.fixture(scope="module")
def drawn():
    return render_preview.draw(BOARD, canned.data(), canned.WINDOW)


@pytest.fixture(scope="module")
def image(drawn):
    return Image.open(io.BytesIO(drawn.png)).convert("RGB")


def panel(drawn, title):
    return next(p for p in drawn.panels if p.title == title)


def count(image, box, color, tol=12):
    """Pixels within `tol` of `color` in the box (left, top, width, height)."""
    left, top, w, h = box
    crop = np.asarray(image.crop((left, top, left + w, top + h)), dtype=int)
    return int((np.abs(crop - np.array(rgb(color))) <= tol).all(axis=-1).sum())


def test_image_size_comes_from_the_grid(drawn, image):
    rows = layout.rows_used(layout.place(BOARD["panels"]))
    assert rows == 27
    expected = render_preview.HEADER + rows * (layout.CELL_HEIGHT + layout.MARGIN) - layout.MARGIN \
        + render_preview.FOOTER + render_preview.PAD
    assert image.size == (render_preview.WIDTH, expected) == (drawn.width, drawn.height)


def test_every_panel_is_drawn_with_its_status(drawn):
    got = {p.title: (p.type, p.status) for p in drawn.panels}
    assert got == {
        "Signals": ("row", "static"), "Availability": ("stat", "ok"), "Errors": ("stat", "ok"),
        "Disk used": ("gauge", "ok"), "Queue depth": ("bargauge", "ok"), "About": ("text", "static"),
        "Requests by status": ("timeseries", "ok"), "Latency buckets": ("heatmap", "ok"), "Targets": ("table", "ok"),
        "Error lines": ("logs", "ok"), "Empty panel": ("stat", "no data"), "Share by model": ("piechart", "placeholder"),
        "Broken query": ("timeseries", "error")}


def test_panel_boxes_follow_gridpos(drawn):
    col = (render_preview.WIDTH - 2 * render_preview.PAD + layout.MARGIN) / 24
    errors = panel(drawn, "Errors").box
    assert errors[0] == round(render_preview.PAD + 6 * col)
    assert errors[1] == render_preview.HEADER + 1 * (layout.CELL_HEIGHT + layout.MARGIN)
    assert errors[2] == round(6 * col - layout.MARGIN)


def test_stat_background_takes_the_threshold_colour(drawn, image):
    left, top, w, h = panel(drawn, "Availability").box  # 95% is below the 0.99 step: red
    tile = (left + 10, top + render_preview.TITLE_BAND + 8, 30, 20)
    assert count(image, tile, colors.NAMED["red"]) == 30 * 20
    assert count(image, (left, top, w, h), colors.NAMED["green"]) == 0


def test_stat_value_takes_the_threshold_colour(drawn, image):
    box = panel(drawn, "Errors").box  # 0.2 req/s is below the 1 step: green text on the panel background
    assert count(image, box, colors.NAMED["green"]) > 500
    assert count(image, box, colors.NAMED["red"]) == 0


def test_gauges_colour_each_value_by_its_step(drawn, image):
    left, top, w, h = panel(drawn, "Disk used").box
    upper, lower = (left, top, w, h // 2), (left, top + h // 2, w, h // 2)  # 42% (green) above 93% (red)
    assert count(image, upper, colors.NAMED["green"]) > count(image, lower, colors.NAMED["green"])
    assert count(image, lower, colors.NAMED["red"]) > 300
    assert count(image, (left, top, w, h), colors.NAMED["orange"]) > 20  # the 0.7 step on the threshold ring


def test_timeseries_draws_the_threshold_line_and_the_legend(drawn, image):
    p = panel(drawn, "Requests by status")
    assert p.legend == ("status 200", "status 500")  # from legendFormat "status {{status}}"
    assert count(image, p.box, colors.NAMED["red"]) > 200  # the threshold line at 12 req/s
    assert count(image, p.box, colors.series_color(0), tol=30) > 300


def test_no_data_is_red_and_unknown_types_are_labelled(drawn, image):
    assert count(image, panel(drawn, "Empty panel").box, render_preview.NO_DATA) > 300
    assert count(image, panel(drawn, "Share by model").box, render_preview.PLACEHOLDER) > 300
    assert "piechart" in panel(drawn, "Share by model").detail
    assert "unclosed left parenthesis" in panel(drawn, "Broken query").detail


def test_the_same_data_gives_the_same_bytes(drawn):
    again = render_preview.draw(BOARD, canned.data(), canned.WINDOW)
    assert again.png == drawn.png


def test_other_data_gives_other_colours(image):
    data = canned.data()
    data[2] = data[2]._replace(series=(canned.series("availability", {}, lambda i: 0.999),))
    other = render_preview.draw(BOARD, data, canned.WINDOW)
    img = Image.open(io.BytesIO(other.png)).convert("RGB")
    left, top, _, _ = panel(other, "Availability").box
    assert count(img, (left + 10, top + render_preview.TITLE_BAND + 8, 30, 20), colors.NAMED["green"]) == 600


def test_missing_data_for_a_panel_is_no_data(image):
    drawn = render_preview.draw(BOARD, {}, canned.WINDOW)
    statuses = {p.title: p.status for p in drawn.panels}
    assert statuses["Availability"] == statuses["Requests by status"] == "no data"
    assert statuses["About"] == "static"  # text needs no query


def test_png_has_no_software_or_time_tags(drawn):
    info = Image.open(io.BytesIO(drawn.png)).info
    assert "Software" not in info and not any("time" in k.lower() for k in info)


def test_written_directory_has_images_index_summary_and_manifest(tmp_path, drawn):
    other = render_preview.draw({**BOARD, "uid": "b-second", "title": "A second board"}, {}, canned.WINDOW)
    (tmp_path / "gone.png").write_bytes(b"old")
    (tmp_path / "preview.json").write_text(json.dumps({"dashboards": [{"png": "gone.png"}]}))
    page = render_preview.write(tmp_path, [other, drawn], changed={"preview-fixture"},
                                files={"preview-fixture": "generated/grafana/dashboards/preview-fixture.json"})
    assert page == tmp_path / "index.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b-second.png", "index.html", "preview-fixture.png",
                                                         "preview.json", "summary.md"]
    text = page.read_text()
    assert html.escape(DISCLAIMER) in text and "status 200" in text and "No data" in text
    assert text.index("Preview fixture") < text.index("A second board")  # changed first, though later by title
    summary = (tmp_path / "summary.md").read_text()
    assert summary.splitlines()[0] == "### Dashboard previews" and DISCLAIMER in summary
    rows = [line for line in summary.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows[0].startswith("| Preview fixture") and "**changed**" in rows[0] and "Empty panel" in rows[0]
    manifest = json.loads((tmp_path / "preview.json").read_text())
    assert manifest["panels_by_type"]["stat"] == 6 and manifest["dashboards"][0]["no_data"] == ["Empty panel",
                                                                                                 "Broken query"]
    assert (tmp_path / "preview-fixture.png").read_bytes() == drawn.png


def test_alt_text_names_the_preview_and_each_panel(drawn):
    (entry,) = index.entries([drawn])
    alt = index.alt(entry)
    assert alt.startswith(f"Preview fixture: every panel type, {DISCLAIMER}")
    assert "Requests by status [timeseries]: status 200, status 500" in alt
    assert "Empty panel [stat]: No data" in alt


def test_fixture_project_dashboard_draws_with_canned_data(fixture_project):
    from obsgate.generate import generate
    from obsgate.generate.target import Target
    from obsgate.load import load

    project = load(fixture_project)
    docs = generate(project, Target(profile=project.stack.profile("ci"), runtime="native"),
                    families=("grafana",))
    boards = [d for p, d in sorted(docs.items()) if p.endswith(".json") and isinstance(d, dict) and "panels" in d]
    assert [b["uid"] for b in boards] == ["shop-overview"]
    (source,) = boards[0]["panels"]
    (target,) = source["targets"]
    name = series_name({"status": "200"}, target.get("legendFormat", ""), target["expr"])
    data = {source["id"]: PanelData((canned.series(name, {"status": "200"}, lambda i: 3.0),))}
    out = render_preview.draw(boards[0], data, canned.WINDOW)
    (p,) = out.panels
    assert (p.title, p.status, p.legend) == ("Requests by status", "ok", ('{status="200"}',))


def test_series_of_nan_only_are_drawn_as_data_not_as_no_data():
    data = canned.data()
    data[3] = PanelData((canned.series("errors", {}, lambda i: float("nan")),))  # 0/0 without traffic
    data[7] = PanelData(tuple(canned.series(f"status {s}", {"status": s}, lambda i: float("nan")) for s in ("200",)))
    out = render_preview.draw(BOARD, data, canned.WINDOW)
    img = Image.open(io.BytesIO(out.png)).convert("RGB")
    errors, series = panel(out, "Errors"), panel(out, "Requests by status")
    assert (errors.status, series.status, series.legend) == ("nan", "nan", ("status 200",))
    assert count(img, errors.box, render_preview.NO_DATA) == 0  # no red "No data"
    assert count(img, errors.box, colors.NAMED["green"]) > 300  # "NaN" in the base step's colour
    assert count(img, series.box, render_preview.PLACEHOLDER) > 50  # the orange note says so
    (entry,) = index.entries([out])
    assert "Requests by status [timeseries]: status 200 (every value NaN)" in index.alt(entry)
    assert entry.no_data == ["Empty panel", "Broken query"] and entry.nan_only == ["Errors", "Requests by status"]
    row = next(line for line in index.markdown([entry]).splitlines() if line.startswith("| Preview fixture"))
    assert "| Empty panel, Broken query | Errors, Requests by status |" in row


def test_value_mappings_and_overrides_reach_the_image():
    board = {"uid": "m", "title": "Mapped", "panels": [
        {"id": 1, "type": "stat", "title": "Target", "gridPos": {"x": 0, "y": 0, "w": 8, "h": 4},
         "fieldConfig": {"defaults": {"color": {"mode": "thresholds"}, "thresholds": {"steps": [
             {"color": "green", "value": None}]}, "mappings": [
             {"type": "value", "options": {"0": {"text": "DOWN", "color": "red"}}}]}},
         "options": {"colorMode": "background"}, "targets": [{"refId": "A", "expr": "up"}]},
        {"id": 2, "type": "timeseries", "title": "Codes", "gridPos": {"x": 8, "y": 0, "w": 16, "h": 4},
         "fieldConfig": {"defaults": {}, "overrides": [
             {"matcher": {"id": "byName", "options": "500"}, "properties": [
                 {"id": "color", "value": {"mode": "fixed", "fixedColor": "purple"}},
                 {"id": "displayName", "value": "server errors"}]}]},
         "targets": [{"refId": "A", "expr": "x"}]}]}
    data = {1: PanelData((canned.series("up", {}, lambda i: 0.0),)),
            2: PanelData((canned.series("500", {"code": "500"}, lambda i: 1.0 + i % 3),))}
    out = render_preview.draw(board, data, canned.WINDOW)
    img = Image.open(io.BytesIO(out.png)).convert("RGB")
    stat, ts = out.panels
    left, top, _, _ = stat.box
    assert count(img, (left + 10, top + render_preview.TITLE_BAND + 8, 30, 20), colors.NAMED["red"]) == 600
    assert ts.legend == ("server errors",)
    assert count(img, ts.box, colors.NAMED["purple"], tol=20) > 200 and count(img, ts.box, colors.series_color(0)) == 0


def test_stat_sparkline_follows_graph_mode():
    def stat(pid, x, mode):
        return {"id": pid, "type": "stat", "title": f"s{pid}", "gridPos": {"x": x, "y": 0, "w": 12, "h": 6},
                "fieldConfig": {"defaults": {"thresholds": {"steps": [{"color": "green", "value": None}]}}},
                "options": {"colorMode": "value", **({"graphMode": mode} if mode else {})},
                "targets": [{"refId": "A", "expr": "x"}]}

    board = {"uid": "g", "title": "Graph mode", "panels": [stat(1, 0, None), stat(2, 12, "none")]}
    wave = PanelData((canned.series("x", {}, lambda i: 5 + (i % 10)),))
    out = render_preview.draw(board, {1: wave, 2: wave}, canned.WINDOW)
    img = Image.open(io.BytesIO(out.png)).convert("RGB")

    def bottom_band(p):
        left, top, w, h = p.box
        return (left + 8, top + h - 24, w - 16, 16)  # below the value text

    area, none = out.panels
    assert count(img, bottom_band(area), colors.NAMED["green"], tol=40) > 100  # Grafana's default: area
    assert count(img, bottom_band(none), colors.NAMED["green"], tol=40) == 0
