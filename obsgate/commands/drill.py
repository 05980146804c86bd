"""`obsgate drill`: back up, destroy, restore and verify the running stack's data; report RTO, RPO and evidence."""
from __future__ import annotations

import sys
from pathlib import Path

from ..runtime import StackError
from ..runtime.drill_run import Drill, write_reports
from ..runtime.layout import Layout
from ..runtime.signals import Interrupted
from .common import EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, BadInput, load_or_report


def add_arguments(parser) -> None:
    parser.add_argument("--runtime", choices=("native", "docker"), default="native",
                        help="the running stack's runtime (the drill runs on native stacks; docker is refused)")
    parser.add_argument("--report", type=Path, default=None,
                        help="also write the report here (PATH.md and PATH.json); always under .run/drill/")
    parser.add_argument("--restore-from", default="", metavar="BACKUP",
                        help="skip the backup: restore this earlier drill's backup (its id or directory) and "
                             "verify against the evidence recorded with it")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds a restarted service may take (default 90)")


def run(args) -> int:
    try:
        project = load_or_report(args.root)
    except BadInput:
        return EXIT_USAGE
    if args.runtime == "docker":
        print("error: the drill runs on the native runtime only (docker volumes are not backed up yet)\n"
              "  hint: `obsgate up --runtime native --profile ci`, then `obsgate drill`", file=sys.stderr)
        return EXIT_USAGE
    layout = Layout(args.root)
    try:
        with layout.lock("drill"):
            report = Drill(args.root, project, restore_from=args.restore_from, timeout=args.timeout).run()
    except StackError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_PROBLEMS
    except Interrupted as exc:
        print(f"interrupted by {exc}; run `obsgate up` to start any service the drill had stopped", file=sys.stderr)
        return 128 + exc.signum
    paths = write_reports(layout, report, args.report)
    for c in report["criteria"]:
        print(f"  {c['name']:<13} {'PASS' if c['passed'] else 'FAIL'}  {c['measured']} (objective {c['objective']})")
    for f in report["failures"]:
        print(f"  failure: {f}")
    if report["decision"] != "pass":
        print("  restore by hand:\n" + "\n".join("    " + line for line in report["manual_restore"]))
    print(f"drill {report['id']}: {report['decision'].upper()}; report {paths[0].with_suffix('.md')}")
    return EXIT_OK if report["decision"] == "pass" else EXIT_PROBLEMS
