"""A small client for a real Loki's push and query APIs, for `obsgate loki-test --loki URL`.

It starts nothing: the user's Loki (the official image under the docker runtime, in CI's live job)
answers the same test files obsgate's engine runs, so every merge compares the two.
"""
from __future__ import annotations

from .logql.ruletest.runner import BackendError
from .runtime.httpjson import HTTPError, get, post


class LokiClient:
    """`push` and `evaluate` of the ruletest backend interface, over HTTP, one tenant per test."""

    def __init__(self, url: str, timeout: float = 30.0):
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.name = f"loki at {self.url}"

    def ready(self) -> str:
        """Loki's build version; BackendError when it is not reachable or not ready."""
        try:
            text = get(self.url + "/ready", timeout=self.timeout, raw=True)
        except HTTPError as exc:
            raise BackendError(f"{self.url} is not ready: {exc}") from None
        if "ready" not in (text or ""):
            raise BackendError(f"{self.url} is not ready: {text.strip()[:200]}")
        try:
            info = get(self.url + "/loki/api/v1/status/buildinfo", timeout=self.timeout) or {}
        except HTTPError:
            info = {}
        return str(info.get("version", "unknown version"))

    def push(self, tenant: str, streams) -> None:
        body = {"streams": [{"stream": labels, "values": [[str(ns), line] for ns, line in values]}
                            for labels, values in streams]}
        try:
            post(self.url + "/loki/api/v1/push", body, timeout=self.timeout, headers={"X-Scope-OrgID": tenant},
                 raw=True)
        except HTTPError as exc:
            raise BackendError(exc.body.strip() or str(exc)) from None

    def query(self, tenant: str, expr: str, at: float) -> list[tuple[dict, float]]:
        try:
            doc = get(self.url + "/loki/api/v1/query", {"query": expr, "time": f"{at:.3f}"}, timeout=self.timeout,
                      headers={"X-Scope-OrgID": tenant})
        except HTTPError as exc:
            raise BackendError(exc.body.strip() or str(exc)) from None
        if not isinstance(doc, dict) or doc.get("status") != "success":
            raise BackendError(f"query failed: {doc}")
        return series_of(doc["data"])


    def evaluate(self, tenant: str, expr: str, times: list[float]) -> list[list[tuple[dict, float]]]:
        """Instant queries at each time, as Loki's ruler evaluates a rule (no range-query splitting)."""
        return [self.query(tenant, expr, t) for t in times]


def series_of(data: dict) -> list[tuple[dict, float]]:
    """Instant-query `data` -> [(labels, value)]; a scalar is one series without labels, as in Prometheus."""
    kind = data.get("resultType")
    if kind == "vector":
        return [({k: v for k, v in s["metric"].items() if k != "__name__"}, float(s["value"][1]))
                for s in data.get("result", [])]
    if kind == "scalar":
        return [({}, float(data["result"][1]))]
    raise BackendError(f"the expression returns `{kind}`, not a metric vector: an alert needs a metric query "
                       "(e.g. `sum(count_over_time({...}[5m])) > 0`)")
