"""The log store's ruler: evaluates each tenant's rule groups on their interval against the store, sends
alerts to Alertmanager, and lists rules and alerts where Loki's ruler does:
GET /prometheus/api/v1/rules, GET /prometheus/api/v1/alerts (Prometheus' JSON) and GET /loki/api/v1/rules
(the rule groups as YAML, by namespace). Rule files are re-read when they change.
"""
from __future__ import annotations

import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml

from ...logql import instant
from ..httpd import Response, json_response
from . import rules as rules_mod
from .notifier import Notifier, payload
from .rules import FIRING, INACTIVE, Group, go_float
from .storage import Store

RESEND_DELAY = 60.0  # Loki's ruler.resend_delay default, as Prometheus' --rules.alert.resend-delay
POLL_INTERVAL = 10.0  # how often rule files are checked for changes


def _rfc3339nano(ts: float) -> str:
    if not ts:
        return "0001-01-01T00:00:00Z"
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Ruler:
    def __init__(self, store: Store, rules_dir: Path | None, interval_s: float, notifier: Notifier,
                 external_url: str, resend_delay: float = RESEND_DELAY, clock=time.time, log=None) -> None:
        self.store = store
        self.rules_dir = Path(rules_dir) if rules_dir else None
        self.interval_s = interval_s
        self.notifier = notifier
        self.external_url = external_url
        self.resend_delay = resend_delay
        self.clock = clock
        self.log = log or (lambda msg: print(f"logstore: {msg}", file=sys.stderr, flush=True))
        self.groups: list[Group] = []
        self.load_errors: list[str] = []
        self.evaluations = 0
        self.failures = 0
        self._sig: tuple = ()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="logstore-ruler", daemon=True)
        self.reload()

    # --- loading -----------------------------------------------------------------------------------
    def reload(self) -> bool:
        """Re-read the rule files if they changed; alert states of unchanged rules carry over."""
        sig = rules_mod.signature(self.rules_dir)
        if sig == self._sig and (self.groups or not sig):
            return False
        groups, errors = rules_mod.load_dir(self.rules_dir, self.interval_s)
        with self._lock:
            old = {(g.tenant, g.file, g.name): g for g in self.groups}
            for g in groups:
                prev = old.get((g.tenant, g.file, g.name))
                if prev is None:
                    continue
                by_key = {r.key(): r for r in prev.rules}
                g.next_due, g.last_eval = prev.next_due, prev.last_eval
                for i, r in enumerate(g.rules):
                    kept = by_key.get(r.key())
                    if kept is not None and not r.error:
                        g.rules[i] = kept
            self.groups, self.load_errors, self._sig = groups, errors, sig
        for err in errors:
            self.log(f"rule file not loaded: {err}")
        count = sum(len(g.rules) for g in groups)
        self.log(f"ruler: {len(groups)} group(s), {count} rule(s) from {self.rules_dir}")
        return True

    # --- evaluation --------------------------------------------------------------------------------
    def start(self) -> "Ruler":
        self.notifier.start()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self.notifier.stop()

    def _run(self) -> None:
        next_poll = time.monotonic() + POLL_INTERVAL
        while not self._stop.is_set():
            if time.monotonic() >= next_poll:
                try:
                    self.reload()
                except OSError as exc:
                    self.log(f"cannot re-read the rules: {exc}")
                next_poll = time.monotonic() + POLL_INTERVAL
            now = self.clock()
            with self._lock:
                due = [g for g in self.groups if g.next_due <= now]
            for g in due:
                try:
                    self.evaluate(g, now)
                except Exception as exc:  # a bug must cost one evaluation, not the ruler thread
                    self.failures += 1
                    self.log(f"evaluating group {g.name} ({g.tenant}) failed: {type(exc).__name__}: {exc}")
                g.next_due = now + g.interval_s
            with self._lock:
                wake = min((g.next_due for g in self.groups), default=now + POLL_INTERVAL)
            self._stop.wait(max(0.05, min(wake - self.clock(), next_poll - time.monotonic())))

    def evaluate(self, group: Group, ts: float) -> None:
        """One evaluation of every rule of the group at `ts`, then the alerts that need sending."""
        t0 = time.monotonic()
        at_ns = int(ts * 1e9)
        out: list[dict] = []
        for rule in group.rules:
            if rule.error:
                continue
            r0 = time.monotonic()
            try:
                q = rule.query
                streams = self.store.select(group.tenant, q.selectors(), at_ns - q.range_ns(), at_ns)
                result = instant(q, streams, at_ns)
                samples = _samples(result)
                with self._lock:
                    rule.evaluate(samples, ts)
                    if rule.kind == "alerting":
                        sent = rule.to_send(ts, self.resend_delay, group.interval_s)
                        out.extend(payload(sent, rule.expr, self.external_url))
                rule.health, rule.last_error = "ok", ""
            except Exception as exc:  # an evaluation error is the rule's health, as in Loki; never the thread's end
                rule.health, rule.last_error = "err", f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
                self.failures += 1
            rule.last_eval, rule.eval_seconds = ts, time.monotonic() - r0
        group.last_eval, group.eval_seconds = ts, time.monotonic() - t0
        self.evaluations += 1
        self.notifier.send(out)

    # --- listing -----------------------------------------------------------------------------------
    def handle(self, req, path: str, tenant: str) -> Response | None:
        if path == "/prometheus/api/v1/rules":
            return json_response({"status": "success", "data": {"groups": self.rule_groups(tenant, req.arg("type"))}})
        if path == "/prometheus/api/v1/alerts":
            return json_response({"status": "success", "data": {"alerts": self.alerts(tenant)}})
        if path == "/loki/api/v1/rules":
            spaces = self.namespaces(tenant)
            if not spaces:
                return Response(404, b"no rule groups found\n", "text/plain; charset=utf-8")
            return Response(200, yaml.safe_dump(spaces, sort_keys=True).encode(), "application/yaml")
        return None

    def _tenant_groups(self, tenant: str) -> list[Group]:
        return [g for g in self.groups if g.tenant == tenant]

    def rule_groups(self, tenant: str, kind: str = "") -> list[dict]:
        with self._lock:
            out = []
            for g in self._tenant_groups(tenant):
                rules = [_rule_doc(r) for r in g.rules
                         if not kind or (kind == "alert") == (r.kind == "alerting")]
                out.append({"name": g.name, "file": g.file, "interval": g.interval_s, "limit": 0, "rules": rules,
                            "evaluationTime": g.eval_seconds, "lastEvaluation": _rfc3339nano(g.last_eval)})
            return out

    def alerts(self, tenant: str) -> list[dict]:
        with self._lock:
            return [_alert_doc(a) for g in self._tenant_groups(tenant) for r in g.rules
                    for a in r.active.values() if a.state != INACTIVE]

    def namespaces(self, tenant: str) -> dict:
        with self._lock:
            spaces: dict[str, list] = {}
            for g in self._tenant_groups(tenant):
                rules = []
                for r in g.rules:
                    doc: dict = {("alert" if r.kind == "alerting" else "record"): r.name, "expr": r.expr}
                    if r.for_s:
                        doc["for"] = f"{r.for_s:g}s"
                    if r.labels:
                        doc["labels"] = r.labels
                    if r.annotations:
                        doc["annotations"] = r.annotations
                    rules.append(doc)
                spaces.setdefault(g.file, []).append({"name": g.name, "interval": f"{g.interval_s:g}s",
                                                      "rules": rules})
            return spaces

    def stats(self) -> dict:
        with self._lock:
            return {"groups": len(self.groups), "rules": sum(len(g.rules) for g in self.groups),
                    "firing": sum(1 for g in self.groups for r in g.rules for a in r.active.values()
                                  if a.state == FIRING),
                    "load_errors": len(self.load_errors)}


def _samples(result) -> list[tuple[dict, float]]:
    if result.result_type == "vector":
        return result.samples()
    if result.result_type == "scalar":
        return [({}, float(result.to_api()["result"][1]))]
    raise ValueError(f"rule result is a {result.result_type}, not a vector or scalar")


def _alert_doc(a) -> dict:
    doc = {"labels": a.labels, "annotations": a.annotations, "state": a.state,
           "activeAt": _rfc3339nano(a.active_at), "value": go_float(a.value)}
    if a.keep_firing_since:
        doc["keepFiringSince"] = _rfc3339nano(a.keep_firing_since)
    return doc


def _rule_doc(r) -> dict:
    doc = {"name": r.name, "query": r.expr, "health": r.health, "lastError": r.last_error,
           "evaluationTime": r.eval_seconds, "lastEvaluation": _rfc3339nano(r.last_eval), "labels": r.labels}
    if r.kind == "alerting":
        doc.update({"type": "alerting", "state": r.state, "duration": r.for_s, "keepFiringFor": r.keep_firing_for_s,
                    "annotations": r.annotations,
                    "alerts": [_alert_doc(a) for a in r.active.values() if a.state != INACTIVE]})
    else:
        doc["type"] = "recording"
    return doc
