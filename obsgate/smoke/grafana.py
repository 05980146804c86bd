"""Grafana (when it runs): healthy, datasources provisioned and healthy, every generated dashboard found."""
from __future__ import annotations

import base64
import os
import time

from .base import Case, Context
from . import http

FAMILY = "grafana"


def _auth() -> dict:
    user = os.environ.get("GRAFANA_ADMIN_USER", "admin")
    password = os.environ.get("GRAFANA_ADMIN_PASSWORD", "")
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def check(ctx: Context) -> list[Case]:
    if not ctx.has("grafana"):
        return []
    reason = ctx.skipped_reason("grafana")
    if reason:
        return [Case(FAMILY, "grafana checks").skip(reason)]
    base = ctx.url("grafana")
    cases = []
    health = Case(FAMILY, "health", query="GET /api/health")
    t0 = time.monotonic()
    try:
        answer = http.get(base + "/api/health")
        health.value = f"database {answer.get('database')}, version {answer.get('version')}"
        if answer.get("database") != "ok":
            health.fail(f"database is `{answer.get('database')}`")
    except http.HTTPError as exc:
        return [health.fail(str(exc))]
    health.seconds = time.monotonic() - t0
    cases.append(health)
    try:
        sources = http.get(base + "/api/datasources", headers=_auth())
    except http.HTTPError as exc:
        return cases + [Case(FAMILY, "datasources provisioned", query="GET /api/datasources").fail(
            str(exc), hint="set GRAFANA_ADMIN_PASSWORD to the password the stack was started with")]
    listed = Case(FAMILY, "datasources provisioned", query="GET /api/datasources",
                  value=", ".join(f"{s['name']} ({s['type']})" for s in sources))
    if not sources:
        listed.fail("no datasource is provisioned")
    cases.append(listed)
    for src in sources:
        case = Case(FAMILY, f"datasource {src['name']} healthy", query=f"GET /api/datasources/uid/{src['uid']}/health")
        t0 = time.monotonic()
        try:
            answer = http.get(base + f"/api/datasources/uid/{src['uid']}/health", headers=_auth())
            case.value = f"{answer.get('status')}: {answer.get('message', '')}"
            if answer.get("status") != "OK":
                case.fail(case.value)
        except http.HTTPError as exc:
            case.fail(str(exc))
        case.seconds = time.monotonic() - t0
        cases.append(case)
    found = {d["uid"] for d in http.get(base + "/api/search", {"type": "dash-db", "limit": "5000"}, headers=_auth())}
    for board in ctx.project.boards:
        case = Case(FAMILY, f"dashboard {board.uid} provisioned", query=f"GET /api/search?type=dash-db (uid {board.uid})",
                    value="found" if board.uid in found else "missing", path=board.path, line=board.line)
        if board.uid not in found:
            case.fail("not found through the search API", hint="check the dashboards provider path in provisioning")
        cases.append(case)
    return cases
