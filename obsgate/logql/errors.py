"""The engine's errors: a syntax error names line, column, what was expected and a hint; an
unsupported construct says so by name, so nothing is ever evaluated wrongly in silence."""
from __future__ import annotations


class LogQLError(ValueError):
    """Base of every error the engine raises for bad input (never a traceback for the user)."""


class LogQLSyntaxError(LogQLError):
    """A query that does not parse. `line` and `column` are 1-based, within the expression."""

    def __init__(self, message: str, line: int = 1, column: int = 1, expected: tuple[str, ...] = (),
                 hint: str = ""):
        super().__init__(message)
        self.message = message
        self.line, self.column = line, column
        self.expected = tuple(expected)
        self.hint = hint

    def __str__(self) -> str:
        text = f"parse error at line {self.line}, col {self.column}: {self.message}"
        if self.expected:
            text += f" (expected {_one_of(self.expected)})"
        return text


class Unsupported(LogQLSyntaxError):
    """Valid LogQL that obsgate's engine does not evaluate."""

    def __init__(self, construct: str, line: int = 1, column: int = 1, hint: str = ""):
        super().__init__(f"not supported by obsgate's LogQL engine: {construct}", line, column, (),
                         hint or "rewrite the query without it, or run it against a real Loki (`--loki URL`)")
        self.construct = construct

    def __str__(self) -> str:
        return self.message if self.line <= 1 and self.column <= 1 else \
            f"{self.message} (line {self.line}, col {self.column})"


class QueryError(LogQLError):
    """A query that parses but cannot be evaluated (Loki answers these with HTTP 400 too)."""


def _one_of(items: tuple[str, ...]) -> str:
    items = tuple(dict.fromkeys(items))
    if len(items) == 1:
        return items[0]
    return "one of " + ", ".join(items[:-1]) + " or " + items[-1]
