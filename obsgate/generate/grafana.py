"""Grafana: dashboards (normalized JSON), datasource provisioning with fixed uids, a file provider.

Dashboards refer to datasources only through their `${datasource}`/`${loki}` variables; the fixed
uids here make those variables resolve to the provisioned datasources on any Grafana.
"""
from __future__ import annotations

from ..model.source import SourceRef
from ..model.board import Board
from ..project import Project
from .grafana_model import DATASOURCES, normalize
from .target import Target

DASHBOARDS_DIR = "generated/grafana/dashboards"
PROVISIONING_DIR = "generated/grafana/provisioning"
PROVIDER_NAME = "obsgate"


def dashboard(board: Board) -> dict:
    return normalize(board.dashboard, board.uid, SourceRef(board.path, board.line))


def _version(tag: str) -> str:
    return tag[1:] if tag.startswith("v") else tag


def datasources(project: Project, target: Target) -> dict:
    """Prometheus (default), Loki and Alertmanager, each only if the stack runs it."""
    stack = project.stack
    ident = {dtype: (name, uid) for name, dtype, uid in DATASOURCES}
    out = []
    if stack.has("prometheus"):
        name, uid = ident["prometheus"]
        out.append({
            "name": name, "type": "prometheus", "uid": uid, "access": "proxy",
            "url": "http://" + target.addr(stack, "prometheus"), "isDefault": True, "editable": False,
            # timeInterval = the scrape interval, so $__rate_interval is never shorter than 4 scrapes
            "jsonData": {"httpMethod": "POST", "timeInterval": target.profile.scrape_interval,
                         "prometheusType": "Prometheus",
                         "prometheusVersion": _version(stack.service("prometheus").tag)},
        })
    if stack.has("loki"):
        name, uid = ident["loki"]
        out.append({"name": name, "type": "loki", "uid": uid, "access": "proxy",
                    "url": "http://" + target.addr(stack, "loki"), "isDefault": not stack.has("prometheus"),
                    "editable": False, "jsonData": {"maxLines": 1000}})
    if stack.has("alertmanager"):
        name, uid = ident["alertmanager"]
        out.append({"name": name, "type": "alertmanager", "uid": uid, "access": "proxy",
                    "url": "http://" + target.addr(stack, "alertmanager"), "isDefault": False, "editable": False,
                    "jsonData": {"implementation": "prometheus", "handleGrafanaManagedAlerts": False}})
    return {"apiVersion": 1, "datasources": out}


def provider(target: Target) -> dict:
    """One file provider: dashboards are code, so the UI may not save over them."""
    return {"apiVersion": 1, "providers": [{
        "name": PROVIDER_NAME, "orgId": 1, "folder": "obsgate", "type": "file", "disableDeletion": True,
        "allowUiUpdates": False, "updateIntervalSeconds": 30,
        "options": {"path": target.path("grafana_dashboards"), "foldersFromFilesStructure": False},
    }]}


def files(project: Project, target: Target) -> dict[str, object]:
    out: dict[str, object] = {}
    for board in project.boards:
        out[f"{DASHBOARDS_DIR}/{board.uid}.json"] = dashboard(board)
    sources = datasources(project, target)
    if sources["datasources"]:
        out[f"{PROVISIONING_DIR}/datasources/datasources.yml"] = sources
    if project.boards:
        out[f"{PROVISIONING_DIR}/dashboards/dashboards.yml"] = provider(target)
    return out
