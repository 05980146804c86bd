"""Where a definition was written, so that every error can say `path:line`."""
from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

_PKG_DIR = str(Path(__file__).resolve().parent.parent)


@dataclass(frozen=True)
class SourceRef:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


UNKNOWN = SourceRef("<unknown>", 0)
# The project root of the load in progress. A definition's constructor cannot take it as an argument
# (users call Metric(...) in their own files), so load passes it down the call context with
# `project_root(root)`; outside a load, paths are relative to the working directory.
_ROOT: contextvars.ContextVar[Path | None] = contextvars.ContextVar("obsgate_project_root", default=None)


@contextlib.contextmanager
def project_root(root: Path):
    """Within this block, the definitions being constructed name their files relative to `root`."""
    token = _ROOT.set(root.resolve())
    try:
        yield
    finally:
        _ROOT.reset(token)


def relpath(path: str | os.PathLike, root: Path | None = None) -> str:
    """`path` relative to `root` (default: the load in progress, else the working directory)."""
    return _relpath(os.fspath(path), os.fspath(root or _ROOT.get() or Path.cwd()))


@functools.lru_cache(maxsize=4096)
def _relpath(path: str, root: str) -> str:
    """Cached: every definition asks for its file's path, thousands of times in a large project."""
    p = Path(path).resolve()
    try:
        return p.relative_to(root).as_posix()
    except ValueError:
        return p.as_posix()


def caller_source() -> SourceRef:
    """The first stack frame outside obsgate itself and dataclass-generated code."""
    frame = sys._getframe(1)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PKG_DIR) and not filename.startswith("<"):
            return SourceRef(relpath(filename), frame.f_lineno)
        frame = frame.f_back
    return UNKNOWN


class DefinitionError(ValueError):
    """A definition is invalid; carries where it was written, which field, and how to fix it."""

    def __init__(self, source: SourceRef, message: str, hint: str = "") -> None:
        self.source = source
        self.message = message
        self.hint = hint
        super().__init__(f"{source}: {message}" + (f"\n  hint: {hint}" if hint else ""))


def fail(source: SourceRef, kind: str, name: str, field: str, value, problem: str, hint: str = ""):
    """Raise the standard message: `alert "X" field severity: `page` is not ...`."""
    raise DefinitionError(source, f'{kind} "{name}" field {field}: `{value}` {problem}', hint)
