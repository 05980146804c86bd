"""Panels placed by gridPos on Grafana's 24-column grid."""
from obsgate.preview.layout import CELL_HEIGHT, MARGIN, height, place, rect


def p(kind, x, y, w, h, **kw):
    return {"type": kind, "gridPos": {"x": x, "y": y, "w": w, "h": h}, **kw}


def test_places_panels_in_reading_order():
    got = place([p("stat", 12, 0, 12, 4, title="b"), p("stat", 0, 0, 12, 4, title="a"), p("timeseries", 0, 4, 24, 8)])
    assert [(g.panel.get("title"), g.x, g.y, g.w, g.h) for g in got] == [("a", 0, 0, 12, 4), ("b", 12, 0, 12, 4),
                                                                        (None, 0, 4, 24, 8)]


def test_pixel_boxes_follow_grafana_cell_and_gutter():
    left, right = place([p("stat", 0, 0, 12, 4), p("stat", 12, 2, 12, 4)])
    a, b = rect(left, 1600 - 0), rect(right, 1600)
    col = (1600 + MARGIN) / 24
    assert a == (0, 0, 12 * col - MARGIN, 4 * (CELL_HEIGHT + MARGIN) - MARGIN)
    assert b.left == 12 * col and b.top == 2 * (CELL_HEIGHT + MARGIN)
    assert a.left + a.width + MARGIN == b.left  # one gutter between neighbours
    assert b.left + b.width == 1600  # the grid spans the width exactly


def test_collapsed_row_is_opened_and_pushes_the_rest_down():
    row = p("row", 0, 1, 24, 1, title="R", collapsed=True,
            panels=[p("stat", 0, 20, 12, 3, title="in1"), p("stat", 0, 23, 12, 2, title="in2")])
    got = place([p("stat", 0, 0, 24, 1, title="top"), row, p("stat", 0, 2, 24, 2, title="after")])
    where = {g.panel.get("title"): (g.y, g.h, g.row) for g in got}
    assert where["R"] == (1, 1, "R")
    assert where["in1"] == (2, 3, "R") and where["in2"] == (5, 2, "R")
    assert where["after"] == (7, 2, "R")  # 2 + the 5 rows the opened row holds
    assert height(got) == 9 * (CELL_HEIGHT + MARGIN) - MARGIN


def test_open_row_panels_stay_where_they_are():
    got = place([p("row", 0, 0, 24, 1, title="R", collapsed=False, panels=[]), p("stat", 0, 1, 8, 3)])
    assert [(g.panel["type"], g.y, g.row) for g in got] == [("row", 0, "R"), ("stat", 1, "R")]


def test_out_of_grid_positions_are_clamped_and_missing_ones_appended():
    got = place([{"type": "text", "title": "nopos"}, p("stat", 30, 0, 40, 0)])
    assert (got[0].x, got[0].w, got[0].h) == (23, 1, 1)
    assert got[1].panel["title"] == "nopos" and got[1].y == 1 and got[1].w == 12 and got[1].h == 8


def test_empty_dashboard_has_no_height():
    assert place([]) == [] and height([]) == 0
