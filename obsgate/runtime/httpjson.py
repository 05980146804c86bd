"""A tiny JSON-over-HTTP client for the runtimes and the smoke checks (stdlib only; loopback, short timeouts)."""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request


class HTTPError(Exception):
    def __init__(self, url: str, status: int, body: str) -> None:
        super().__init__(f"{url}: HTTP {status}: {body[:300]}")
        self.url, self.status, self.body = url, status, body


def request(method: str, url: str, params: dict | None = None, body=None, timeout: float = 10.0,
            headers: dict | None = None, raw: bool = False):
    """The decoded JSON answer (or text when `raw`); HTTPError on a non-2xx status."""
    if params:
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
    data = None
    hdrs = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            text = resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        raise HTTPError(url, exc.code, exc.read().decode(errors="replace")) from None
    except urllib.error.URLError as exc:
        raise HTTPError(url, 0, str(exc.reason)) from None
    except OSError as exc:
        raise HTTPError(url, 0, str(exc)) from None
    if raw:
        return text
    return json.loads(text) if text.strip() else None


def get(url: str, params: dict | None = None, **kw):
    return request("GET", url, params, **kw)


def post(url: str, body=None, **kw):
    return request("POST", url, body=body, **kw)
