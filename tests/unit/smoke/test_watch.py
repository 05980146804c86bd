"""A dead service fails smoke in seconds, named; a refused connection is never "not yet"."""
from __future__ import annotations

import http.server as httpserver
import socket
import threading
import time
from types import SimpleNamespace

import pytest

from obsgate.smoke import http, run_all, watch
from obsgate.smoke.base import FAILED


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler(httpserver.BaseHTTPRequestHandler):
    status = 200

    def do_GET(self):  # noqa: N802
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    srv = httpserver.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    srv.status = 200
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield srv
    srv.shutdown()
    srv.server_close()


def ctx_for(ports: dict[str, int]):
    services = [SimpleNamespace(name=n, port=p, health_kind="http", health="/-/healthy", native=None)
                for n, p in ports.items()]
    stack = SimpleNamespace(services=services, service=lambda n: next(s for s in services if s.name == n),
                            has=lambda n: n in ports)
    return SimpleNamespace(project=SimpleNamespace(stack=stack), state={}, skipped_reason=lambda n: "", root=None)


def test_a_refusing_service_is_dead_within_a_second(server):
    ctx = ctx_for({"prometheus": server.server_port, "alertmanager": free_port()})
    w = watch.Watch(ctx)
    t0 = time.monotonic()
    assert w.require(["prometheus", "alertmanager"]) == {
        "alertmanager": f"GET http://127.0.0.1:{w.checks['alertmanager'].port}/-/healthy: connection refused"}
    assert time.monotonic() - t0 < 1.5


def test_a_service_answering_with_an_error_status_is_not_dead(server):
    server.status = 503
    w = watch.Watch(ctx_for({"prometheus": server.server_port}))
    assert w.require(["prometheus"]) == {}


def test_a_refused_request_raises_service_down_and_later_requests_fail_at_once(server):
    dead = free_port()
    ctx = ctx_for({"prometheus": server.server_port, "alertmanager": dead})
    with watch.Watch(ctx).running():
        assert http.get(f"http://127.0.0.1:{server.server_port}/api") == {}
        with pytest.raises(watch.ServiceDown, match="service `alertmanager` is down"):
            http.get(f"http://127.0.0.1:{dead}/api/v2/alerts")
        t0 = time.monotonic()
        with pytest.raises(watch.ServiceDown):  # even a request to a live service: the run is over
            http.get(f"http://127.0.0.1:{server.server_port}/api")
        assert time.monotonic() - t0 < 0.1
    assert http.get(f"http://127.0.0.1:{server.server_port}/api") == {}  # outside smoke: plain client


def test_the_background_probe_notices_a_service_that_dies(server):
    port = server.server_port
    ctx = ctx_for({"prometheus": port})
    with watch.Watch(ctx).running() as w:
        server.shutdown()
        server.server_close()
        deadline = time.monotonic() + 5
        while not w.dead and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "prometheus" in w.dead


def test_a_stage_whose_service_is_dead_fails_at_once_naming_it(server):
    ctx = ctx_for({"prometheus": server.server_port, "alertmanager": free_port()})
    t0 = time.monotonic()
    cases = run_all(ctx, ("alertmanager",))
    assert time.monotonic() - t0 < 3
    failed = [c for c in cases if c.status == FAILED]
    assert [c.message for c in failed if c.family == "alertmanager"] == [
        f"service `alertmanager` is down (GET http://127.0.0.1:{ctx.project.stack.service('alertmanager').port}"
        "/-/healthy: connection refused); the alertmanager checks did not run"]
    assert any(c.family == "stack" and "service `alertmanager` died" in c.message for c in failed)
