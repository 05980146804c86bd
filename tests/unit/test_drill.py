"""The drill's pure side: evidence comparison, criteria, the report and the exporter's samples."""
from __future__ import annotations

import json

import pytest

from obsgate.analysis import drill as d


def ev(name="series", before=10, component="prometheus"):
    return d.Evidence(component, name, f"q({name})", before)


def test_accepts_evidence_equal_after_the_restore():
    got = d.verify([ev(), ev("silences", [{"a": 1, "b": 2}], "alertmanager")],
                   {("prometheus", "series"): 10, ("alertmanager", "silences"): [{"b": 2, "a": 1}]})
    assert all(e.equal for e in got)
    assert d.mismatches(got) == []


def test_names_each_piece_that_differs_or_could_not_be_measured():
    got = d.verify([ev(), ev("obsgate.digests documents", 90, "mongo")], {("prometheus", "series"): 9})
    assert d.mismatches(got) == [
        "prometheus: `series` differs after the restore: before 10, after 9",
        "mongo: `obsgate.digests documents` could not be measured after the restore"]


@pytest.mark.parametrize("rto, rpo, passed", [
    (120.0, 30.0, {"rto": True, "rpo": True}),
    (900.0, 30.0, {"rto": False, "rpo": True}),      # the objective is strict: 15 min is a fail
    (120.0, 3600.0, {"rto": True, "rpo": False}),
    (None, None, {"rto": False, "rpo": False}),      # not measured fails
])
def test_criteria_judge_rto_and_rpo_against_their_objectives(rto, rpo, passed):
    crits = {c.name: c for c in d.criteria(rto, rpo, d.verify([ev()], {("prometheus", "series"): 10}), [])}
    assert {k: crits[k].passed for k in ("rto", "rpo")} == passed
    assert crits["data_equal"].passed and crits["alerts_quiet"].passed


def test_criteria_fail_on_unequal_data_on_new_alerts_and_on_no_evidence():
    crits = {c.name: c for c in d.criteria(1, 1, d.verify([ev()], {("prometheus", "series"): 11}), ["TargetDown"])}
    assert not crits["data_equal"].passed and crits["data_equal"].measured == "0 of 1 equal"
    assert not crits["alerts_quiet"].passed and crits["alerts_quiet"].measured == "new: TargetDown"
    assert not {c.name: c for c in d.criteria(1, 1, [], [])}["data_equal"].passed


def test_decision_is_fail_when_a_failure_is_named_even_with_every_criterion_passed():
    crits = d.criteria(1, 1, d.verify([ev()], {("prometheus", "series"): 10}), [])
    assert d.decision(crits, []) == "pass"
    assert d.decision(crits, ["backup of `mongo` is corrupt"]) == "fail"


def report(failures=()):
    log = d.Log()
    log.add(1_700_000_000.0, "destroy", "stopping prometheus | mongo")
    evidence = d.verify([ev()], {("prometheus", "series"): 10 if not failures else 7})
    crits = d.criteria(12.5, 40.0, evidence, [], {"rto": 'dr_drill_recovery_duration_seconds{drill="stack_restore"}'})
    return d.build_report(drill_id="20261201T100000Z", runtime="native", started=1_700_000_000.0,
                          finished=1_700_000_060.0, log=log, evidence=evidence, crits=crits,
                          failures=list(failures) + d.mismatches(evidence),
                          backups={"prometheus": {"files": 3, "bytes": 1234, "seconds": 0.5, "digest": "ab" * 32}},
                          backup_dir="/x/backups/20261201T100000Z", manual_restore=["obsgate down"],
                          figures={"rto_seconds": {"query": "q @ 1", "value": "12.5"}})


def test_report_holds_objectives_log_evidence_criteria_and_decision_as_json():
    r = json.loads(json.dumps(report()))
    assert r["decision"] == "pass" and r["duration_seconds"] == 60.0
    assert len(r["objectives"]) == 4 and [c["name"] for c in r["criteria"]] == ["rto", "rpo", "data_equal", "alerts_quiet"]
    assert r["evidence"] == [{"component": "prometheus", "name": "series", "query": "q(series)", "before": 10,
                              "after": 10, "equal": True}]
    assert r["log"] == [{"at": "2023-11-14T22:13:20.000Z", "step": "destroy", "message": "stopping prometheus | mongo"}]


def test_markdown_report_names_queries_values_and_the_failure():
    md = d.markdown(report(["backup of `mongo` is corrupt: x.bson does not match its sha256"]))
    assert md.startswith("# Disaster-recovery drill `stack_restore` (20261201T100000Z): **FAIL**")
    assert "| rto | < 900 s | 12.5 s | PASS | `dr_drill_recovery_duration_seconds{drill=\"stack_restore\"}` |" in md
    assert "| prometheus | series | `q(series)` | `10` | `7` | NO |" in md
    assert "- backup of `mongo` is corrupt: x.bson does not match its sha256" in md
    assert "stopping prometheus / mongo" in md  # a pipe in a message does not break the table
    assert "## Restore by hand" in md


def test_samples_leave_out_what_was_not_measured_and_merge_keeps_older_components():
    first = d.samples(now=5.0, result=None, progress=0.5,
                      backups={"mongo": {"finished": 4.0, "bytes": 10, "seconds": 0.1}}, restores={},
                      verification_failures=0, duration=None, rto=None, rpo=None)
    names = {s["name"] for s in first}
    assert d.RESULT not in names and d.RECOVERY not in names and d.LAST_BACKUP in names
    second = d.samples(now=9.0, result=False, progress=1.0, backups={}, restores={"mongo": 1.5},
                       verification_failures=2, duration=8.0, rto=3.0, rpo=None)
    merged = {(s["name"], s["labels"].get("component", s["labels"].get("drill"))): s["value"]
              for s in d.merge_samples(first, second)}
    assert merged[(d.LAST_BACKUP, "mongo")] == 4.0  # the last backup survives a drill that took none
    assert merged[(d.RESULT, "stack_restore")] == 0.0 and merged[(d.VERIFICATION_FAILURES, "stack_restore")] == 2.0
    assert merged[(d.PROGRESS, "stack_restore")] == 1.0
    assert (d.DATA_LOSS, "stack_restore") not in merged


def test_the_catalog_declares_every_series_the_drill_writes(repo_root):
    from obsgate.load import load

    declared = {m.name: m for m in load(repo_root).metrics if m.job == "obsgate_drill"}
    written = {d.LAST_BACKUP, d.BACKUP_SIZE, d.BACKUP_DURATION, d.RESTORE_DURATION, d.VERIFICATION_FAILURES,
               d.RESULT, d.DURATION, d.RECOVERY, d.DATA_LOSS, d.PROGRESS, d.LAST_RUN}
    assert written == set(declared)
    assert {v for m in declared.values() for l in m.labels if l.name == "component" for v in l.values} == set(d.COMPONENTS)
    assert {v for m in declared.values() for l in m.labels if l.name == "drill" for v in l.values} == {d.DRILL}


def test_data_equal_says_not_verified_when_the_drill_stopped_before_the_restore():
    crit = {c.name: c for c in d.criteria(None, None, [ev()], None)}["data_equal"]
    assert not crit.passed and crit.measured == "not verified (the drill stopped before the restore)"
