"""SMTP sink: receives the emails Alertmanager's email receivers send and hands each to the alert sink.

    python -m obsgate.sim.smtp_sink --port 2525 --forward http://127.0.0.1:9099 [--host 0.0.0.0]

The SMTP server is aiosmtpd (Apache-2.0). Each message is decoded (subject, recipients, HTML body,
headers) and POSTed to `<forward>/email/<receiver>`, the receiver named by the `X-Obsgate-Receiver`
header the generated email receivers set, so the live gate reads emails where it reads every other
notification. Plain SMTP without login: it listens on loopback (or the stack's network) only.
"""
from __future__ import annotations

import argparse
import email
import email.policy
import json
import signal
import sys
import threading
import urllib.request

from aiosmtpd.controller import Controller

from .httpd import bind_host

UNKNOWN_RECEIVER = "unknown"


def decode(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> dict:
    """The parts of an email the alert sink keeps: subject, from, to, html (or text) body and headers."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = {"text/html": "", "text/plain": ""}
    for part in msg.walk():
        kind = part.get_content_type()
        if kind in parts and not parts[kind] and not part.is_multipart():
            parts[kind] = part.get_content()
    return {
        "subject": str(msg.get("Subject", "")),
        "from": mail_from,
        "to": list(rcpt_tos),
        "html": parts["text/html"],
        "text": parts["text/plain"],
        "headers": {k: str(v) for k, v in msg.items()},
    }


class Forwarder:
    """aiosmtpd handler: accept every message and POST it to the alert sink."""

    def __init__(self, forward: str) -> None:
        self.forward = forward.rstrip("/")

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's hook name)
        doc = decode(envelope.original_content or envelope.content, envelope.mail_from, envelope.rcpt_tos)
        receiver = doc["headers"].get("X-Obsgate-Receiver", UNKNOWN_RECEIVER) or UNKNOWN_RECEIVER
        req = urllib.request.Request(f"{self.forward}/email/{receiver}", data=json.dumps(doc).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                resp.read()
        except OSError as exc:
            return f"451 alert sink unreachable: {exc}"
        return "250 Message accepted for delivery"


def start(host: str, port: int, forward: str) -> Controller:
    controller = Controller(Forwarder(forward), hostname=host, port=port, ready_timeout=10)
    controller.start()
    return controller


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.smtp_sink", description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=2525, help="SMTP port to listen on")
    p.add_argument("--host", default=None, help="address to bind (default: env OBSGATE_BIND_HOST, else 127.0.0.1)")
    p.add_argument("--forward", required=True, help="the alert sink's base URL, e.g. http://127.0.0.1:9099")
    args = p.parse_args(argv)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        controller = start(bind_host(args.host), args.port, args.forward)
    except (OSError, RuntimeError) as exc:
        print(f"smtp-sink: cannot listen on {args.port}: {exc}", file=sys.stderr)
        return 1
    print(f"smtp-sink: listening on {bind_host(args.host)}:{args.port}, forwarding to {args.forward}", file=sys.stderr)
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
