"""The alert sink: what it keeps of a notification and how it filters them."""
from __future__ import annotations

import json

import pytest

from obsgate.sim.httpd import BadRequest, Request
from obsgate.sim.sink import SinkApp, notification, select


def payload(status="firing", *names):
    return {"version": "4", "status": status, "receiver": "pager", "groupLabels": {"alertname": names[0]},
            "commonLabels": {"severity": "critical"}, "groupKey": "{}:{}",
            "alerts": [{"status": status, "labels": {"alertname": n, "severity": "critical"},
                        "annotations": {"summary": "s"}, "startsAt": "2025-01-01T00:00:00Z",
                        "endsAt": "0001-01-01T00:00:00Z", "fingerprint": "f" + n} for n in names]}


def test_notification_keeps_the_path_receiver_and_each_alert():
    note = notification(1, "chat", payload("firing", "A", "B"), 5.0)
    assert note["receiver"] == "chat" and note["payload_receiver"] == "pager"
    assert [a["labels"]["alertname"] for a in note["alerts"]] == ["A", "B"]
    assert note["group_labels"] == {"alertname": "A"} and note["received_at"] == 5.0


@pytest.mark.parametrize("body", [[1, 2], {"alerts": "x"}], ids=["a list", "alerts not a list"])
def test_notification_refuses_bodies_that_are_not_alertmanager_shaped(body):
    with pytest.raises(BadRequest):
        notification(1, "r", body, 0)


def test_select_filters_by_alertname_receiver_and_status():
    notes = [notification(1, "pager", payload("firing", "A", "B"), 0),
             notification(2, "chat", payload("resolved", "A"), 0)]
    assert [n["seq"] for n in select(notes, alertname="A")] == [1, 2]
    assert [a["labels"]["alertname"] for a in select(notes, alertname="B")[0]["alerts"]] == ["B"]
    assert [n["seq"] for n in select(notes, receiver="chat")] == [2]
    assert [n["seq"] for n in select(notes, status="resolved")] == [2]
    assert select(notes, alertname="C") == []
    assert len(select(notes)) == 2


def test_sink_app_records_lists_and_clears():
    app = SinkApp()
    resp = app.handle(Request("POST", "/hook/pager", {}, json.dumps(payload("firing", "A")).encode()))
    assert resp.status == 200 and json.loads(resp.body)["recorded"] == 1
    assert json.loads(resp.body)["ok"] is True  # Alertmanager's Slack notifier needs it to count a success
    listed = json.loads(app.handle(Request("GET", "/notifications", {"alertname": ["A"]})).body)
    assert listed["count"] == 1 and listed["notifications"][0]["receiver"] == "pager"
    assert app.handle(Request("POST", "/hook/", {}, b"{}")).status == 400
    assert json.loads(app.handle(Request("DELETE", "/notifications", {})).body) == {"cleared": 1}
    assert json.loads(app.handle(Request("GET", "/notifications", {})).body)["count"] == 0
