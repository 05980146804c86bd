"""Everything a check may read: the project (or None), the files by kind, their rules/panels/queries, tools.

Built once per run, before any check, so checks are pure functions of it (the tool checks excepted,
which hand files to promtool/amtool through obsgate/wrappers).
"""
from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .. import tools as toolfinder
from . import items, manifests
from .files import DASHBOARD, LOKI_RULES, PROM_CONFIG, PROM_RULES, SourceFile, expand, load_text, read
from .series import SeriesIndex

PROJECT, PATHS, EXTERNAL = "project", "paths", "external"  # EXTERNAL: no project context at all


# obsgate's own checkout carries a verbatim copy of the schemas (schemas/), used when no other is found
_CHECKOUT_SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def default_schemas(root: Path) -> Path:
    """`<root>/../shared/schemas` where it exists (see its README), else a verbatim copy in `schemas/`.

    The copies exist for checkouts without shared/ beside them, such as a GitHub runner or a project
    of the user's; tests/unit/test_schemas_copy.py keeps obsgate's copy identical to shared/.
    """
    for candidate in (Path(root) / ".." / "shared" / "schemas", Path(root) / "schemas", _CHECKOUT_SCHEMAS):
        if candidate.resolve().is_dir():
            return candidate.resolve()
    return (Path(root) / ".." / "shared" / "schemas").resolve()


@dataclass
class Context:
    root: Path
    project: object | None
    files: list[SourceFile]
    mode: str = PROJECT
    schemas_dir: Path | None = None
    outputs: dict | None = None  # project runs: rendered bytes by path (drift and secrets read these)
    workdir: Path | None = None  # project runs: the scratch tree the tools read
    timings: list = field(default_factory=list)  # (tool, seconds) of every subprocess, for the benchmark
    scrape_seconds: float | None = None  # external runs: --scrape-interval, when no prometheus.yml is checked
    _tools: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.schemas_dir = Path(self.schemas_dir) if self.schemas_dir else default_schemas(self.root)
        self.rules = items.rules(self.files, self.project)
        self.panels = items.panels(self.files, self.project)
        records = [(r.rule_name, r.expr, r.data.get("labels")) for r in self.rules
                   if r.kind == "record" and r.lang == "promql" and r.model is None]
        configs = [f.data for f in self.of(PROM_CONFIG) if isinstance(f.data, dict)]
        self.series = SeriesIndex(self.project, records, configs, self.scrape_seconds)

    @functools.cached_property
    def queries(self) -> list:
        """Every rule expression and panel query, parsed on first use: the tool checks start their
        subprocesses first, so promtool runs while the PromQL of a large file is parsed."""
        return items.queries(self.rules, self.panels)

    def of(self, *kinds: str) -> list[SourceFile]:
        return [f for f in self.files if f.kind in kinds]

    @property
    def parsed(self) -> list[SourceFile]:
        return [f for f in self.files if f.doc is not None]

    def tool(self, name: str):
        """The ToolInfo of `name` as `obsgate doctor` finds it (.tools/bin first, then PATH)."""
        with self._lock:
            if name not in self._tools:
                self._tools[name] = toolfinder.find(name, self.root)
            return self._tools[name]

    def shown(self, path: str) -> str:
        """A tool's path for a file as the report shows it (scratch-tree paths back to project paths)."""
        if self.workdir is not None:
            try:
                return Path(path).resolve().relative_to(self.workdir.resolve()).as_posix()
            except ValueError:
                pass
        for f in self.files:
            if str(f.disk) == path:
                return f.path
        return path


def for_project(root: Path, project, outputs: dict[str, bytes], workdir: Path, schemas_dir=None) -> Context:
    """A whole-project run: the files `generate` produced (already written under `workdir`)."""
    files = [load_text(rel, workdir / rel, data.decode("utf-8", errors="replace"), external=False)
             for rel, data in sorted(outputs.items())]
    return Context(root=Path(root), project=project, files=files, mode=PROJECT, schemas_dir=schemas_dir,
                   outputs=outputs, workdir=workdir)


def for_paths(root: Path, project, paths: list[str], schemas_dir=None, external: bool = False,
              scrape_seconds: float | None = None) -> Context:
    """A paths run: the named files (directories walked). Raises files.Unreadable for missing input.

    `external`: files from outside the project (or --no-project): no catalog, receivers or scrape
    interval of the project; conventions are warnings (validate.policy).
    """
    files = []
    if external:
        project = None
    boards = {b.uid for b in project.boards} if project is not None else set()
    for disk, shown in expand(paths):
        for f in manifests.expand(read(disk, shown, external=True)):
            _own(f, project, boards)
            files.append(f)
    return Context(root=Path(root), project=project, files=files, mode=EXTERNAL if external else PATHS,
                   schemas_dir=schemas_dir, scrape_seconds=scrape_seconds)


def _own(f: SourceFile, project, boards: set) -> None:
    """Files the project wrote are judged as its own (errors), the rest as external (warnings where stated)."""
    if project is not None and f.doc is not None:
        if f.kind == DASHBOARD:
            dash, _ = items.dashboard_of(f)
            f.external = dash.get("uid") not in boards
        elif f.kind in (PROM_RULES, LOKI_RULES):
            f.external = not items.written_by_obsgate(f)
