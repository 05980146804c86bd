"""POST a JSON body and say what went wrong, for the services that push (log pusher, log store's notifier).

Both retry on their own schedule, so a failure is an answer (the reason as one line), not an exception.
"""
from __future__ import annotations

import urllib.error
import urllib.request


def post_json(url: str, body: bytes, timeout: float, headers: dict | None = None) -> str:
    """"" when the server took it, else the reason (with the first 200 bytes of an HTTP error's body)."""
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
    except (urllib.error.URLError, OSError) as exc:
        detail = exc.read().decode(errors="replace")[:200] if isinstance(exc, urllib.error.HTTPError) else ""
        return f"{exc} {detail}".strip() or type(exc).__name__
    return ""
