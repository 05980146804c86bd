"""Alert sink: records the notifications Alertmanager sends, for the live gate to read and assert on.

    python -m obsgate.sim.sink --port 9099 [--host 0.0.0.0]

It stands in for the services the receivers talk to, one path each, the receiver's name in the path
so that a notification routed to the wrong receiver is visible as such:
- POST /hook/<receiver>: a webhook (Alertmanager's JSON) or a Slack incoming webhook (attachments);
- POST /pagerduty/<receiver>: PagerDuty's Events API v2 (the receiver's `url` points here in a live run);
- POST /email/<receiver>: an email, as the SMTP sink (obsgate.sim.smtp_sink) forwards it.

Slack, PagerDuty and email carry only rendered text; the generated receivers add each alert's status and
labels (generate.alertmanager.ALERT_TRACE), which the sink reads back into `alerts`. The rendered title,
text, colour, fields and buttons are kept under `rendered`.

Endpoints to read: GET /notifications[?alertname=X&receiver=Y&status=firing|resolved&kind=slack],
DELETE /notifications, GET /healthz.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time

from .common import add_server_args
from .httpd import BadRequest, Request, Response, bind_host, error, json_response, serve

MAX_KEPT = 10000  # oldest notifications are dropped beyond this, so a flapping alert cannot exhaust memory
KINDS = {"hook": "webhook", "pagerduty": "pagerduty", "email": "email"}


def _alert(raw: object) -> dict:
    if not isinstance(raw, dict):
        return {"status": "", "labels": {}, "annotations": {}}
    return {
        "status": str(raw.get("status", "")),
        "labels": dict(raw.get("labels") or {}),
        "annotations": dict(raw.get("annotations") or {}),
        "startsAt": raw.get("startsAt", ""),
        "endsAt": raw.get("endsAt", ""),
        "fingerprint": raw.get("fingerprint", ""),
    }


def parse_trace(text: str) -> list[dict]:
    """`firing|alertname=A,severity=warning,;resolved|...;` -> one alert dict each (status and labels)."""
    out = []
    for item in (text or "").split(";"):
        status, sep, pairs = item.strip().partition("|")
        if not sep:
            continue
        labels = dict(p.split("=", 1) for p in pairs.split(",") if "=" in p)
        out.append({"status": status, "labels": labels, "annotations": {}})
    return out


def _group_status(alerts: list[dict], default: str = "") -> str:
    if any(a["status"] == "firing" for a in alerts):
        return "firing"
    return "resolved" if alerts else default


def _slack(payload: dict) -> tuple[list[dict], dict]:
    attachments = payload.get("attachments") or []
    if not isinstance(attachments, list) or not attachments or not isinstance(attachments[0], dict):
        raise BadRequest("a Slack message needs `attachments` (a list of objects)")
    att = attachments[0]
    rendered = {"channel": payload.get("channel", ""), "title": att.get("title", ""),
                "title_link": att.get("title_link", ""), "text": att.get("text", ""), "color": att.get("color", ""),
                "fields": att.get("fields") or [],
                "buttons": [{"text": a.get("text", ""), "url": a.get("url", "")} for a in att.get("actions") or []
                            if isinstance(a, dict)]}
    return parse_trace(str(att.get("callback_id", ""))), rendered


def _pagerduty(payload: dict) -> tuple[list[dict], dict, str]:
    action = payload.get("event_action")
    if action not in ("trigger", "resolve", "acknowledge") or not payload.get("routing_key"):
        raise BadRequest("a PagerDuty v2 event needs `routing_key` and `event_action` (trigger, resolve)")
    body = payload.get("payload") or {}
    details = body.get("custom_details") or {}
    rendered = {"title": body.get("summary", ""), "severity": body.get("severity", ""),
                "source": body.get("source", ""), "dedup_key": payload.get("dedup_key", ""), "details": details}
    status = "firing" if action == "trigger" else "resolved"
    return parse_trace(str(details.get("alerts", ""))), rendered, status


def _email(payload: dict) -> tuple[list[dict], dict]:
    headers = payload.get("headers") or {}
    if not isinstance(headers, dict) or "subject" not in payload:
        raise BadRequest("a forwarded email needs `subject` and `headers`")
    rendered = {"title": payload.get("subject", ""), "text": payload.get("html", ""),
                "to": payload.get("to") or [], "from": payload.get("from", "")}
    return parse_trace(str(headers.get("X-Obsgate-Alerts", ""))), rendered


def notification(seq: int, receiver: str, payload: object, received_at: float, kind: str = "webhook") -> dict:
    """What is kept of one POST: the path's receiver, the alerts it is about, and what it rendered."""
    if not isinstance(payload, dict):
        raise BadRequest("notification body must be a JSON object")
    rendered: dict = {}
    if kind == "webhook" and "attachments" in payload and "alerts" not in payload:
        kind = "slack"
    if kind == "webhook":
        alerts = payload.get("alerts") or []
        if not isinstance(alerts, list):
            raise BadRequest("`alerts` must be a list")
        alerts, status = [_alert(a) for a in alerts], payload.get("status", "")
    elif kind == "slack":
        alerts, rendered = _slack(payload)
        status = _group_status(alerts)
    elif kind == "pagerduty":
        alerts, rendered, status = _pagerduty(payload)
    else:
        alerts, rendered = _email(payload)
        status = _group_status(alerts)
    return {
        "seq": seq,
        "receiver": receiver,
        "kind": kind,
        "payload_receiver": payload.get("receiver", ""),
        "status": status,
        "group_labels": payload.get("groupLabels") or {},
        "common_labels": payload.get("commonLabels") or {},
        "group_key": payload.get("groupKey", ""),
        "received_at": received_at,
        "alerts": alerts,
        "rendered": rendered,
        "payload": payload,
    }


