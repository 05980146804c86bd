"""The one finding type every check, validator and smoke check returns (pint's Problem)."""
from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """Ordered so that the CLI's exit code is derived from the worst one."""

    INFO = 0
    WARNING = 1
    ERROR = 2
    FATAL = 3

    def __str__(self) -> str:  # "ERROR", as printed in `path:line ERROR: ...`
        return self.name


@dataclass(frozen=True)
class Problem:
    check: str
    severity: Severity
    message: str
    path: str = ""
    line: int = 0
    hint: str = ""
    details: str = ""
    subject: str = ""  # what was checked when it is not the file: a smoke case's name (one JUnit case each)

    def location(self) -> str:
        if not self.path:
            return "<project>"
        return f"{self.path}:{self.line}" if self.line else self.path

    def as_dict(self) -> dict:
        """The JSON form (details stay in the text report)."""
        out = {
            "check": self.check,
            "severity": self.severity.name.lower(),
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
        }
        if self.subject:
            out["subject"] = self.subject
        return out

    def sort_key(self) -> tuple:
        return (self.path, self.line, self.check, self.message)


def worst(problems) -> Severity | None:
    return max((p.severity for p in problems), default=None)


def exit_code(problems) -> int:
    """The CLI's exit code from the worst severity: 2 fatal (bad input, missing or crashed tool), 1 error, else 0."""
    sev = worst(problems)
    return 2 if sev is Severity.FATAL else 1 if sev is Severity.ERROR else 0
