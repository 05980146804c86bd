"""A tiny threaded HTTP shell shared by the simulators, the gateway and the sink.

Apps are objects with `handle(Request) -> Response`; this module owns sockets, signals and framing,
so the apps stay plain functions of a request. Bind address: `--host`, else env OBSGATE_BIND_HOST,
else 127.0.0.1 (the image sets 0.0.0.0, because a container's loopback is unreachable from outside).
"""
from __future__ import annotations

import errno
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable, Mapping
from urllib.parse import parse_qs, urlsplit

DEFAULT_HOST = "127.0.0.1"
MAX_BODY = 8 * 1024 * 1024


class BadRequest(Exception):
    """The client's fault: becomes a 400 (or `status`) with a JSON error body."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: Mapping[str, list[str]]
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]

    def json(self) -> object:
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequest(f"request body is not JSON: {exc}") from None


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""  # an iterable is streamed chunk by chunk, then the connection closes
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)


def json_response(doc: object, status: int = 200) -> Response:
    return Response(status, (json.dumps(doc, sort_keys=True) + "\n").encode())


def error(status: int, message: str, **extra: object) -> Response:
    return json_response({"error": message, **extra}, status)


def bind_host(cli_value: str | None) -> str:
    return cli_value or os.environ.get("OBSGATE_BIND_HOST") or DEFAULT_HOST


def _handler(app, quiet: bool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "obsgate-sim"

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(error(413, f"body of {length} bytes exceeds {MAX_BODY}"))
                return
            body = self.rfile.read(length) if length else b""
            req = Request(self.command, url.path, parse_qs(url.query), body,
                          {k.lower(): v for k, v in self.headers.items()})
            try:
                resp = app.handle(req)
            except BadRequest as exc:
                resp = error(exc.status, str(exc))
            except Exception as exc:  # a bug must answer 500, not hang the client
                resp = error(500, f"{type(exc).__name__}: {exc}")
            self._send(resp)

        def _send(self, resp: Response) -> None:
            try:
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.content_type)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                if isinstance(resp.body, (bytes, bytearray)):
                    self.send_header("Content-Length", str(len(resp.body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(resp.body)
                    return
                self.send_header("Connection", "close")
                self.end_headers()
                for chunk in resp.body:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                self.close_connection = True
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _serve

        def log_message(self, fmt: str, *args) -> None:
            if not quiet:
                sys.stderr.write(f"{self.address_string()} {fmt % args}\n")

    return Handler


class PortInUse(Exception):
    pass


def make_server(app, host: str, port: int, quiet: bool = True) -> ThreadingHTTPServer:
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    try:
        return ThreadingHTTPServer((host, port), _handler(app, quiet))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(f"port {port} on {host} is already in use") from None
        raise


def serve(app, host: str, port: int, name: str, on_stop: Callable[[], None] | None = None,
          quiet: bool = True) -> int:
    """Serve until SIGTERM/SIGINT; exit code 0 on a clean stop, 1 when the port cannot be bound."""
    try:
        server = make_server(app, host, port, quiet)
    except (PortInUse, OSError) as exc:
        print(f"{name}: error: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()

    def _stop(signum, frame) -> None:
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"{name}: listening on http://{host}:{server.server_address[1]}", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        if on_stop is not None:
            on_stop()
        server.server_close()
    print(f"{name}: stopped", file=sys.stderr, flush=True)
    return 0
