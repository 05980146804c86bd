"""Configs for a live run: the same generators as generated/, rendered for this runtime and profile.

Alertmanager receiver URLs are secrets read from files; for a live run they point at the local webhook
sink, one path per receiver, so the smoke checks can tell which receiver got a notification.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from .. import render
from ..generate import generate
from ..generate.target import Target
from .layout import Layout, write_private

SINK = "alert-sink"
# What the services read; compose, runbooks and docs are for people and stay in generated/.
LIVE_FAMILIES = ("prometheus", "loki", "alertmanager", "grafana")


def target_for(project, layout: Layout, runtime: str, profile: str) -> Target:
    prof = project.stack.profile(profile)
    if runtime == "docker":
        return Target(profile=prof, runtime="docker", sinks=True)
    gen = layout.gen
    return Target(profile=prof, runtime="native", sinks=True, paths={
        "prom_rules": str(gen / "prometheus" / "rules"),
        "loki_rules": str(gen / "loki" / "rules"),
        "loki_data": str(layout.data("loki")),
        "am_secrets": str(layout.secrets),
        "grafana_dashboards": str(gen / "grafana" / "dashboards"),
    })


def render_configs(project, layout: Layout, target: Target) -> dict[str, bytes]:
    """Write every rendered file under .run/config (replacing the last run's) and return them."""
    docs = generate(project, target, families=LIVE_FAMILIES)
    outputs = render.render_all(docs)
    shutil.rmtree(layout.config, ignore_errors=True)
    render.write_tree(layout.config, outputs)
    return outputs


def render_or_fail(project, layout: Layout, target: Target) -> dict[str, bytes]:
    """render_configs, with a definition error turned into a StackError naming `path:line`."""
    from ..model import DefinitionError
    from .base import StackError

    try:
        return render_configs(project, layout, target)
    except DefinitionError as exc:
        raise StackError(f"{exc.source}: {exc.message}", hint=exc.hint or "fix the definition, then rerun") from None
    except ValueError as exc:
        raise StackError(f"cannot render the configs: {exc}") from None


def sink_url(project, target: Target, receiver: str) -> str:
    stack = project.stack
    host = target.addr(stack, SINK) if stack.has(SINK) else "127.0.0.1:9099"
    return f"http://{host}/hook/{receiver}"


def write_secrets(project, layout: Layout, target: Target, mode: int = 0o600) -> list[Path]:
    """One file per receiver secret, holding the sink URL for that receiver (only this user may read it,
    unless a container's own user must: the docker runtime passes 0o644 for these local sink URLs)."""
    layout.secrets.mkdir(parents=True, exist_ok=True)
    layout.secrets.chmod(0o700 if mode == 0o600 else 0o755)
    written = []
    for receiver in project.stack.routing.receivers:
        if receiver.kind not in ("webhook", "slack", "pagerduty"):
            continue
        path = layout.secrets / receiver.secret
        # a PagerDuty receiver's secret is its routing key; the events URL points at the sink (generate.alertmanager)
        secret = "live-gate-routing-key" if receiver.kind == "pagerduty" else sink_url(project, target, receiver.name)
        write_private(path, secret + "\n", mode)
        written.append(path)
    routing = project.stack.routing
    if routing.smtp_password_file:
        path = layout.secrets / routing.smtp_password_file
        write_private(path, "live-gate-unused\n", mode)
    return written
