"""Pure generators: Project (+ Target) -> {relative path: document}. No I/O here.

Each family module exposes `files(project, target) -> dict[str, object]`; a document is a dict or
list (YAML/JSON by the path's suffix) or a str (Markdown/text). render.py is the only writer.
"""
from __future__ import annotations

from ..project import Project
from .target import Target, default_target

FAMILIES = ("prometheus", "loki", "alertmanager", "grafana", "compose", "runbooks", "k8s", "docs")


def generate(project: Project, target: Target | None = None, families=FAMILIES) -> dict[str, object]:
    import importlib

    target = target or default_target(project.stack)
    out: dict[str, object] = {}
    for family in families:
        module = importlib.import_module(f"{__name__}.{family}")
        # families that summarize others (docs reads the dashboards) receive what is already produced
        produced = module.files(project, target, out) if getattr(module, "READS_PRODUCED", False) \
            else module.files(project, target)
        for path, doc in produced.items():
            if path in out:
                raise ValueError(f"two generators produced `{path}`")
            out[path] = doc
    if not out:
        raise ValueError("0 files generated; the project defines nothing")
    return dict(sorted(out.items()))