def select(notes: list[dict], alertname: str = "", receiver: str = "", status: str = "", kind: str = "") -> list[dict]:
    """Notifications matching the filters; with alertname/status, only the matching alerts are kept."""
    out = []
    for n in notes:
        if (receiver and n["receiver"] != receiver) or (kind and n.get("kind") != kind):
            continue
        alerts = [a for a in n["alerts"]
                  if (not alertname or a["labels"].get("alertname") == alertname)
                  and (not status or a["status"] == status)]
        if (alertname or status) and not alerts:
            continue
        out.append({**n, "alerts": alerts})
    return out


class SinkApp:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._notes: list[dict] = []
        self._seq = 0

    def _record(self, kind: str, receiver: str, payload: object) -> dict:
        with self._lock:
            self._seq += 1
            note = notification(self._seq, receiver, payload, time.time(), kind)
            self._notes.append(note)
            del self._notes[:-MAX_KEPT]
        return note

    def handle(self, req: Request) -> Response:
        head, _, rest = req.path.strip("/").partition("/")
        if head in KINDS and req.method in ("POST", "PUT"):
            receiver = rest.strip("/")
            if not receiver:
                return error(400, f"name the receiver in the path: /{head}/<receiver>")
            note = self._record(KINDS[head], receiver, req.json())
            if note["kind"] == "pagerduty":  # what PagerDuty's Events API v2 answers
                return json_response({"status": "success", "message": "Event processed",
                                      "dedup_key": note["rendered"]["dedup_key"]}, 202)
            # `ok: true` is what Slack's API answers; Alertmanager's Slack notifier treats JSON without it as a
            # failure and retries the notification every group interval.
            return json_response({"ok": True, "recorded": note["seq"], "receiver": receiver, "kind": note["kind"],
                                  "alerts": len(note["alerts"])})
        if req.path == "/notifications":
            if req.method == "DELETE":
                with self._lock:
                    cleared = len(self._notes)
                    self._notes.clear()
                return json_response({"cleared": cleared})
            if req.method == "GET":
                with self._lock:
                    notes = list(self._notes)
                picked = select(notes, req.arg("alertname"), req.arg("receiver"), req.arg("status"), req.arg("kind"))
                return json_response({"count": len(picked), "notifications": picked})
        if req.path == "/healthz" and req.method in ("GET", "HEAD"):
            with self._lock:
                kept = len(self._notes)
            return json_response({"status": "ok", "notifications": kept})
        return error(404, f"no route for {req.method} {req.path}",
                     routes=["POST /hook/<receiver>", "POST /pagerduty/<receiver>", "POST /email/<receiver>",
                             "GET /notifications", "DELETE /notifications", "GET /healthz"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.sink", description=__doc__.split("\n")[0])
    add_server_args(p, port=9099)
    args = p.parse_args(argv)
    return serve(SinkApp(), bind_host(args.host), args.port, "alert-sink", quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
