"""grafana/uid-unique: dashboard uids are valid and unique, and panel ids unique within a dashboard."""
from __future__ import annotations

import re

from ...problem import Problem, Severity
from ..base import Check, Subject, finding
from ..files import DASHBOARD
from . import dashboards

CHECK = "grafana/uid-unique"
_UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def check(ctx) -> list[Problem]:
    out: list[Problem] = []
    seen: dict[str, str] = {}
    for f, dash, base in dashboards(ctx):
        subject = Subject(f.path, (lambda f=f, base=base: f.line(base + ("uid",))), external=f.external)
        uid = dash.get("uid")
        if not uid:
            out.append(finding(CHECK, subject, Severity.WARNING if f.external else Severity.ERROR,
                               "dashboard has no `uid`",
                               "set a stable uid so links and provisioning survive re-imports"))
            continue
        if not _UID.match(str(uid)):
            out.append(finding(CHECK, subject, Severity.ERROR,
                               f"dashboard uid `{uid}` is not 1-40 characters of letters, digits, `-` and `_`",
                               "Grafana refuses other uids"))
        if uid in seen:
            out.append(finding(CHECK, subject, Severity.ERROR,
                               f"dashboard uid `{uid}` is also used by {seen[uid]}",
                               "give every dashboard its own uid; the second one overwrites the first"))
        else:
            seen[uid] = f.path
        ids: dict[int, str] = {}
        for p in ctx.panels:
            if p.file is not f or "id" not in p.panel:
                continue
            pid = p.panel["id"]
            if pid in ids:
                out.append(finding(CHECK, p, Severity.ERROR,
                                   f"panel id {pid} of `{p.name}` is also used by panel `{ids[pid]}`",
                                   "panel ids must be unique within a dashboard"))
            else:
                ids[pid] = p.name
    return out


CHECKS = (Check(CHECK, "dashboard uids are valid and unique, panel ids unique", check, (DASHBOARD,)),)
