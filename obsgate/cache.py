"""The content-addressed cache under `<root>/.cache/obsgate`: results keyed by the bytes that determine them.

Git-ignored and always safe to delete (a missing or unreadable entry is a miss). `--no-cache` or
OBSGATE_NO_CACHE=1 turns it off. Entries: promtool results per file (validate), the outputs of a
whole project's generate, and the bytecode of definition modules (sys.pycache_prefix).
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path

DIR = Path(".cache") / "obsgate"
_OBSGATE = Path(__file__).resolve().parent
_disabled = bool(os.environ.get("OBSGATE_NO_CACHE"))
_code: dict[tuple, str] = {}


def disable() -> None:
    """Off for this process and the obsgate processes it starts."""
    global _disabled
    _disabled = True
    os.environ["OBSGATE_NO_CACHE"] = "1"


def enabled() -> bool:
    return not _disabled


def digest(*parts: bytes | str) -> str:
    """sha256 over the parts, each length-prefixed (so ("ab", "c") and ("a", "bc") differ)."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def code_version(*parts: str) -> str:
    """The code that shapes a result (obsgate's modules under `parts`, relative to the package; all of it
    by default) and the Python running it: a result cached by other code is a miss."""
    if parts not in _code:
        files = sorted(f for part in parts or ("",) for f in ((_OBSGATE / part).rglob("*.py")
                                                             if (_OBSGATE / part).is_dir() else [_OBSGATE / part]))
        _code[parts] = digest(sys.version, *(p.relative_to(_OBSGATE).as_posix() for p in files),
                              *(p.read_bytes() for p in files))
    return _code[parts]


def tool_identity(path: str) -> str:
    """A tool binary's identity (real path, size, mtime): a rebuilt or upgraded tool is a miss."""
    real = os.path.realpath(path)
    st = os.stat(real)
    return f"{real}:{st.st_size}:{st.st_mtime_ns}"


class Store:
    def __init__(self, root: Path) -> None:
        self.dir = Path(root) / DIR

    def _path(self, space: str, key: str) -> Path:
        return self.dir / space / key[:2] / key

    def get(self, space: str, key: str) -> bytes | None:
        try:
            return self._path(space, key).read_bytes()
        except OSError:
            return None

    def put(self, space: str, key: str, data: bytes) -> None:
        """Written whole or not at all (a temp file renamed); a read-only tree just caches nothing."""
        path = self._path(space, key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            return


def store(root: Path) -> Store | None:
    """The project's cache, or None with --no-cache."""
    return Store(root) if enabled() else None


@contextlib.contextmanager
def bytecode(root: Path):
    """Definition modules' bytecode cached under the cache directory (not beside the sources, and also
    when PYTHONDONTWRITEBYTECODE is set); without the cache, Python's own setting stands."""
    if not enabled():
        yield
        return
    saved = sys.pycache_prefix, sys.dont_write_bytecode
    sys.pycache_prefix, sys.dont_write_bytecode = str(Path(root) / DIR / "pycache"), False
    try:
        yield
    finally:
        sys.pycache_prefix, sys.dont_write_bytecode = saved
