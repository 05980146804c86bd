"""Multi-document YAML and Kubernetes manifests: the rule files, dashboards and configs inside them.

A PrometheusRule's spec, a dashboard in a ConfigMap or a GrafanaDashboard's JSON becomes a SourceFile
of its own whose text keeps the original line numbers (everything around it blank), so that every
finding, promtool's on the extracted copy included, points at the line of the file the user wrote.
"""
from __future__ import annotations

import re
from pathlib import PurePosixPath

import yaml

from ..inputs import yamlload
from .document import ParseError, parse
from .files import DASHBOARD, OTHER, PROM_RULES, SUFFIXES, UNKNOWN, SourceFile, classify

_DOC_START = re.compile(r"^---(?:\s|$)")
MULTI_DOC = "expected a single document"
# Kinds whose content obsgate takes out (others are kept as OTHER: only the secrets check reads them).
LISTS = ("List", "ConfigMapList", "SecretList", "PrometheusRuleList", "GrafanaDashboardList")


def expand(f: SourceFile) -> list[SourceFile]:
    """The file itself, or the documents and embedded files it holds (each marked `meta["extracted"]`)."""
    if f.error is not None and MULTI_DOC in f.error.message:
        docs = [d for d in _documents(f) if d.data is not None or d.error is not None]
    elif _is_object(f.data):
        docs = [f]
    else:
        return [f]
    out: list[SourceFile] = []
    for doc in docs:
        inner = _embedded(doc) if doc.error is None and _is_object(doc.data) else []
        out += inner or [doc]
    return out


def _is_object(data) -> bool:
    return isinstance(data, dict) and isinstance(data.get("kind"), str) and isinstance(data.get("apiVersion"), str)


def _documents(f: SourceFile) -> list[SourceFile]:
    """Each `---`-separated document, parsed alone, its text padded so that its lines stay the file's."""
    lines = f.text.splitlines(keepends=True)
    starts = [0] + [i for i, line in enumerate(lines) if _DOC_START.match(line) and i > 0]
    out = []
    for n, (a, b) in enumerate(zip(starts, starts[1:] + [len(lines)]), start=1):
        body = "".join(lines[a:b])
        text = "\n" * a + body
        doc = _file(f, text, n, is_json=False, name=f.path)
        out.append(doc)
    return out


def _file(f: SourceFile, text: str, document: int, is_json: bool, name: str, obj: str = "") -> SourceFile:
    out = SourceFile(f.path, f.disk, text, external=f.external,
                     meta={**f.meta, "extracted": True, "document": document, **({"object": obj} if obj else {})})
    try:
        out.doc = parse(text, is_json=is_json)
    except ParseError as exc:
        out.error = exc
    suffix = PurePosixPath(name).suffix.lower()
    out.kind = classify(name if suffix in SUFFIXES else name + ".yml", out.data, out.error is not None)
    if out.error is not None and out.kind == UNKNOWN:
        out.kind = OTHER
    return out


def _embedded(doc: SourceFile) -> list[SourceFile]:
    data = doc.data
    kind, name = data["kind"], str((data.get("metadata") or {}).get("name", "")) if isinstance(
        data.get("metadata"), dict) else ""
    obj = f"{kind}/{name}" if name else kind
    document = doc.meta.get("document", 1)
    root = _compose(doc.text)
    if root is None:
        return []
    out: list[SourceFile] = []
    if kind in LISTS and isinstance(data.get("items"), list):
        for i, item in enumerate(data["items"]):
            if _is_object(item):
                out += _from_object(doc, item, _node(root, ("items", i)), document)
        return out
    return _from_object(doc, data, root, document, obj)


def _from_object(doc: SourceFile, data: dict, node, document: int, obj: str = "") -> list[SourceFile]:
    kind = data["kind"]
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    obj = obj or (f"{kind}/{meta.get('name')}" if meta.get("name") else kind)
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else None
    if kind == "PrometheusRule" and spec is not None:
        text = _block(doc.text, _node(node, ("spec",)))
        f = _file(doc, text, document, False, "rules.yml", obj) if text is not None else None
        if f is None or not (isinstance(f.data, dict) and "groups" in f.data):
            return []
        f.kind = PROM_RULES
        return [f]
    if kind == "GrafanaDashboard" and spec is not None and isinstance(spec.get("json"), str):
        f = _file(doc, _string(doc.text, spec["json"], _node(node, ("spec", "json"))), document, True,
                  "dashboard.json", obj)
        f.kind = DASHBOARD if f.error is None else f.kind
        return [f]
    out = []
    if kind in ("ConfigMap", "Secret"):
        for field in ("data", "stringData"):
            values = data.get(field)
            if not isinstance(values, dict) or (kind == "Secret" and field == "data"):
                continue  # a Secret's `data` is base64: not read
            for key, value in values.items():
                if not isinstance(value, str) or PurePosixPath(str(key)).suffix.lower() not in SUFFIXES:
                    continue
                f = _file(doc, _string(doc.text, value, _node(node, (field, key))), document,
                          str(key).lower().endswith(".json"), str(key), f"{obj} {field}[{key}]")
                if f.kind not in (OTHER, UNKNOWN) or f.error is not None:
                    out.append(f)
    return out


def _compose(text: str):
    try:
        return yamlload.compose(text)
    except ParseError:
        return None


def _node(node, path: tuple):
    for step in path:
        if node is None:
            return None
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            return None
    return node


def _block(text: str, node) -> str | None:
    """The YAML of a mapping node as a document of its own, dedented, every line where it was."""
    if not isinstance(node, yaml.MappingNode) or not node.value:
        return None
    lines = text.splitlines()
    first, col = node.start_mark.line, node.start_mark.column
    last = node.end_mark.line if node.end_mark.column > 0 else node.end_mark.line - 1
    out = [""] * len(lines)
    for i in range(first, min(last, len(lines) - 1) + 1):
        line = lines[i]
        if i == first or not line[:col].strip():
            out[i] = line[col:]
        elif line.lstrip().startswith("#"):
            out[i] = ""
        else:
            out[i] = line.lstrip()  # flow style continuation: indentation does not matter there
    return "\n".join(out) + "\n"


def _string(text: str, value: str, node) -> str:
    """An embedded file given as a YAML string, preceded by the blank lines that put it at its own line."""
    if not isinstance(node, yaml.ScalarNode):
        return value
    block = node.style in ("|", ">")
    return "\n" * (node.start_mark.line + (1 if block else 0)) + value
