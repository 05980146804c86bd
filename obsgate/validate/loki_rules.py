"""loki/rules: Loki rule files checked by the real Loki toolchain (`lokitool rules check`).

lokitool validates offline with the Loki ruler's own code (LogQL parse, labels, templates), but it
stops at the first error of a file and names the rule only sometimes. To report every broken rule
with its file and line, a failing file is re-checked with each reported rule taken out, and an error
that names no rule is pinned down by checking the remaining rules one at a time.
"""
from __future__ import annotations

import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..inputs import InputError, yamlload
from ..problem import Problem, Severity
from .base import ctx_files
from ..tools import find

CHECK = "loki/rules"
KINDS = {CHECK: ("loki-rules",)}  # read by validate's registry: one JUnit testcase per file
TOOLS = {CHECK: ("lokitool",)}
SKIP_HINT = "run `make tools` to build the pinned Loki into .tools/bin (see `obsgate doctor`)"
_MAX_ROUNDS = 50  # a file with more broken rules than this is reported as far as this goes

# "could not parse expression for alert 'X' in group 'G': parse error at line 1, col 68: ..."
_NAMED_RULE = re.compile(r"for (alert|record) '(?P<rule>[^']*)' in group '(?P<group>[^']*)'")
_TEMPLATE_RULE = re.compile(r"template: __alert_(?P<rule>[^:]+):")
_AT = re.compile(r"line (\d+), col (\d+)")
_REPEATED_GROUP = re.compile(r'groupname: "(.*)" is repeated')
_YAML_LINE = re.compile(r"\bline (\d+)\b")
_LOGFMT_PAIR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|\S*)')


@dataclass(frozen=True, eq=False)
class RuleRef:
    """One rule of a parsed file: where it is, so that lokitool's findings get a line number."""

    group: int  # index into groups
    index: int  # index into that group's rules
    kind: str  # "alert" | "record"
    name: str
    group_name: str
    line: int
    expr: str
    rule: dict  # the rule mapping as parsed, to re-check it on its own


def check(ctx) -> list[Problem]:
    """Registry entry point: the Loki rule files of the project run or of the paths given to validate."""
    files = ctx_files(ctx, "loki-rules", "generated/loki/rules/*/*.y*ml")
    tool = ctx.tool("lokitool") if hasattr(ctx, "tool") else find("lokitool", ctx.root)
    started = time.perf_counter()
    problems = check_files(list(files), tool.path if tool.found else None, ctx.root, files)
    if tool.found and getattr(ctx, "timings", None) is not None:
        ctx.timings.append(("lokitool", time.perf_counter() - started))
    return problems


def check_files(paths, lokitool: str | None, root: Path | None = None, shown=None) -> list[Problem]:
    """Check `paths` with `lokitool`; without it, one `skipped` WARNING per file (never a silent pass).

    `shown` maps a path on disk to the path reports show (validate's scratch tree -> project paths).
    """
    paths = [Path(p) for p in paths]
    names = {Path(k): v for k, v in (shown or {}).items()}

    def name(path: Path) -> str:
        return names.get(Path(path)) or _rel(path, root)

    if not paths:
        return []
    if lokitool is None:
        return [Problem(CHECK, Severity.WARNING, "skipped: loki not installed", name(p), 0, SKIP_HINT)
                for p in paths]
    problems: list[Problem] = []
    for batch in _batches(paths):
        proc = _run(lokitool, batch)
        if proc.returncode == 0 and "Metric: " not in proc.stdout:
            continue
        for path in batch:  # some file failed (or has duplicates): find which, and every fault in it
            problems += _check_one(lokitool, path, name)
    return sorted(set(problems), key=Problem.sort_key)


def _batches(paths: list[Path]) -> list[list[Path]]:
    """lokitool names a namespace after the file's basename and refuses repeats within one call."""
    batches: list[list[Path]] = []
    for path in paths:
        for batch in batches:
            if all(p.stem != path.stem for p in batch):
                batch.append(path)
                break
        else:
            batches.append([path])
    return batches


def _run(lokitool: str, files) -> subprocess.CompletedProcess:
    return subprocess.run([lokitool, "rules", "check", *map(str, files)], capture_output=True, text=True,
                          timeout=120)


