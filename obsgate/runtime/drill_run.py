"""`obsgate drill` on the running native stack: evidence, backups, destroy, restore, verify, report.

The service control is the native runtime's (its commands, pid records and health checks) applied to the
four data services only; Prometheus runs with `--web.enable-admin-api` just for the snapshot (restarted with
it before the evidence, started again without it after the restore). A failure at any step still starts
every stopped service, keeps the backups and writes the report with the reason and a manual restore.
"""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from ..analysis import drill as pure
from ..analysis.durations import seconds
from . import health, httpjson as http, procs
from .base import StackError
from .drill_pieces import PieceError, check_manifest, pieces, size_of, wipe, write_manifest
from .layout import Layout
from .native import NativeRuntime, start_order
from .signals import deferred

ADMIN_API = "--web.enable-admin-api"
SERVICES = ("prometheus", "mongo", "loki", "alertmanager")
EVIDENCE_LAG = 15.0  # evidence is read this many seconds in the past: late log pushes and scrapes are in


def drill_dir(layout: Layout) -> Path:
    return layout.run / "drill"


def metrics_file(layout: Layout) -> Path:
    """What the drill exporter (obsgate.sim.drill_exporter) serves."""
    return drill_dir(layout) / "metrics.json"


class Services:
    """Stop and start some of the native stack's services, recorded in its state file like `up` does."""

    def __init__(self, runtime: NativeRuntime) -> None:
        self.rt = runtime

    def running(self) -> set[str]:
        return set(self.rt.running())

    def stop(self, names) -> None:
        recorded = self.rt.recorded()
        left = procs.stop_all({n: recorded[n] for n in names if n in recorded})
        if left:
            raise StackError("could not stop " + ", ".join(f"{n} (pids {p})" for n, p in left.items()))
        state = self.rt.layout.read_state()
        for n in names:
            state.get("services", {}).pop(n, None)
            self.rt.layout.pid_file(n).unlink(missing_ok=True)
        self.rt.layout.write_state(state)
        busy = self.rt.wait_ports_released([self.rt.project.stack.service(n) for n in names], timeout=10.0)
        if busy:
            raise StackError("ports still in use after stopping: " + ", ".join(busy))

    def start(self, names, extra: dict[str, tuple[str, ...]] | None = None, timeout: float = 60.0) -> None:
        stack = self.rt.project.stack
        todo = [s for s in start_order(list(stack.services)) if s.name in names and s.name not in self.running()]
        state = self.rt.layout.read_state()
        for svc in todo:
            cmd, env = self.rt.command(svc)
            cmd = cmd + list((extra or {}).get(svc.name, ()))
            self.rt.layout.data(svc.name).mkdir(parents=True, exist_ok=True)
            with deferred(reraise=True):  # no signal between starting a process and recording its pid
                proc = procs.spawn(cmd, self.rt.layout.log(svc.name), self.rt.layout.service_dir(svc.name), env)
                self.rt.record(state, svc.name, proc, cmd, svc.port)
        self.rt.wait_healthy(timeout=timeout, names=[s.name for s in todo])

    def has_admin_api(self) -> bool:
        rec = self.rt.layout.read_state().get("services", {}).get("prometheus", {})
        return ADMIN_API in rec.get("cmd", [])


