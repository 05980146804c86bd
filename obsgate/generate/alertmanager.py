"""alertmanager.yml: severity routing, grouping, critical-mutes-warning inhibition.

Secrets (webhook URLs, Slack URLs, SMTP password) are only ever `*_file` paths; the files
themselves are provided at run time and never generated.
"""
from __future__ import annotations

from ..model import Receiver
from ..project import Project
from .target import Target


def _secret(target: Target, receiver: Receiver) -> str:
    return f"{target.path('am_secrets')}/{receiver.secret_file or receiver.name}"


def receiver_dict(target: Target, r: Receiver) -> dict:
    if r.kind == "webhook":
        return {"name": r.name, "webhook_configs": [{"url_file": _secret(target, r), "send_resolved": r.send_resolved}]}
    if r.kind == "slack":
        cfg = {"api_url_file": _secret(target, r), "channel": r.channel, "send_resolved": r.send_resolved}
        for key in ("title", "text", "color"):
            if getattr(r, key):
                cfg[key] = getattr(r, key)
        return {"name": r.name, "slack_configs": [cfg]}
    if r.kind == "email":
        cfg = {"to": r.to, "send_resolved": r.send_resolved}
        if r.title:
            cfg["headers"] = {"Subject": r.title}
        if r.text:
            cfg["html"] = r.text
        return {"name": r.name, "email_configs": [cfg]}
    raise ValueError(f"receiver `{r.name}`: unknown kind `{r.kind}` (webhook, slack, email)")


def config(project: Project, target: Target) -> dict:
    routing = project.stack.routing
    prof = target.profile
    glob: dict = {"resolve_timeout": "5m"}
    if routing.smtp_smarthost:
        glob.update({"smtp_from": routing.smtp_from, "smtp_smarthost": routing.smtp_smarthost,
                     "smtp_auth_username": routing.smtp_username,
                     "smtp_auth_password_file": f"{target.path('am_secrets')}/{routing.smtp_password_file}",
                     "smtp_require_tls": True})
    routes = []
    for route in routing.routes:
        child = {"receiver": route.receiver, "matchers": list(route.matchers)}
        if route.group_by:
            child["group_by"] = list(route.group_by)
        if route.continue_:
            child["continue"] = True
        routes.append(child)
    for severity in ("critical", "warning", "info"):
        if severity in routing.by_severity:
            routes.append({"receiver": routing.by_severity[severity], "matchers": [f'severity="{severity}"']})
    equal = ["alertname"] + [l for l in routing.group_by if l not in ("alertname", "severity")]
    return {
        "global": glob,
        "route": {
            "receiver": routing.by_severity.get("info", routing.receivers[0].name),
            "group_by": list(routing.group_by),
            "group_wait": prof.group_wait or routing.group_wait,
            "group_interval": prof.group_interval or routing.group_interval,
            "repeat_interval": routing.repeat_interval,
            "routes": routes,
        },
        "inhibit_rules": [{
            "source_matchers": ['severity="critical"'],
            "target_matchers": ['severity="warning"'],
            "equal": equal,
        }],
        "receivers": [receiver_dict(target, r) for r in routing.receivers],
    }


def files(project: Project, target: Target) -> dict[str, object]:
    if not project.stack.has("alertmanager"):
        return {}
    return {"generated/alertmanager/alertmanager.yml": config(project, target)}
