"""The disaster-recovery drill's pure side: evidence comparison, the pass/fail criteria, the report
(JSON and Markdown) and the samples the drill exporter serves. No I/O: runtime/drill_*.py does that.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

DRILL = "stack_restore"  # the `drill` label of the dr_drill_* series this drill writes
COMPONENTS = ("prometheus", "mongo", "loki", "alertmanager")
RTO_OBJECTIVE = 15 * 60.0
RPO_OBJECTIVE = 60 * 60.0

# The drill exporter's series (catalog/drill.py declares them, job `obsgate_drill`).
LAST_BACKUP = "stack_backup_last_success_timestamp_seconds"
BACKUP_SIZE = "stack_backup_size_bytes"
BACKUP_DURATION = "stack_backup_duration_seconds"
RESTORE_DURATION = "stack_restore_duration_seconds"
VERIFICATION_FAILURES = "dr_drill_verification_failures"
RESULT = "dr_drill_last_result"
DURATION = "dr_drill_duration_seconds"
RECOVERY = "dr_drill_recovery_duration_seconds"
DATA_LOSS = "dr_drill_data_loss_window_seconds"
PROGRESS = "dr_drill_progress_ratio"
LAST_RUN = "dr_drill_last_run_timestamp_seconds"
JUDGED_SEVERITIES = ("warning", "critical")  # alerts that notify someone; new info alerts are listed, not judged
STEPS = ("evidence", "backup", "destroy", "restore", "verify", "report")

OBJECTIVES = (
    f"RTO (destroy -> every piece of evidence verified equal) below {RTO_OBJECTIVE / 60:.0f} min",
    f"RPO (oldest backup of this drill -> destroy) below {RPO_OBJECTIVE / 3600:.0f} h",
    "every piece of evidence (Prometheus series and samples, Mongo documents, log lines, Alertmanager "
    "silences) equal after the restore",
    "no warning or critical alert firing after the restore that was not firing or pending before the drill",
)


@dataclass(frozen=True)
class Evidence:
    """One fact about the stack's data: what produced it and its value before and after the disaster."""

    component: str
    name: str
    query: str
    before: object
    after: object = None
    checked: bool = False

    @property
    def equal(self) -> bool:
        return self.checked and canonical(self.before) == canonical(self.after)

    def with_after(self, after: object) -> "Evidence":
        return Evidence(self.component, self.name, self.query, self.before, after, True)

    def as_dict(self) -> dict:
        return {"component": self.component, "name": self.name, "query": self.query, "before": self.before,
                "after": self.after if self.checked else None, "equal": self.equal}


def canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def verify(before: list[Evidence], after: dict[tuple[str, str], object]) -> list[Evidence]:
    """Each item with its value after the restore; an item the restore could not measure stays unchecked."""
    return [e.with_after(after[(e.component, e.name)]) if (e.component, e.name) in after else e for e in before]


def mismatches(evidence: list[Evidence]) -> list[str]:
    """One named reason per piece of evidence that differs (or could not be measured) after the restore."""
    out = []
    for e in evidence:
        if not e.checked:
            out.append(f"{e.component}: `{e.name}` could not be measured after the restore")
        elif not e.equal:
            out.append(f"{e.component}: `{e.name}` differs after the restore: before {short(e.before)}, "
                       f"after {short(e.after)}")
    return out


def short(value: object, limit: int = 160) -> str:
    text = canonical(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass(frozen=True)
class Criterion:
    name: str
    objective: str
    measured: str
    passed: bool
    query: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "objective": self.objective, "measured": self.measured, "passed": self.passed,
                "query": self.query}


def criteria(rto: float | None, rpo: float | None, evidence: list[Evidence], new_alerts: list[str] | None,
             queries: dict[str, str] | None = None) -> list[Criterion]:
    """The four pass/fail criteria; a figure the drill could not measure (None) fails its criterion."""
    q = queries or {}
    bad = mismatches(evidence)
    equal = len(evidence) - len(bad)
    return [
        Criterion("rto", f"< {RTO_OBJECTIVE:.0f} s", "not measured" if rto is None else f"{rto:.1f} s",
                  rto is not None and rto < RTO_OBJECTIVE, q.get("rto", "")),
        Criterion("rpo", f"< {RPO_OBJECTIVE:.0f} s", "not measured" if rpo is None else f"{rpo:.1f} s",
                  rpo is not None and rpo < RPO_OBJECTIVE, q.get("rpo", "")),
        Criterion("data_equal", f"{len(evidence)} of {len(evidence)} pieces of evidence equal",
                  f"{equal} of {len(evidence)} equal" if any(e.checked for e in evidence)
                  else "not verified (the drill stopped before the restore)",
                  bool(evidence) and not bad, q.get("data_equal", "")),
        Criterion("alerts_quiet", "no new warning or critical alert after the restore",
                  "not measured" if new_alerts is None else
                  ("none" if not new_alerts else "new: " + ", ".join(sorted(new_alerts))),
                  new_alerts is not None and not new_alerts, q.get("alerts_quiet", "")),
    ]


@dataclass
class Log:
    """The execution log: (unix time, step, message), in order."""

    entries: list[tuple[float, str, str]] = field(default_factory=list)

    def add(self, at: float, step: str, message: str) -> None:
        self.entries.append((at, step, message))


def iso(ts: float) -> str:
    import datetime as _dt

    return _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def decision(crits: list[Criterion], failures: list[str]) -> str:
    return "pass" if crits and all(c.passed for c in crits) and not failures else "fail"