class Drill:
    def __init__(self, root: Path, project, restore_from: str = "", timeout: float = 90.0, out=print) -> None:
        self.root, self.project, self.out, self.timeout = Path(root), project, out, timeout
        self.layout = Layout(self.root)
        state = self.layout.read_state()
        if state.get("runtime") != "native" or not state.get("services"):
            raise StackError(f"no native stack is running (state: {state.get('runtime') or 'nothing running'})",
                             hint="start one with `obsgate up --runtime native --profile ci`; the docker runtime "
                                  "has no drill yet")
        self.runtime = NativeRuntime(self.root, project, state.get("profile", "local"))
        self.services = Services(self.runtime)
        missing = [n for n in SERVICES if n not in self.services.running()]
        if missing:
            raise StackError("the drill needs these services running: " + ", ".join(missing),
                             hint="`obsgate up` starts what is not running")
        self.pieces = pieces(project, self.layout)
        self.prom = self.pieces[0]
        self.started = time.time()
        self.id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(self.started))
        self.restore_from = restore_from
        self.backup_dir = (self._backup_path(restore_from) if restore_from else drill_dir(self.layout) / "backups" / self.id)
        self.log = pure.Log()
        self.failures: list[str] = []
        self.evidence: list[pure.Evidence] = []
        self.backups: dict = {}
        self.restores: dict[str, float] = {}
        self.kept_aside: dict[str, str] = {}
        self.progress = 0.0
        self.destroyed = self.verified = None
        prof = project.stack.profile(self.runtime.profile)
        self.settle = 3 * (seconds(prof.evaluation_interval) or 15) + 3 * (seconds(prof.scrape_interval) or 15) + 2

    def _backup_path(self, name: str) -> Path:
        p = Path(name)
        return p if p.is_absolute() or p.exists() else drill_dir(self.layout) / "backups" / name

    def say(self, step: str, message: str) -> None:
        self.log.add(time.time(), step, message)
        self.out(f"[{pure.iso(time.time())}] {step}: {message}")

    def step_done(self, step: str) -> None:
        self.progress = (pure.STEPS.index(step) + 1) / len(pure.STEPS)
        self._write_samples(None)

    # --- exporter state -----------------------------------------------------------------------------
    def _write_samples(self, result: bool | None, rto=None, rpo=None) -> float:
        now = time.time()
        path = metrics_file(self.layout)
        try:
            old = json.loads(path.read_text()).get("samples", [])
        except (OSError, ValueError):
            old = []
        if result is not None:  # a new finished drill replaces the last one's figures
            old = [s for s in old if not s["name"].startswith("dr_drill_")]
        new = pure.samples(now=now, result=result, progress=self.progress,
                           backups={} if self.restore_from else self.backups, restores=self.restores,
                           verification_failures=len(self.failures), duration=(now - self.started) if result is not None else None,
                           rto=rto, rpo=rpo)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"written_at": now, "samples": pure.merge_samples(old, new)}, sort_keys=True) + "\n")
        os.replace(tmp, path)
        return now

    # --- steps --------------------------------------------------------------------------------------
    def firing(self, states=("firing",)) -> dict[str, str]:
        """alertname -> severity of the alerts in `states`."""
        alerts = http.get(self.prom.base + "/api/v1/alerts", timeout=10)["data"]["alerts"]
        return {a["labels"].get("alertname", ""): a["labels"].get("severity", "") for a in alerts
                if a["state"] in states}

    def arm_admin_api(self) -> None:
        if self.services.has_admin_api():
            return
        self.say("evidence", f"restarting prometheus with {ADMIN_API} (the drill's configuration, for the snapshot)")
        self.services.stop(["prometheus"])
        self.services.start(["prometheus"], {"prometheus": (ADMIN_API,)}, timeout=self.timeout)

    def take_evidence(self) -> None:
        if self.restore_from:
            doc = self._load_backup()
            self.at = doc["evidence_at"]
            self.evidence = [pure.Evidence(**{k: e[k] for k in ("component", "name", "query", "before")})
                             for e in doc["evidence"]]
            self.backups = doc["backups"]
            self.say("evidence", f"{len(self.evidence)} pieces of evidence recorded with backup {self.backup_dir} "
                                 f"at {pure.iso(self.at)}")
            return
        self.pieces[3].ensure_silence()
        self.at = round(time.time() - EVIDENCE_LAG, 3)
        for piece in self.pieces:
            found = piece.evidence(self.at)
            self.evidence += found
            self.say("evidence", f"{piece.component}: {len(found)} pieces at {pure.iso(self.at)}")

    def _load_backup(self) -> dict:
        try:
            return json.loads((self.backup_dir / "drill.json").read_text())
        except (OSError, ValueError) as exc:
            raise PieceError(f"backup {self.backup_dir} is unreadable: drill.json: {exc}") from None

    def take_backups(self) -> None:
        try:
            self.backup_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PieceError(f"backups could not be written to {self.backup_dir}: {exc.strerror or exc}") from None
        for piece in self.pieces:
            dest = self.backup_dir / piece.component
            shutil.rmtree(dest, ignore_errors=True)
            t0 = time.time()
            try:
                dest.mkdir(parents=True)
            except OSError as exc:
                raise PieceError(f"backup of `{piece.component}` could not be written to {dest}: {exc}") from None
            meta = piece.backup(dest)
            t1 = time.time()
            try:
                manifest = write_manifest(dest, {"component": piece.component, "started": t0, "finished": t1, **meta})
            except OSError as exc:
                raise PieceError(f"backup of `{piece.component}` could not be written to {dest}: {exc}") from None
            self.backups[piece.component] = {"started": t0, "finished": t1, "seconds": round(t1 - t0, 3),
                                             "bytes": manifest["bytes"], "files": len(manifest["files"]),
                                             "digest": manifest["digest"], **meta}
            self.say("backup", f"{piece.component}: {manifest['bytes']} bytes in {len(manifest['files'])} files, "
                               f"{t1 - t0:.2f}s -> {dest}")
        doc = {"id": self.id, "evidence_at": self.at, "evidence": [e.as_dict() for e in self.evidence],
               "backups": self.backups}
        (self.backup_dir / "drill.json").write_text(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")

    def check_backups(self) -> None:
        for piece in self.pieces:
            check_manifest(piece.component, self.backup_dir / piece.component)
        self.say("backup", f"every file of {self.backup_dir} matches its manifest's sha256")

    def destroy(self) -> None:
        self.destroyed = time.time()
        self.say("destroy", "stopping " + ", ".join(SERVICES))
        self.services.stop(list(SERVICES))
        for name in SERVICES:
            wipe(self.layout.data(name))
        self.say("destroy", "wiped the data dirs " + ", ".join(str(self.layout.data(n)) for n in SERVICES))

    def restore(self) -> None:
        by = {p.component: p for p in self.pieces}
        for name in ("prometheus", "loki"):  # file restores, service stopped
            t0 = time.time()
            by[name].restore(self.backup_dir / name)
            self.restores[name] = time.time() - t0
        t0 = time.time()
        self._start(["alertmanager", "mongo", "loki"])
        started = time.time() - t0  # the three start together: each restore counts their start
        self.restores["loki"] += started
        for name in ("mongo", "alertmanager"):  # API restores, service running
            t1 = time.time()
            by[name].restore(self.backup_dir / name)
            self.restores[name] = started + time.time() - t1
        t0 = time.time()
        self._start(["prometheus"])
        self.restores["prometheus"] += time.time() - t0
        self.say("restore", ", ".join(f"{n} {s:.2f}s" for n, s in sorted(self.restores.items())))

    def _start(self, names) -> None:
        try:
            self.services.start(names, timeout=self.timeout)
        except StackError as exc:
            raise StackError(f"service did not come back after the restore: {exc.message}", details=exc.details) from None

    def verify(self) -> None:
        after: dict = {}
        for piece in self.pieces:
            try:
                after.update(piece.measure(self.evidence, self.at))
            except (http.HTTPError, OSError, ValueError, KeyError) as exc:
                self.say("verify", f"{piece.component}: could not measure: {exc}")
            except Exception as exc:  # pymongo's errors: the measurement failed, named
                self.say("verify", f"{piece.component}: could not measure: {type(exc).__name__}: {exc}")
        self.evidence = pure.verify(self.evidence, after)
        self.verified = time.time()
        bad = pure.mismatches(self.evidence)
        self.failures += bad
        self.say("verify", f"{len(self.evidence) - len(bad)} of {len(self.evidence)} pieces of evidence equal")

    # --- figures from Prometheus ----------------------------------------------------------------------
    def figures(self, written_at: float) -> dict:
        sel = f'{{drill="{pure.DRILL}"}}'
        wanted = {"result": f"{pure.RESULT}{sel}", "rto_seconds": f"{pure.RECOVERY}{sel}",
                  "rpo_seconds": f"{pure.DATA_LOSS}{sel}", "verification_failures": f"{pure.VERIFICATION_FAILURES}{sel}",
                  "duration_seconds": f"{pure.DURATION}{sel}", "last_run": f"{pure.LAST_RUN}{sel}",
                  "backup_bytes": f"sum by (component) ({pure.BACKUP_SIZE})",
                  "backup_seconds": f"max by (component) ({pure.BACKUP_DURATION})",
                  "restore_seconds": f"max by (component) ({pure.RESTORE_DURATION})",
                  "backup_age_seconds": f"time() - max by (component) ({pure.LAST_BACKUP})"}
        deadline = time.time() + max(30.0, self.settle * 3)
        while True:
            try:
                got = self.prom.query(wanted["last_run"], time.time())
            except http.HTTPError:
                got = []
            if got and abs(float(got[0][1]) - written_at) < 0.01:
                break
            if time.time() > deadline:
                self.failures.append("the drill's figures did not reach Prometheus (is `drill-exporter` running and "
                                     "scraped?)")
                return {k: {"query": q, "value": None} for k, q in wanted.items()}
            time.sleep(0.5)
        at = time.time()
        out = {}
        for name, q in wanted.items():
            res = self.prom.query(q, at)
            value = (res[0][1] if len(res) == 1 and not res[0][0].get("component") else
                     {r[0].get("component", ""): r[1] for r in res})
            out[name] = {"query": f"{q} @ {at:.3f}", "value": value}
        return out

    # --- the whole drill ------------------------------------------------------------------------------
    def run(self) -> dict:
        figures, new_alerts, before = {}, None, {}
        destroyed_services = False
        try:
            if not self.restore_from:
                self.arm_admin_api()
            before = self.firing(("firing", "pending"))  # on its way before the drill: not the restore's
            self.take_evidence()
            self.step_done("evidence")
            if not self.restore_from:
                self.take_backups()
            self.check_backups()
            self.step_done("backup")
            destroyed_services = True
            self.destroy()
            self.step_done("destroy")
            self.restore()
            self.step_done("restore")
            self.verify()
            self.step_done("verify")
        except (PieceError, StackError, http.HTTPError, OSError) as exc:
            msg = exc.message if isinstance(exc, StackError) else str(exc)
            self.failures.append(msg)
            self.say("error", msg)
        except Exception as exc:  # pymongo and bson errors: the drill fails, named, the stack comes back
            self.failures.append(f"{type(exc).__name__}: {exc}")
            self.say("error", f"{type(exc).__name__}: {exc}")
        finally:
            if destroyed_services:
                self._bring_back()
        rto = (self.verified - self.destroyed) if self.verified and self.destroyed else None
        rpo = (self.destroyed - min(b["started"] for b in self.backups.values())) \
            if self.destroyed and self.backups else None
        data_ok = bool(self.evidence) and not self.failures
        ok = data_ok and rto is not None and rto < pure.RTO_OBJECTIVE and rpo is not None and rpo < pure.RPO_OBJECTIVE
        written = self._write_samples(ok, rto, rpo)
        figures = self.figures(written)
        if self.verified:
            time.sleep(self.settle)  # the rules evaluated on the restored data
            try:
                after = {n: sev for n, sev in self.firing().items() if n not in before}
                new_alerts = sorted(n for n, sev in after.items() if sev in pure.JUDGED_SEVERITIES)
                info = sorted(set(after) - set(new_alerts))
                if info:
                    self.say("report", "new after the restore, not judged (severity "
                                       + ", ".join(f"{n}: {after[n] or 'none'}" for n in info) + ")")
            except http.HTTPError as exc:
                self.failures.append(f"alerts after the restore could not be read: {exc}")
            if ok and new_alerts:
                self._write_samples(False, rto, rpo)
        queries = {"rto": figures.get("rto_seconds", {}).get("query", ""),
                   "rpo": figures.get("rpo_seconds", {}).get("query", ""),
                   "data_equal": figures.get("verification_failures", {}).get("query", ""),
                   "alerts_quiet": 'ALERTS{alertstate="firing", severity=~"warning|critical"} after, less ALERTS '
                                   'firing or pending before'}
        crits = pure.criteria(rto, rpo, self.evidence, new_alerts, queries)
        self.progress = 1.0
        self.say("report", f"decision {pure.decision(crits, self.failures)}")
        report = pure.build_report(drill_id=self.id, runtime="native", started=self.started, finished=time.time(),
                                   log=self.log, evidence=self.evidence, crits=crits, failures=self.failures,
                                   backups=self.backups, backup_dir=str(self.backup_dir),
                                   manual_restore=self.manual_restore(), figures=figures)
        return report

    def _bring_back(self) -> None:
        """Whatever happened, every data service runs again (the stack is never left destroyed): a service that
        does not start on its restored data is started on an empty data dir, the restored one kept aside."""
        down = [n for n in SERVICES if n not in self.services.running()]
        if not down:
            return
        self.say("restore", "starting what is still stopped: " + ", ".join(down))
        for name in down:
            try:
                self.services.start([name], timeout=self.timeout)
                continue
            except StackError as exc:
                self.say("error", f"service `{name}` did not come back: {exc.message}")
            data = self.layout.data(name)
            aside = drill_dir(self.layout) / f"unstartable-{name}-{self.id}"
            shutil.rmtree(aside, ignore_errors=True)
            aside.parent.mkdir(parents=True, exist_ok=True)
            if data.exists():
                shutil.move(str(data), str(aside))
                self.kept_aside[name] = str(aside)
            data.mkdir(parents=True, exist_ok=True)
            try:
                self.services.start([name], timeout=self.timeout)
                self.say("restore", f"`{name}` started on an empty data dir; the data it refused is kept in {aside}")
            except StackError as exc:
                self.failures.append(f"service `{name}` did not come back even on an empty data dir: {exc.message}")
                self.say("error", self.failures[-1])

    def manual_restore(self) -> list[str]:
        b, d = self.backup_dir, self.layout.data
        if self.destroyed is None:
            return ["# nothing was destroyed: the stack still runs on its own data, no restore is needed",
                    f"# backups written so far (if any) are kept in {b}"]
        aside = [f"# {n} did not start on the restored data; that data is kept in {p}" for n, p in self.kept_aside.items()]
        return aside + [f"# the backups of this drill are kept in {b}; each manifest.json lists its files' sha256",
                "obsgate down",
                f"rm -rf {d('prometheus')} && mkdir -p {d('prometheus')} && cp -a {b}/prometheus/tsdb/. {d('prometheus')}/",
                f"rm -rf {d('loki')} && mkdir -p {d('loki')} && cp -a {b}/loki/*.jsonl {d('loki')}/",
                "obsgate up --runtime native --profile ci",
                f"obsgate drill --restore-from {b}   # restores mongo and the silences through their APIs, "
                "then verifies against the evidence recorded with the backup"]


def write_reports(layout: Layout, report: dict, extra: Path | None = None) -> list[Path]:
    """report-<id>.{json,md} and report.{json,md} under .run/drill/, and `extra` (.json or .md, the other
    format beside it)."""
    d = drill_dir(layout)
    d.mkdir(parents=True, exist_ok=True)
    text_json = json.dumps(report, indent=2, sort_keys=True, default=str) + "\n"
    text_md = pure.markdown(report)
    targets = [d / f"report-{report['id']}", d / "report"]
    if extra is not None:
        targets.append(extra.with_suffix("") if extra.suffix in (".json", ".md") else extra)
    written = []
    for base in targets:
        base.parent.mkdir(parents=True, exist_ok=True)
        for suffix, text in ((".json", text_json), (".md", text_md)):
            path = base.with_name(base.name + suffix)
            path.write_text(text)
            written.append(path)
    return written