def _check_one(lokitool: str, path: Path, name) -> list[Problem]:
    rel = name(path)
    if not path.is_file():
        return [Problem(CHECK, Severity.ERROR, "file not found", rel, 0)]
    proc = _run(lokitool, [path])
    if proc.returncode == 0:
        return _duplicates(proc.stdout, rel)
    found = errors(proc.stderr)
    parsed = parse_rules(path.read_text())
    if parsed is None or not found or any(e.get("error", "").startswith("yaml:") for e in found):
        # lokitool could not decode the file, so it checked nothing else: report what it said
        return [_file_problem(e, rel, parsed) for e in found] or [_crash(proc, rel)]
    problems: list[Problem] = []
    remaining = list(parsed.refs)
    with tempfile.TemporaryDirectory(prefix="obsgate-loki-rules-") as tmp:
        work = Path(tmp) / path.name
        for _ in range(_MAX_ROUNDS):
            culprits = [(e, r) for e in found for r in [_named(e, remaining)] if r is not None]
            if not culprits:  # the message names no rule: a fault of the groups, or of rules checked alone
                control = _run_doc(lokitool, _control(parsed.doc), Path(tmp) / "control.yml")
                problems += [_file_problem(e, rel, parsed) for e in errors(control.stderr)]
                culprits = _isolate(lokitool, remaining, Path(tmp))
                problems += [_rule_problem(e, ref, rel) for e, ref in culprits]
                if not culprits and control.returncode == 0:
                    problems += [_file_problem(e, rel, parsed) for e in found]
                break  # every remaining rule has now been checked on its own
            problems += [_rule_problem(e, ref, rel) for e, ref in culprits]
            remaining = [r for r in remaining if r not in {ref for _, ref in culprits}]
            if not remaining:
                break
            proc = _run_doc(lokitool, _subset(parsed.doc, remaining), work)
            found = errors(proc.stderr)
            if proc.returncode == 0:
                break
            if not found:
                problems.append(_crash(proc, rel))
                break
        else:
            problems.append(Problem(CHECK, Severity.WARNING, f"stopped after {_MAX_ROUNDS} rounds", rel, 0))
    return problems


def _run_doc(lokitool: str, doc: dict, path: Path) -> subprocess.CompletedProcess:
    path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
    return _run(lokitool, [path])


def _isolate(lokitool: str, refs: list[RuleRef], tmp: Path) -> list[tuple[dict, RuleRef]]:
    """Check each rule alone, in a plain group, so that group-level faults cannot be blamed on it."""
    culprits = []
    for ref in refs:
        doc = {"groups": [{"name": ref.group_name or "group", "rules": [ref.rule]}]}
        proc = _run_doc(lokitool, doc, tmp / f"single-{ref.group}-{ref.index}.yml")
        culprits += [(e, ref) for e in errors(proc.stderr)]
    return culprits


def _control(doc: dict) -> dict:
    """The file with each group's rules replaced by one valid rule: what fails here is not a rule's fault."""
    return {**doc, "groups": [{**g, "rules": [{"alert": "ObsgateControl", "expr": "vector(1)"}]}
                              for g in doc["groups"]]}


def _subset(doc: dict, keep: list[RuleRef]) -> dict:
    """The document with only the `keep` rules (groups left empty are dropped)."""
    wanted = {(r.group, r.index) for r in keep}
    groups = []
    for gi, group in enumerate(doc["groups"]):
        rules = [rule for ri, rule in enumerate(group["rules"]) if (gi, ri) in wanted]
        if rules:
            groups.append({**group, "rules": rules})
    return {**doc, "groups": groups}


@dataclass(frozen=True)
class Parsed:
    doc: dict
    refs: list
    group_lines: dict  # group name -> lines of the groups that carry it, in file order


def parse_rules(text: str) -> Parsed | None:
    """The rule document with each rule's and group's line; None when it is not a groups/rules mapping."""
    try:
        node = yamlload.compose(text)
        doc = yamlload.load(text)
    except InputError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list) or node is None:
        return None
    refs, group_lines = [], {}
    for gi, (group, gnode) in enumerate(zip(doc["groups"], _value(node, "groups").value)):
        if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
            return None
        group_lines.setdefault(str(group.get("name", "")), []).append(gnode.start_mark.line + 1)
        for ri, (rule, rnode) in enumerate(zip(group["rules"], _value(gnode, "rules").value)):
            if not isinstance(rule, dict):
                return None
            kind = "alert" if "alert" in rule else "record"
            refs.append(RuleRef(gi, ri, kind, str(rule.get(kind, "")), str(group.get("name", "")),
                                rnode.start_mark.line + 1, str(rule.get("expr", "")), rule))
    return Parsed(doc, refs, group_lines)


def _value(mapping_node, key: str):
    for k, v in getattr(mapping_node, "value", []):
        if getattr(k, "value", None) == key:
            return v
    return None


