"""The log store's own /metrics (prometheus_client): what it received, holds, dropped, served and alerted.

Names are the store's own (`obsgate_logstore_*`), not Loki's, so no dashboard mistakes it for Loki.
"""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from ... import __version__
from ..httpd import Response
from . import NAME

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StateCollector:
    """Gauges read at scrape time from the store and the ruler."""

    def __init__(self, store, ruler) -> None:
        self.store, self.ruler = store, ruler

    def collect(self):
        info = GaugeMetricFamily("obsgate_logstore_build_info", NAME, labels=["version", "stands_in_for"])
        info.add_metric([__version__, "loki"], 1)
        yield info
        streams = GaugeMetricFamily("obsgate_logstore_streams", "Streams held in memory.", labels=["tenant"])
        entries = GaugeMetricFamily("obsgate_logstore_entries", "Log entries held in memory.", labels=["tenant"])
        held = GaugeMetricFamily("obsgate_logstore_bytes", "Memory held by log entries (lines plus per-entry "
                                 "overhead), the measure of --max-bytes.", labels=["tenant"])
        disk = GaugeMetricFamily("obsgate_logstore_file_bytes", "Bytes of the tenant's append-only file.",
                                 labels=["tenant"])
        for tenant, st in self.store.stats().items():
            streams.add_metric([tenant], st.streams)
            entries.add_metric([tenant], st.entries)
            held.add_metric([tenant], st.bytes)
            disk.add_metric([tenant], st.file_bytes)
        yield from (streams, entries, held, disk)
        dropped = CounterMetricFamily("obsgate_logstore_dropped_entries", "Entries forgotten, by reason.",
                                      labels=["reason"])
        dropped.add_metric(["retention"], self.store.dropped_for_retention)
        dropped.add_metric(["byte_budget"], self.store.dropped_for_budget)
        dropped.add_metric(["torn_record"], self.store.torn_lines)
        yield dropped
        if self.ruler is not None:
            st = self.ruler.stats()
            for name, key, doc in (("obsgate_logstore_ruler_groups", "groups", "Rule groups loaded."),
                                   ("obsgate_logstore_ruler_rules", "rules", "Rules loaded."),
                                   ("obsgate_logstore_ruler_alerts_firing", "firing", "Alerts firing."),
                                   ("obsgate_logstore_ruler_load_errors", "load_errors", "Rule files not loaded.")):
                g = GaugeMetricFamily(name, doc)
                g.add_metric([], st[key])
                yield g
            for name, value, doc in (
                    ("obsgate_logstore_ruler_evaluations", self.ruler.evaluations, "Group evaluations."),
                    ("obsgate_logstore_ruler_evaluation_failures", self.ruler.failures, "Rule evaluations failed."),
                    ("obsgate_logstore_notifications_sent", self.ruler.notifier.sent, "Alerts sent to Alertmanager."),
                    ("obsgate_logstore_notifications_errors", self.ruler.notifier.errors, "Failed posts."),
                    ("obsgate_logstore_notifications_dropped", self.ruler.notifier.dropped, "Alerts dropped (queue).")):
                c = CounterMetricFamily(name, doc)
                c.add_metric([], value)
                yield c


class Metrics:
    def __init__(self, store, ruler=None) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_StateCollector(store, ruler))
        self.received_entries = Counter("obsgate_logstore_received_entries", "Entries accepted by the push API.",
                                        ["tenant"], registry=self.registry)
        self.received_bytes = Counter("obsgate_logstore_received_bytes", "Bytes of lines accepted by the push API.",
                                      ["tenant"], registry=self.registry)
        self.discarded = Counter("obsgate_logstore_discarded_entries", "Pushed entries not stored, by reason.",
                                 ["tenant", "reason"], registry=self.registry)
        self.requests = Counter("obsgate_logstore_requests", "HTTP requests, by route and status code.",
                                ["route", "code"], registry=self.registry)

    def observe_push(self, tenant: str, result) -> None:
        self.received_entries.labels(tenant).inc(result.accepted)
        self.received_bytes.labels(tenant).inc(result.accepted_bytes)
        if result.duplicates:
            self.discarded.labels(tenant, "duplicate").inc(result.duplicates)
        if result.too_old:
            self.discarded.labels(tenant, "older_than_retention").inc(result.too_old)

    def observe_request(self, route: str, status: int) -> None:
        if route.startswith("/loki/api/v1/label/"):
            route = "/loki/api/v1/label/<name>/values"
        self.requests.labels(route, str(status)).inc()

    def response(self) -> Response:
        return Response(200, generate_latest(self.registry), CONTENT_TYPE)
