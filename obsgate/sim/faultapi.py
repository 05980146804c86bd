"""The fault endpoints every simulator serves, over an Engine (GET/PUT/DELETE /faults[/<name>])."""
from __future__ import annotations

from .engine import Engine
from .httpd import Request, Response, error, json_response

PREFIX = "/faults"


def handle_faults(engine: Engine, req: Request) -> Response | None:
    """The response for a /faults request, or None when the path is not a fault endpoint."""
    if req.path.rstrip("/") == PREFIX:
        if req.method in ("GET", "HEAD"):
            return json_response(engine.describe())
        if req.method == "DELETE":
            return json_response({"active": list(engine.clear_all())})
        return error(405, f"{req.method} {PREFIX} is not supported; use GET or DELETE")
    if not req.path.startswith(PREFIX + "/"):
        return None
    name = req.path[len(PREFIX) + 1:].strip("/")
    try:
        if req.method in ("PUT", "POST"):
            return json_response({"active": list(engine.activate(name))})
        if req.method == "DELETE":
            return json_response({"active": list(engine.clear(name))})
        if req.method == "GET":
            return json_response({"name": name, "active": name in engine.active,
                                  **engine.faults[name].describe()})
    except KeyError:
        return error(404, f"unknown fault `{name}`", available=sorted(engine.faults))
    return error(405, f"{req.method} {req.path} is not supported; use PUT, DELETE or GET")
