"""Where a definition was written, so that every error can say `path:line`."""
from __future__ import annotations

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
_root: list[Path] = [Path.cwd()]


def set_root(root: Path) -> None:
    """Paths in messages are shown relative to the project root the loader was given."""
    _root[0] = root.resolve()
    _relpath.cache_clear()


def relpath(path: str | os.PathLike) -> str:
    return _relpath(os.fspath(path))


@functools.lru_cache(maxsize=4096)
def _relpath(path: str) -> str:
    """Cached: every definition asks for its file's path, thousands of times in a large project."""
    p = Path(path).resolve()
    try:
        return p.relative_to(_root[0]).as_posix()
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
