"""The SMTP sink's decoding of what Alertmanager sends (a multipart/alternative message, encoded subject)."""
from __future__ import annotations

from email.message import EmailMessage

from obsgate.sim.smtp_sink import decode


def test_decode_keeps_subject_recipients_html_and_the_obsgate_headers():
    msg = EmailMessage()
    msg["Subject"] = "🚨 R3 Violation"
    msg["From"] = "alerts@example.org"
    msg["To"] = "a@example.org, b@example.org"
    msg["X-Obsgate-Receiver"] = "llmscope-email"
    msg.set_content("plain body")
    msg.add_alternative("<td>Latency</td><td>3500.50ms</td>", subtype="html")
    got = decode(msg.as_bytes(), "alerts@example.org", ["a@example.org", "b@example.org"])
    assert got["subject"] == "🚨 R3 Violation" and got["to"] == ["a@example.org", "b@example.org"]
    assert got["html"].strip() == "<td>Latency</td><td>3500.50ms</td>" and got["text"].strip() == "plain body"
    assert got["headers"]["X-Obsgate-Receiver"] == "llmscope-email"


def test_decode_of_a_message_without_a_body_gives_empty_parts():
    got = decode(b"Subject: x\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n", "f", ["t"])
    assert (got["subject"], got["html"], got["text"]) == ("x", "", "")