def build_report(*, drill_id: str, runtime: str, started: float, finished: float, log: Log,
                 evidence: list[Evidence], crits: list[Criterion], failures: list[str], backups: dict,
                 backup_dir: str, manual_restore: list[str], figures: dict) -> dict:
    """The report as one JSON-ready document; `figures` are the drill's numbers as read back from Prometheus
    ({name: {"query": ..., "value": ...}})."""
    return {
        "drill": DRILL, "id": drill_id, "runtime": runtime,
        "started_at": iso(started), "finished_at": iso(finished), "duration_seconds": round(finished - started, 3),
        "objectives": list(OBJECTIVES),
        "decision": decision(crits, failures),
        "failures": list(failures),
        "criteria": [c.as_dict() for c in crits],
        "figures": figures,
        "evidence": [e.as_dict() for e in evidence],
        "backups": backups, "backup_dir": backup_dir,
        "manual_restore": list(manual_restore),
        "log": [{"at": iso(t), "step": s, "message": m} for t, s, m in log.entries],
    }


def _cell(value: object) -> str:
    text = value if isinstance(value, str) else short(value, 120)
    text = text if len(text) <= 160 else text[:160] + "..."
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def markdown(report: dict) -> str:
    """The report for people; every figure names the query that produced it."""
    out = [f"# Disaster-recovery drill `{report['drill']}` ({report['id']}): **{report['decision'].upper()}**", "",
           f"Runtime {report['runtime']}; started {report['started_at']}, finished {report['finished_at']} "
           f"({report['duration_seconds']:.1f} s).", "", "## Objectives", ""]
    out += [f"- {o}" for o in report["objectives"]]
    out += ["", "## Criteria", "", "| criterion | objective | measured | result | query |", "|---|---|---|---|---|"]
    for c in report["criteria"]:
        out.append(f"| {c['name']} | {c['objective']} | {c['measured']} | {'PASS' if c['passed'] else 'FAIL'} | "
                   f"{_cell(c['query']) if c['query'] else ''} |")
    if report["failures"]:
        out += ["", "## Failures", ""] + [f"- {f}" for f in report["failures"]]
    out += ["", "## Figures (from Prometheus)", "", "| figure | query | value |", "|---|---|---|"]
    for name, fig in sorted(report["figures"].items()):
        out.append(f"| {name} | {_cell(fig.get('query', ''))} | {_cell(fig.get('value'))} |")
    out += ["", "## Evidence", "", "| component | evidence | query | before | after | equal |", "|---|---|---|---|---|---|"]
    for e in report["evidence"]:
        out.append(f"| {e['component']} | {e['name']} | {_cell(e['query'])} | {_cell(e['before'])} | "
                   f"{_cell(e['after'])} | {'yes' if e['equal'] else 'NO'} |")
    out += ["", "## Backups", "", f"Kept in `{report['backup_dir']}`.", "",
            "| component | files | bytes | seconds | sha256 of the manifest |", "|---|---|---|---|---|"]
    for name, b in sorted(report["backups"].items()):
        out.append(f"| {name} | {b.get('files', 0)} | {b.get('bytes', 0)} | {b.get('seconds', 0):.2f} | "
                   f"`{b.get('digest', '')[:16]}` |")
    if report["manual_restore"]:
        out += ["", "## Restore by hand", ""] + [f"    {line}" for line in report["manual_restore"]]
    out += ["", "## Execution log", "", "| time (UTC) | step | message |", "|---|---|---|"]
    out += [f"| {e['at']} | {e['step']} | {e['message'].replace('|', '/')} |" for e in report["log"]]
    return "\n".join(out) + "\n"


def samples(*, now: float, result: bool | None, progress: float, backups: dict, restores: dict,
            verification_failures: int, duration: float | None, rto: float | None, rpo: float | None) -> list[dict]:
    """The series the drill exporter serves, as {"name", "labels", "value"}; a figure not measured yet is
    left out rather than written as 0."""
    d = {"drill": DRILL}
    out = [{"name": PROGRESS, "labels": d, "value": progress}]
    for comp, b in sorted(backups.items()):
        c = {"component": comp}
        out += [{"name": LAST_BACKUP, "labels": c, "value": b["finished"]},
                {"name": BACKUP_SIZE, "labels": c, "value": float(b["bytes"])},
                {"name": BACKUP_DURATION, "labels": c, "value": b["seconds"]}]
    for comp, secs in sorted(restores.items()):
        out.append({"name": RESTORE_DURATION, "labels": {"component": comp}, "value": secs})
    if result is not None:
        out += [{"name": RESULT, "labels": d, "value": 1.0 if result else 0.0},
                {"name": VERIFICATION_FAILURES, "labels": d, "value": float(verification_failures)},
                {"name": LAST_RUN, "labels": d, "value": now}]
    for name, value in ((DURATION, duration), (RECOVERY, rto), (DATA_LOSS, rpo)):
        if value is not None:
            out.append({"name": name, "labels": d, "value": value})
    return out


def merge_samples(old: list[dict], new: list[dict]) -> list[dict]:
    """The previous drill's series overlaid with this one's (a component not backed up this time keeps its
    last backup's series, as a real backup exporter would)."""
    key = lambda s: (s["name"], tuple(sorted(s["labels"].items())))  # noqa: E731
    merged = {key(s): s for s in old}
    merged.update({key(s): s for s in new})
    return [merged[k] for k in sorted(merged)]
