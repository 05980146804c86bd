"""The import graph of obsgate/ points one way: no cycles, no import against the layer order.

The graph is read with `ast` (no module is imported), so a lazy import inside a function is an
edge too; only imports under `if TYPE_CHECKING:` are left out. Run as a script
(`python tests/unit/test_structure.py [ROOT]`) it prints the counts and every offending edge.

Layer order (a module may import its own rank or a lower one, never a higher one):

    0    model/           the frozen vocabulary; imports nothing else of obsgate
    1    problem.py       Problem and Severity, plain data every layer returns
         promql.py        pure PromQL parsing the vocabulary uses to check queries on construction
         dashboards.py    the dashboard authoring vocabulary (helpers over model.board)
         __init__.py      re-exports the model vocabulary
         inputs/          untrusted files read within the limits (model/limits.py)
         cache.py         the content-addressed store under .cache/obsgate (load's bytecode, validate's tool results)
    2    analysis/ logql/ pure query analysis and our LogQL engine
         project.py       the Project aggregate of model objects and its indexes (analysis.recorded)
    3    load.py generate/ preview/ (pure pieces of the dashboard preview)
    4    render.py validate/ report.py (the one reporter) tools.py (finds pinned binaries)
         wrappers/ (promtool and amtool processes for validate) render_preview.py (draws the preview)
    5    sim/             our own services
    6    runtime/ loki_server.py loki_test.py loki_client.py (they start and talk to servers)
    7    smoke/           live checks over a runtime
    8    commands/ cli.py

This refines ARCHITECTURE.md's `model <- (load, generate, analysis, logql) <- (render, validate)
<- (runtime, smoke, sim) <- (commands, cli)`: inside a group the pure side sits lower.
"""
from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

RANKS: dict[str, int] = {
    "model": 0,
    "problem": 1, "inputs": 1, "promql": 1, "dashboards": 1, "__init__": 1, "cache": 1,
    "analysis": 2, "logql": 2, "project": 2,
    "load": 3, "generate": 3, "preview": 3,
    "render": 4, "validate": 4, "report": 4, "tools": 4, "wrappers": 4, "render_preview": 4,
    "sim": 5,
    "runtime": 6, "loki_server": 6, "loki_test": 6, "loki_client": 6,
    "smoke": 7,
    "commands": 8, "cli": 8,
}


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py under root/obsgate."""
    out = {}
    for path in sorted((root / "obsgate").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Yield Import/ImportFrom nodes, skipping `if TYPE_CHECKING:` bodies."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def edges(root: Path) -> dict[str, dict[str, int]]:
    """module -> {imported obsgate module: line of the first import}."""
    mods = modules(root)
    graph: dict[str, dict[str, int]] = {}
    for name, path in mods.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: dict[str, int] = {}
        for node in _imports(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found = [a.name for a in node.names]
            else:
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    src = ".".join(base + ([node.module] if node.module else []))
                else:
                    src = node.module or ""
                found = [f"{src}.{a.name}" if f"{src}.{a.name}" in mods else src for a in node.names]
            for target in found:
                while target and target not in mods:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    targets.setdefault(target, node.lineno)
        graph[name] = targets
    return graph


def layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def backward_edges(graph) -> list[str]:
    out = []
    for src, targets in sorted(graph.items()):
        for dst, line in sorted(targets.items()):
            a, b = layer(src), layer(dst)
            if a not in RANKS or b not in RANKS:
                out.append(f"{src} (line {line}) -> {dst}: no rank for `{a if a not in RANKS else b}`; add it to RANKS")
            elif RANKS[b] > RANKS[a] or (a == "model" and b != "model"):
                out.append(f"{src} (line {line}) -> {dst}: `{a}` (rank {RANKS[a]}) imports `{b}` (rank {RANKS[b]})")
    return out


def cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    sys.setrecursionlimit(max(10000, sys.getrecursionlimit()))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def cycle_edges(graph, comp: list[str]) -> list[str]:
    members = set(comp)
    return [f"{a} (line {line}) -> {b}" for a in comp for b, line in sorted(graph[a].items()) if b in members]


def test_the_import_graph_has_no_cycle():
    graph = edges(ROOT)
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n".join(
        "  " + "; ".join(cycle_edges(graph, comp)) for comp in found)


def test_no_module_imports_against_the_layer_order():
    bad = backward_edges(edges(ROOT))
    assert not bad, "imports against the layer order:\n" + "\n".join("  " + e for e in bad)


def test_the_graph_reader_sees_relative_lazy_and_from_package_imports(tmp_path):
    pkg = tmp_path / "obsgate"
    (pkg / "model").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "model" / "__init__.py").write_text("from .slo import SLO\n")
    (pkg / "model" / "slo.py").write_text("def board():\n    from .. import dashboards\n")
    (pkg / "dashboards.py").write_text("from obsgate.model import SLO\n"
                                       "from typing import TYPE_CHECKING\n"
                                       "if TYPE_CHECKING:\n    from .cli import x\n")
    (pkg / "cli.py").write_text("")
    graph = edges(tmp_path)
    assert graph["obsgate.model.slo"] == {"obsgate.dashboards": 2}
    assert graph["obsgate.dashboards"] == {"obsgate.model": 1}
    assert cycles(graph) == [["obsgate.dashboards", "obsgate.model", "obsgate.model.slo"]]
    assert backward_edges(graph) == [
        "obsgate.model.slo (line 2) -> obsgate.dashboards: `model` (rank 0) imports `dashboards` (rank 1)"]


if __name__ == "__main__":
    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    g = edges(root)
    cyc, back = cycles(g), backward_edges(g)
    print(f"modules: {len(g)}  edges: {sum(len(t) for t in g.values())}")
    print(f"cycles (strongly connected groups): {len(cyc)}")
    for comp in cyc:
        print("  " + "; ".join(cycle_edges(g, comp)))
    print(f"backward edges: {len(back)}")
    for e in back:
        print("  " + e)
