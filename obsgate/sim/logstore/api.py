"""The log store's HTTP routes, the subset of Loki's API that obsgate's stack uses (see the package docstring).

Parameters, defaults and limits follow Loki's HTTP API documentation: times as unix seconds, nanoseconds
or RFC3339; `limit` 100 (at most 5000); `direction` backward; the range `step` defaulting to the range
over 250; errors as a 4xx with the reason as plain text. The tenant is the X-Scope-OrgID header.
"""
from __future__ import annotations

import math
import re
import time
from datetime import datetime
from urllib.parse import parse_qs, unquote

from ... import __version__
from ...analysis.durations import seconds as duration_seconds
from ...logql import LogQLSyntaxError, instant, parse, range_query
from ..httpd import BadRequest, Request, Response, json_response
from . import NAME, DEFAULT_TENANT
from .proto import decode_protobuf
from .push import decode_json, inflate
from .storage import Store, check_tenant

MAX_LIMIT = 5000           # Loki's max_entries_limit_per_query
MAX_POINTS = 11000         # Loki's (and Prometheus') cap on points per series of a range query
DEFAULT_RANGE_NS = 3600 * 10**9
DEFAULT_LABELS_RANGE_NS = 6 * 3600 * 10**9
LABEL_VALUES_RE = re.compile(r"^/loki/api/v1/label/([^/]+)/values$")
ROUTES = ["POST /loki/api/v1/push", "GET /loki/api/v1/query", "GET /loki/api/v1/query_range",
          "GET /loki/api/v1/labels", "GET /loki/api/v1/label/<name>/values", "GET /loki/api/v1/series",
          "GET /loki/api/v1/status/buildinfo", "GET /ready", "GET /metrics",
          "GET /prometheus/api/v1/rules", "GET /prometheus/api/v1/alerts", "GET /loki/api/v1/rules"]


def text_error(status: int, message: str) -> Response:
    return Response(status, (message.rstrip() + "\n").encode(), "text/plain; charset=utf-8")


def success(data: object) -> Response:
    return json_response({"status": "success", "data": data})


def parse_time(value: str, default_ns: int, name: str) -> int:
    """Loki's timestamp parameter: `1700000000.5` (seconds), `1700000000` (<= 10 digits: seconds),
    `1700000000000000000` (nanoseconds) or RFC3339."""
    if not value:
        return default_ns
    if "." in value:
        try:
            return int(round(float(value) * 1e3)) * 10**6
        except ValueError:
            pass
    try:
        n = int(value)
    except ValueError:
        try:
            dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise BadRequest(f"invalid parameter `{name}`: cannot parse `{value}` as a unix time or RFC3339") from None
        return int(dt.timestamp()) * 10**9 + dt.microsecond * 1000
    return n * 10**9 if len(value.lstrip("-")) <= 10 else n


def parse_step(value: str, start_ns: int, end_ns: int) -> int:
    if not value:
        return max(math.floor((end_ns - start_ns) / 1e9 / 250), 1) * 10**9
    try:
        step = float(value)
    except ValueError:
        try:
            step = duration_seconds(value)
        except ValueError:
            raise BadRequest(f"invalid parameter `step`: `{value}` is neither seconds nor a duration") from None
    if step <= 0:
        raise BadRequest("zero or negative query resolution step widths are not accepted. "
                         "Try a positive integer")
    return int(round(step * 1e9))


def parse_limit(value: str) -> int:
    if not value:
        return 100
    try:
        limit = int(value)
    except ValueError:
        raise BadRequest(f"invalid parameter `limit`: `{value}` is not an integer") from None
    if limit <= 0:
        raise BadRequest("limit must be a positive value")
    if limit > MAX_LIMIT:
        raise BadRequest(f"max entries limit per query exceeded, limit > max_entries_limit ({limit} > {MAX_LIMIT})")
    return limit


def parse_direction(value: str) -> str:
    value = (value or "backward").lower()
    if value not in ("forward", "backward"):
        raise BadRequest(f"invalid parameter `direction`: `{value}` (use forward or backward)")
    return value


def tenant_of(req: Request) -> str:
    tenant = req.headers.get("x-scope-orgid", "").strip() or DEFAULT_TENANT
    try:
        return check_tenant(tenant)
    except ValueError as exc:
        raise BadRequest(str(exc), 401) from None


def _params(req: Request) -> dict[str, list[str]]:
    """Query string, plus a form-encoded body (Loki accepts POST for queries, series and labels)."""
    params = {k: list(v) for k, v in req.query.items()}
    if req.method == "POST" and "x-www-form-urlencoded" in req.headers.get("content-type", ""):
        for k, v in parse_qs(req.body.decode(errors="replace")).items():
            params.setdefault(k, []).extend(v)
    return params


def _one(params: dict, name: str) -> str:
    return (params.get(name) or [""])[0]


