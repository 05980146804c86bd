"""A short-lived, real Loki for LogQL rule unit tests: temp dir, 127.0.0.1, free ports, one tenant per test.

This is a tool wrapper (it starts a process and talks HTTP); the test logic in loki_test.py only sees
its `push` and `query` methods.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import yaml


class LokiError(Exception):
    """Loki did not start, or refused a push or a query; the message says which and why."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_config(data: str, http_port: int, grpc_port: int) -> dict:
    """Single-binary Loki on loopback with auth on (a tenant per test) and old samples accepted.

    The querier talks to the query-frontend directly (`frontend_address`): with the default
    scheduler ring, /ready waits about 10 s for the ring lookup; this way Loki is ready in < 1 s.
    """
    return {
        "auth_enabled": True,
        "server": {"http_listen_address": "127.0.0.1", "http_listen_port": http_port,
                   "grpc_listen_address": "127.0.0.1", "grpc_listen_port": grpc_port, "log_level": "warn"},
        "common": {
            "instance_addr": "127.0.0.1",
            "path_prefix": data,
            "storage": {"filesystem": {"chunks_directory": f"{data}/chunks", "rules_directory": f"{data}/rules"}},
            "replication_factor": 1,
            "ring": {"kvstore": {"store": "inmemory"}},
        },
        "ingester": {"lifecycler": {"min_ready_duration": "0s", "final_sleep": "0s"}},
        "frontend_worker": {"frontend_address": f"127.0.0.1:{grpc_port}"},
        "schema_config": {"configs": [{
            "from": "2020-01-01", "store": "tsdb", "object_store": "filesystem", "schema": "v13",
            "index": {"prefix": "index_", "period": "24h"},
        }]},
        "limits_config": {"reject_old_samples": False, "allow_structured_metadata": True},
        "querier": {"query_ingesters_within": "0"},  # all test data sits in the ingester, whatever its age
        "analytics": {"reporting_enabled": False},
    }


class LokiServer:
    """`with LokiServer(binary) as loki:` starts Loki, waits for /ready, and always stops it."""

    def __init__(self, binary: str, startup_timeout: float = 60.0):
        self.binary = binary
        self.startup_timeout = startup_timeout
        self.proc: subprocess.Popen | None = None
        self.tmp: Path | None = None
        self.url = ""
        self.startup_seconds = 0.0

    def __enter__(self) -> "LokiServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        started = time.monotonic()
        self.tmp = Path(tempfile.mkdtemp(prefix="obsgate-loki-test-"))
        http_port, grpc_port = free_port(), free_port()
        while grpc_port == http_port:
            grpc_port = free_port()
        config = self.tmp / "loki.yml"
        config.write_text(yaml.safe_dump(server_config(str(self.tmp / "data"), http_port, grpc_port)))
        self.url = f"http://127.0.0.1:{http_port}"
        log = open(self.tmp / "loki.log", "wb")
        try:
            self.proc = subprocess.Popen([self.binary, f"-config.file={config}"], stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        except OSError as exc:
            log.close()
            self.stop()
            raise LokiError(f"cannot start `{self.binary}`: {exc}") from None
        log.close()
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                self.stop()
                raise LokiError(f"loki exited with code {self.proc.returncode} during startup: {tail}")
            try:
                with urllib.request.urlopen(self.url + "/ready", timeout=2) as resp:
                    if resp.read().strip() == b"ready":
                        self.startup_seconds = time.monotonic() - started
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        tail = self.log_tail()
        self.stop()
        raise LokiError(f"loki was not ready within {self.startup_timeout:.0f} s: {tail}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None

    def log_tail(self, lines: int = 5) -> str:
        try:
            text = (self.tmp / "loki.log").read_text(errors="replace") if self.tmp else ""
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def push(self, tenant: str, streams: list[tuple[dict, list[tuple[int, str]]]]) -> None:
        """Push `(labels, [(unix_ns, line), ...])` streams for `tenant` (one request)."""
        body = {"streams": [{"stream": labels, "values": [[str(ns), line] for ns, line in values]}
                            for labels, values in streams]}
        self._request("/loki/api/v1/push", tenant, data=json.dumps(body).encode(),
                      headers={"Content-Type": "application/json"})

    def query(self, tenant: str, expr: str, at: float) -> dict:
        """An instant query at unix time `at`; returns the response's `data` ({resultType, result})."""
        params = urllib.parse.urlencode({"query": expr, "time": f"{at:.3f}"})
        doc = json.loads(self._request(f"/loki/api/v1/query?{params}", tenant) or b"{}")
        if doc.get("status") != "success":
            raise LokiError(f"query failed: {doc}")
        return doc["data"]

    def _request(self, path: str, tenant: str, data: bytes | None = None, headers: dict | None = None) -> bytes:
        req = urllib.request.Request(self.url + path, data=data, headers={"X-Scope-OrgID": tenant, **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.read()
        except urllib.error.HTTPError as exc:
            raise LokiError(exc.read().decode(errors="replace").strip() or f"HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise LokiError(f"cannot reach loki at {self.url}: {exc}") from None
