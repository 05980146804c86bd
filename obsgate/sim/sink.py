"""Alert sink: records the notifications Alertmanager's webhook receivers send, for the live gate to read.

    python -m obsgate.sim.sink --port 9099 [--host 0.0.0.0]

Point a webhook receiver at `http://<sink>:9099/hook/<receiver>`; the receiver name comes from the
path, so a notification routed to the wrong receiver is visible as such.

Endpoints: POST /hook/<receiver>, GET /notifications[?alertname=X&receiver=Y&status=firing|resolved],
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


def notification(seq: int, receiver: str, payload: object, received_at: float) -> dict:
    """What is kept of one POST: the path's receiver, Alertmanager's fields, and each alert."""
    if not isinstance(payload, dict):
        raise BadRequest("notification body must be a JSON object")
    alerts = payload.get("alerts") or []
    if not isinstance(alerts, list):
        raise BadRequest("`alerts` must be a list")
    return {
        "seq": seq,
        "receiver": receiver,
        "payload_receiver": payload.get("receiver", ""),
        "status": payload.get("status", ""),
        "group_labels": payload.get("groupLabels") or {},
        "common_labels": payload.get("commonLabels") or {},
        "group_key": payload.get("groupKey", ""),
        "received_at": received_at,
        "alerts": [_alert(a) for a in alerts],
        "payload": payload,
    }


def select(notes: list[dict], alertname: str = "", receiver: str = "", status: str = "") -> list[dict]:
    """Notifications matching the filters; with alertname/status, only the matching alerts are kept."""
    out = []
    for n in notes:
        if receiver and n["receiver"] != receiver:
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

    def handle(self, req: Request) -> Response:
        if req.path.startswith("/hook/") and req.method in ("POST", "PUT"):
            receiver = req.path[len("/hook/"):].strip("/")
            if not receiver:
                return error(400, "name the receiver in the path: /hook/<receiver>")
            payload = req.json()
            with self._lock:
                self._seq += 1
                note = notification(self._seq, receiver, payload, time.time())
                self._notes.append(note)
                del self._notes[:-MAX_KEPT]
            # `ok: true` is what Slack's API answers; Alertmanager's Slack notifier treats JSON without it as a
            # failure and retries the notification every group interval.
            return json_response({"ok": True, "recorded": note["seq"], "receiver": receiver,
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
                picked = select(notes, req.arg("alertname"), req.arg("receiver"), req.arg("status"))
                return json_response({"count": len(picked), "notifications": picked})
        if req.path == "/healthz" and req.method in ("GET", "HEAD"):
            with self._lock:
                kept = len(self._notes)
            return json_response({"status": "ok", "notifications": kept})
        return error(404, f"no route for {req.method} {req.path}",
                     routes=["POST /hook/<receiver>", "GET /notifications", "DELETE /notifications", "GET /healthz"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.sink", description=__doc__.split("\n")[0])
    add_server_args(p, port=9099)
    args = p.parse_args(argv)
    return serve(SinkApp(), bind_host(args.host), args.port, "alert-sink", quiet=not args.verbose)


if __name__ == "__main__":
    sys.exit(main())