class LogStoreApp:
    """Routes requests to the store, the engine and (when one runs) the ruler."""

    def __init__(self, store: Store, ruler=None, metrics=None, clock=time.time_ns) -> None:
        self.store = store
        self.ruler = ruler
        self.metrics = metrics
        self.clock = clock

    def handle(self, req: Request) -> Response:
        path = req.path.rstrip("/") or "/"
        try:
            resp = self._route(req, path)
        except BadRequest as exc:
            resp = text_error(exc.status, str(exc))
        if self.metrics is not None:
            self.metrics.observe_request(path if resp.status != 404 else "other", resp.status)
        return resp

    def _route(self, req: Request, path: str) -> Response:
        if path == "/ready":
            return Response(200, f"ready ({NAME})\n".encode(), "text/plain; charset=utf-8")
        if path == "/metrics" and self.metrics is not None:
            return self.metrics.response()
        if path == "/loki/api/v1/status/buildinfo":
            return json_response({"version": __version__, "name": NAME, "revision": "", "branch": "",
                                  "buildUser": "", "buildDate": "", "goVersion": ""})
        if path == "/loki/api/v1/push":
            if req.method != "POST":
                return text_error(405, "use POST")
            return self.push(req)
        if path in ("/loki/api/v1/query", "/loki/api/v1/query_range"):
            return self.query(req, ranged=path.endswith("_range"))
        if path == "/loki/api/v1/labels":
            return self.labels(req)
        m = LABEL_VALUES_RE.match(path)
        if m:
            return self.label_values(req, unquote(m.group(1)))
        if path == "/loki/api/v1/series":
            return self.series(req)
        if self.ruler is not None:
            resp = self.ruler.handle(req, path, tenant_of(req))
            if resp is not None:
                return resp
        return text_error(404, f"404 page not found: {req.method} {req.path} is not served by {NAME}; "
                               f"routes: {', '.join(ROUTES)}")

    # --- writes ------------------------------------------------------------------------------------
    def push(self, req: Request) -> Response:
        tenant = tenant_of(req)
        ctype = req.headers.get("content-type", "application/json").split(";")[0].strip().lower()
        if ctype == "application/x-protobuf":
            batches = decode_protobuf(req.body, self.clock())
        elif ctype in ("application/json", ""):
            batches = decode_json(inflate(req.body, req.headers.get("content-encoding", "")), self.clock())
        else:
            raise BadRequest(f"unsupported Content-Type `{ctype}`: push application/json (optionally gzip) or "
                             "application/x-protobuf (snappy)", 415)
        try:
            result = self.store.push(tenant, batches)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        if self.metrics is not None:
            self.metrics.observe_push(tenant, result)
        return Response(204, b"", "text/plain")

    # --- queries -----------------------------------------------------------------------------------
    def _parse(self, text: str):
        if not text.strip():
            raise BadRequest("query parameter `query` is required")
        try:
            return parse(text)
        except LogQLSyntaxError as exc:  # Unsupported included: never evaluated wrongly in silence
            raise BadRequest(str(exc)) from None

    def query(self, req: Request, ranged: bool) -> Response:
        tenant = tenant_of(req)
        p = _params(req)
        q = self._parse(_one(p, "query"))
        limit = parse_limit(_one(p, "limit"))
        direction = parse_direction(_one(p, "direction"))
        now = self.clock()
        back = q.range_ns()
        if ranged:
            end = parse_time(_one(p, "end"), now, "end")
            start = parse_time(_one(p, "start"), end - DEFAULT_RANGE_NS, "start")
            if end < start:
                raise BadRequest("end timestamp must not be before or equal to start time")
            step = parse_step(_one(p, "step"), start, end)
            if (end - start) // step + 1 > MAX_POINTS:
                raise BadRequest("exceeded maximum resolution of 11,000 points per timeseries. Try increasing the "
                                 "value of the step parameter")
        else:
            start = end = parse_time(_one(p, "time"), now, "time")
        streams = self.store.select(tenant, q.selectors(), start - back, end)
        try:
            if ranged:
                result = range_query(q, streams, start, end, step, limit=limit, direction=direction)
            else:
                result = instant(q, streams, end, limit=limit, direction=direction)
        except ValueError as exc:
            # The engine's query errors (e.g. Loki's "log queries are not supported as an instant query type")
            # are ValueErrors: the client's query, a 400 as in Loki.
            raise BadRequest(str(exc)) from None
        return success(result.to_api())

    def _span(self, p: dict) -> tuple[int, int]:
        now = self.clock()
        end = parse_time(_one(p, "end"), now, "end")
        return parse_time(_one(p, "start"), end - DEFAULT_LABELS_RANGE_NS, "start"), end

    def _selectors(self, texts: list[str]) -> list:
        sels = []
        for text in texts:
            if text.strip():
                sels.extend(self._parse(text).selectors())
        return sels

    def labels(self, req: Request) -> Response:
        p = _params(req)
        start, end = self._span(p)
        found = self.store.series(tenant_of(req), self._selectors(p.get("query", [])), start, end)
        return success(sorted({name for labels in found for name, _ in labels}))

    def label_values(self, req: Request, name: str) -> Response:
        p = _params(req)
        start, end = self._span(p)
        found = self.store.series(tenant_of(req), self._selectors(p.get("query", [])), start, end)
        return success(sorted({v for labels in found for k, v in labels if k == name}))

    def series(self, req: Request) -> Response:
        p = _params(req)
        texts = p.get("match[]", []) + p.get("match", [])
        if not any(t.strip() for t in texts):
            raise BadRequest("at least one `match[]` selector is required, e.g. match[]={service=\"api\"}")
        start, end = self._span(p)
        found = self.store.series(tenant_of(req), self._selectors(texts), start, end)
        return success([dict(labels) for labels in found])