def errors(stderr: str) -> list[dict]:
    """lokitool's logrus lines at level=error, as dicts (`msg`, `error`, `file`, `rule`, ...)."""
    found = []
    for line in stderr.splitlines():
        fields = {k: _unquote(v) for k, v in _LOGFMT_PAIR.findall(line)}
        if fields.get("level") == "error":
            found.append(fields)
    if not found:  # lokitool's own usage/IO failures print "lokitool: error: ..." only
        found = [{"msg": line.split("error:", 1)[1].strip()} for line in stderr.splitlines()
                 if line.startswith("lokitool: error:") and "operation unsuccessful" not in line
                 and "erroneous recording rule names" not in line]
    return found


def _unquote(value: str) -> str:
    if value.startswith('"') and value.endswith('"') and len(value) >= 2:
        return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), value[1:-1])
    return value


def _named(err: dict, refs: list[RuleRef]) -> RuleRef | None:
    """The rule an error names: `rule=` (best-practice checks) or the rule in the ruler's message."""
    text = err.get("error", "")
    m = _NAMED_RULE.search(text)
    wanted = [(m.group(1), m.group("rule"), m.group("group"))] if m else []
    if err.get("rule"):
        wanted.append(("", err["rule"], err.get("ruleGroup", "")))
    t = _TEMPLATE_RULE.search(text)
    if t:
        wanted.append(("alert", t.group("rule"), ""))
    for kind, name, group in wanted:
        for ref in refs:
            if ref.name == name and (not kind or ref.kind == kind) and (not group or ref.group_name == group):
                return ref
    return None


def _rule_problem(err: dict, ref: RuleRef, rel: str) -> Problem:
    text = err.get("error") or err.get("msg", "")
    text = re.sub(r"\s*" + _NAMED_RULE.pattern, "", text)
    details, hint = "", ""
    at = _AT.search(text)
    if at and "parse error" in text:
        details = caret(ref.expr, int(at.group(1)), int(at.group(2)))
        hint = "fix the LogQL expression: Loki's parser stopped at the ^"
    if "template:" in text:
        hint = "labels and annotations are Go templates: `{{ $labels.service }}`, `{{ $value }}`"
    if err.get("msg") == "bad recording rule name":
        hint = "name recording rules level:metric:operations (https://prometheus.io/docs/practices/rules/)"
    summary = text.replace("\n", " ").strip()
    return Problem(CHECK, Severity.ERROR, f"{ref.kind} `{ref.name}` in group `{ref.group_name}`: {summary}",
                   rel, ref.line, hint, details)


def _file_problem(err: dict, rel: str, parsed: Parsed | None) -> Problem:
    text = re.sub(r"\s+", " ", err.get("error") or err.get("msg", "")).strip()
    line = 0
    yaml_line = _YAML_LINE.search(text) if text.startswith("yaml:") else None
    repeated = _REPEATED_GROUP.search(text)
    if yaml_line:
        line = int(yaml_line.group(1))
    elif repeated and parsed and len(parsed.group_lines.get(repeated.group(1), [])) > 1:
        line = parsed.group_lines[repeated.group(1)][1]
    return Problem(CHECK, Severity.ERROR, text, rel, line,
                   "a Loki rule file is `groups: [{name, interval?, limit?, rules: [...]}]` with unique group names")


def _crash(proc, rel: str) -> Problem:
    last = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    return Problem(CHECK, Severity.ERROR, f"lokitool failed: {last}", rel, 0)


def _duplicates(stdout: str, rel: str) -> list[Problem]:
    """lokitool prints (and still passes) recording rules that repeat the same name and labels."""
    names = re.findall(r"^Metric: (.+)$", stdout, re.M)
    if not names:
        return []
    return [Problem(CHECK, Severity.WARNING, f"duplicate rule `{n}` with the same labels", rel, 0,
                    "two rules writing the same series make the recorded values inconsistent") for n in names]


def caret(expr: str, line: int, col: int) -> str:
    """The expression line that holds the fault with ^ under column `col` (1-based), as pint shows it."""
    lines = expr.splitlines() or [""]
    text = lines[min(max(line, 1), len(lines)) - 1]
    return f"{text}\n{' ' * max(min(col, len(text) + 1) - 1, 0)}^"


def _rel(path: Path, root) -> str:
    if root is not None:
        try:
            return str(Path(path).resolve().relative_to(Path(root).resolve()))
        except ValueError:
            pass
    return str(path)
