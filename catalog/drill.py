"""The disaster-recovery drill's own series, served by obsgate.sim.drill_exporter from what `obsgate drill`
measured (never simulated): per component of the stack's data, the last backup and its size and duration,
the restore duration; per drill, the result, duration, RTO, RPO, verification failures and progress."""
from obsgate import Metric

JOB = "obsgate_drill"
COMPONENTS = ["prometheus", "mongo", "loki", "alertmanager"]  # obsgate.analysis.drill.COMPONENTS
DRILLS = ["stack_restore"]  # obsgate.analysis.drill.DRILL
BY_COMPONENT = {"component": COMPONENTS}
BY_DRILL = {"drill": DRILLS}

STACK_LAST_BACKUP = Metric(
    "stack_backup_last_success_timestamp_seconds", "gauge", unit="timestamp_seconds",
    help="Unix time the last successful backup of this component of the stack's data finished (obsgate drill).",
    job=JOB, labels=BY_COMPONENT,
)
STACK_BACKUP_SIZE = Metric(
    "stack_backup_size_bytes", "gauge", unit="bytes",
    help="Size of the last successful backup of this component, every file its manifest lists.",
    job=JOB, labels=BY_COMPONENT,
)
STACK_BACKUP_DURATION = Metric(
    "stack_backup_duration_seconds", "gauge", unit="seconds",
    help="Wall time the last successful backup of this component took.",
    job=JOB, labels=BY_COMPONENT,
)
STACK_RESTORE_DURATION = Metric(
    "stack_restore_duration_seconds", "gauge", unit="seconds",
    help="Wall time the last drill's restore of this component took (files or API writes, and its start).",
    job=JOB, labels=BY_COMPONENT,
)
DR_DRILL_PROGRESS = Metric(
    "dr_drill_progress_ratio", "gauge", unit="ratio",
    help="Fraction of the current disaster-recovery drill's steps completed (1 when finished).",
    job=JOB, labels=BY_DRILL,
)
DR_DRILL_RESULT = Metric(
    "dr_drill_last_result", "gauge",
    help="Outcome of the last finished drill: 1 passed, 0 failed.",
    job=JOB, labels=BY_DRILL,
)
DR_DRILL_RECOVERY_TIME = Metric(
    "dr_drill_recovery_duration_seconds", "gauge", unit="seconds",
    help="Recovery time the last finished drill measured, destroy to every piece of evidence verified (its RTO).",
    job=JOB, labels=BY_DRILL,
)
DR_DRILL_DATA_LOSS = Metric(
    "dr_drill_data_loss_window_seconds", "gauge", unit="seconds",
    help="Data the last drill would have lost: its oldest backup to the destroy (its RPO).",
    job=JOB, labels=BY_DRILL,
)
DR_DRILL_DURATION = Metric(
    "dr_drill_duration_seconds", "gauge", unit="seconds",
    help="Wall time of the last finished drill, from its start to its verification.",
    job=JOB, labels=BY_DRILL,
)
DR_DRILL_VERIFICATION_FAILURES = Metric(
    "dr_drill_verification_failures", "gauge",
    help="Failures the last finished drill named: evidence unequal after the restore, corrupt backups, services "
         "that did not come back.",
    job=JOB, labels=BY_DRILL,
)
DR_DRILL_LAST_RUN = Metric(
    "dr_drill_last_run_timestamp_seconds", "gauge", unit="timestamp_seconds",
    help="Unix time the last drill finished.",
    job=JOB, labels=BY_DRILL,
)
