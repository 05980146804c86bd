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


TRACE = "firing|alertname=A,severity=warning,spc_rule=R1,;resolved|alertname=B,severity=warning,;"


def test_trace_gives_back_each_alerts_status_and_labels():
    from obsgate.sim.sink import parse_trace
    assert parse_trace(TRACE) == [
        {"status": "firing", "labels": {"alertname": "A", "severity": "warning", "spc_rule": "R1"}, "annotations": {}},
        {"status": "resolved", "labels": {"alertname": "B", "severity": "warning"}, "annotations": {}}]
    assert parse_trace("") == [] and parse_trace("garbage") == []


def test_a_slack_message_keeps_what_it_rendered_and_the_alerts_it_is_about():
    body = {"channel": "#c", "attachments": [{"title": "🚨 R1 Violation", "text": "Model: m", "color": "#FF0000",
                                              "callback_id": TRACE, "actions": [
                                                  {"type": "button", "text": "View Details", "url": "http://d"}]}]}
    note = notification(1, "llmscope-slack", body, 0)
    assert note["kind"] == "slack" and note["status"] == "firing"
    assert note["rendered"] == {"channel": "#c", "title": "🚨 R1 Violation", "title_link": "", "text": "Model: m",
                                "color": "#FF0000", "fields": [],
                                "buttons": [{"text": "View Details", "url": "http://d"}]}
    assert [a["labels"]["alertname"] for a in select([note], alertname="A")[0]["alerts"]] == ["A"]
    with pytest.raises(BadRequest):
        notification(1, "s", {"attachments": []}, 0)


def test_a_pagerduty_event_maps_trigger_and_resolve_to_firing_and_resolved():
    event = {"routing_key": "k", "event_action": "trigger", "dedup_key": "d",
             "payload": {"summary": "S", "severity": "critical", "source": "am", "custom_details": {"alerts": TRACE}}}
    note = notification(1, "pd", event, 0, kind="pagerduty")
    assert (note["kind"], note["status"], note["rendered"]["title"], note["rendered"]["severity"]) == (
        "pagerduty", "firing", "S", "critical")
    assert notification(2, "pd", {**event, "event_action": "resolve"}, 0, kind="pagerduty")["status"] == "resolved"
    with pytest.raises(BadRequest):
        notification(3, "pd", {"event_action": "trigger"}, 0, kind="pagerduty")


def test_the_pagerduty_path_answers_like_the_events_api():
    app = SinkApp()
    event = {"routing_key": "k", "event_action": "trigger", "dedup_key": "d", "payload": {"summary": "S"}}
    resp = app.handle(Request("POST", "/pagerduty/pd", {}, json.dumps(event).encode()))
    assert resp.status == 202 and json.loads(resp.body)["status"] == "success"
    email = {"subject": "🚨 R2 Violation", "html": "<b>x</b>", "to": ["a@x"], "headers": {"X-Obsgate-Alerts": TRACE}}
    assert app.handle(Request("POST", "/email/mail", {}, json.dumps(email).encode())).status == 200
    listed = json.loads(app.handle(Request("GET", "/notifications", {"kind": ["email"]})).body)["notifications"]
    assert [(n["receiver"], n["rendered"]["title"], n["status"]) for n in listed] == [("mail", "🚨 R2 Violation", "firing")]
