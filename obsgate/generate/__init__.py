"""Pure generators: Project (+ Target) -> {relative path: document}. No I/O here.

Each family module exposes `files(project, target) -> dict[str, object]`; a document is a dict or
list (YAML/JSON by the path's suffix) or a str (Markdown/text). render.py is the only writer.
"""
from __future__ import annotations

from ..project import Project
from . import alertmanager, compose, docs, grafana, k8s, loki, prometheus, runbooks
from .target import Target, default_target

# The one list of generator families, in generation order (grafana before the families that read it).
MODULES = {"prometheus": prometheus, "loki": loki, "alertmanager": alertmanager, "grafana": grafana,
           "compose": compose, "runbooks": runbooks, "k8s": k8s, "docs": docs}
FAMILIES = tuple(MODULES)
# Families that summarize others (runbooks link panels, docs lists the dashboards) receive what is already produced.
READS_PRODUCED = frozenset({"runbooks", "docs"})


def generate(project: Project, target: Target | None = None, families=FAMILIES) -> dict[str, object]:
    target = target or default_target(project.stack)
    out: dict[str, object] = {}
    for family in families:
        module = MODULES[family]
        produced = module.files(project, target, out) if family in READS_PRODUCED else module.files(project, target)
        for path, doc in produced.items():
            if path in out:
                raise ValueError(f"two generators produced `{path}`")
            out[path] = doc
    if not out:
        raise ValueError("0 files generated; the project defines nothing")
    return dict(sorted(out.items()))
