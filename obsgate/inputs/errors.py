"""The one error type of the readers: a message, the 1-based line (0 when unknown) and a hint."""
from __future__ import annotations


class InputError(ValueError):
    def __init__(self, message: str, line: int = 0, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint
