"""The smoke checks' JSON-over-HTTP client: runtime/httpjson.py (one copy), asking the smoke watch
(watch.py) whether a service is dead when a request gets no answer, so a dead one fails in seconds."""
from ..runtime.httpjson import HTTPError
from ..runtime.httpjson import request as _request
from . import watch

__all__ = ["HTTPError", "get", "post", "request"]


def request(method: str, url: str, params: dict | None = None, body=None, **kw):
    w = watch.current()
    if w is not None:
        w.raise_if_dead()
    try:
        return _request(method, url, params, body, **kw)
    except HTTPError as exc:
        if exc.status == 0 and w is not None:
            w.on_refused(url)
        raise


def get(url: str, params: dict | None = None, **kw):
    return request("GET", url, params, **kw)


def post(url: str, body=None, **kw):
    return request("POST", url, body=body, **kw)
