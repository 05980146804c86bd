"""alertmanager.yml: the routing tree, its receivers and the inhibit rules, from the stack's Routing model.

Secrets (webhook and Slack URLs, PagerDuty routing keys, the SMTP password) are only ever `*_file` paths;
the files themselves are provided at run time and never generated. In a live run (`target.sinks`) the
PagerDuty events URL and the SMTP server point at the stack's own sinks instead of the real services.
"""
from __future__ import annotations

from ..model import Receiver, Route
from ..project import Project
from .target import Target

SINK, SMTP_SINK = "alert-sink", "smtp-sink"

# Each alert of a notification as `status|name=value,...;`: receivers that only carry rendered text (Slack,
# PagerDuty, email) say which alerts they are about, so a person, a chat bot or the live gate's sink can tell.
ALERT_TRACE = ("{{ range .Alerts }}{{ .Status }}|{{ range .Labels.SortedPairs }}{{ .Name }}={{ .Value }},"
               "{{ end }};{{ end }}")

# The LLM Guard specification's generic Slack message: summary, description, severity, runbook.
GENERIC_SLACK_TITLE = "{{ .CommonLabels.alertname }}"
GENERIC_SLACK_TEXT = ("*Summary*: {{ .CommonAnnotations.summary }}\n"
                      "*Description*: {{ .CommonAnnotations.description }}\n"
                      "*Severity*: {{ .CommonLabels.severity }}\n"
                      "*Runbook*: {{ .CommonAnnotations.runbook_url }}")
GENERIC_EMAIL_SUBJECT = "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})"
GENERIC_EMAIL_HTML = ("{{ range .Alerts }}<p><b>{{ .Annotations.summary }}</b></p><p>{{ .Annotations.description }}</p>"
                      "<p>Severity: {{ .Labels.severity }}</p>"
                      '<p><a href="{{ .Annotations.runbook_url }}">Runbook</a></p>{{ end }}')
PAGERDUTY_SEVERITY = "{{ .CommonLabels.severity }}"
PAGERDUTY_DESCRIPTION = "{{ .CommonLabels.alertname }}: {{ .CommonAnnotations.summary }}"


def _secret(target: Target, receiver: Receiver) -> str:
    return f"{target.path('am_secrets')}/{receiver.secret}"


def receiver_dict(target: Target, r: Receiver, project: Project | None = None) -> dict:
    if r.kind == "webhook":
        return {"name": r.name, "webhook_configs": [{"url_file": _secret(target, r), "send_resolved": r.send_resolved}]}
    if r.kind == "slack":
        cfg = {"api_url_file": _secret(target, r), "channel": r.channel, "send_resolved": r.send_resolved,
               "title": r.title or GENERIC_SLACK_TITLE, "text": r.text or GENERIC_SLACK_TEXT,
               "callback_id": ALERT_TRACE}
        if r.color:
            cfg["color"] = r.color
        if r.buttons:
            cfg["actions"] = [{"type": "button", "text": b.text, "url": b.url} for b in r.buttons]
        return {"name": r.name, "slack_configs": [cfg]}
    if r.kind == "email":
        cfg = {"to": r.to, "send_resolved": r.send_resolved,
               "headers": {"Subject": r.title or GENERIC_EMAIL_SUBJECT, "X-Obsgate-Receiver": r.name,
                           "X-Obsgate-Alerts": ALERT_TRACE},
               "html": r.text or GENERIC_EMAIL_HTML}
        return {"name": r.name, "email_configs": [cfg]}
    if r.kind == "pagerduty":
        cfg = {"routing_key_file": _secret(target, r), "send_resolved": r.send_resolved,
               "severity": r.severity or PAGERDUTY_SEVERITY, "description": r.title or PAGERDUTY_DESCRIPTION,
               "details": {"alerts": ALERT_TRACE, "firing": "{{ .Alerts.Firing | len }}",
                           "resolved": "{{ .Alerts.Resolved | len }}"}}
        if target.sinks and project is not None and project.stack.has(SINK):
            cfg["url"] = f"http://{target.addr(project.stack, SINK)}/pagerduty/{r.name}"
        return {"name": r.name, "pagerduty_configs": [cfg]}
    raise ValueError(f"receiver `{r.name}`: unknown kind `{r.kind}` (webhook, slack, email, pagerduty)")


def route_dict(route: Route, prof=None) -> dict:
    doc: dict = {}
    if route.receiver:
        doc["receiver"] = route.receiver
    if route.matchers:
        doc["matchers"] = list(route.matchers)
    if route.group_by:
        doc["group_by"] = list(route.group_by)
    for key in ("group_wait", "group_interval", "repeat_interval"):
        value = getattr(route, key)
        if value:
            # a live profile shortens the waits everywhere, so a child's own timing does not slow the gate
            doc[key] = (getattr(prof, key, "") or value) if prof is not None else value
    if route.continue_:
        doc["continue"] = True
    if route.routes:
        doc["routes"] = [route_dict(child, prof) for child in route.routes]
    return doc


def _smtp(project: Project, target: Target) -> dict:
    routing = project.stack.routing
    if not routing.smtp_smarthost:
        return {}
    if target.sinks and project.stack.has(SMTP_SINK):
        # the live gate's local SMTP sink: plain SMTP on loopback or the stack's network, no login
        return {"smtp_from": routing.smtp_from, "smtp_smarthost": target.addr(project.stack, SMTP_SINK),
                "smtp_require_tls": False}
    return {"smtp_from": routing.smtp_from, "smtp_smarthost": routing.smtp_smarthost,
            "smtp_auth_username": routing.smtp_username,
            "smtp_auth_password_file": f"{target.path('am_secrets')}/{routing.smtp_password_file}",
            "smtp_require_tls": True}


def config(project: Project, target: Target) -> dict:
    routing = project.stack.routing
    prof = target.profile
    live = prof if (prof.group_wait or prof.group_interval) else None
    root = route_dict(routing.tree, live)
    root.setdefault("group_wait", routing.group_wait)
    return {
        "global": {"resolve_timeout": "5m", **_smtp(project, target)},
        "route": root,
        "inhibit_rules": [{"source_matchers": list(i.source), "target_matchers": list(i.target), "equal": list(i.equal)}
                          for i in routing.inhibit],
        "receivers": [receiver_dict(target, r, project) for r in routing.receivers],
    }


def files(project: Project, target: Target) -> dict[str, object]:
    if not project.stack.has("alertmanager"):
        return {}
    return {"generated/alertmanager/alertmanager.yml": config(project, target)}
