"""Reading a named file: regular files only (a FIFO or device would block forever), symlink loops
named as loops, the size bounded, and a per-file time budget for reading and parsing."""
from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import threading
from pathlib import Path

from ..model.limits import FILE_TIME_BUDGET, MAX_FILE_BYTES
from .errors import InputError

_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def what_is(path: Path) -> str:
    """"" for a regular file (after following symlinks), else what it is instead; raises InputError
    for a path that does not resolve (missing, symlink loop, no permission)."""
    try:
        st = os.stat(path)
    except OSError as exc:
        raise _os_error(exc) from None
    return "" if stat.S_ISREG(st.st_mode) else _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")


def _os_error(exc: OSError) -> InputError:
    if exc.errno == errno.ELOOP:
        return InputError("symlink loop: the link points back to itself through other links",
                          hint="fix or remove the link")
    if exc.errno == errno.ENOENT:
        return InputError("no such file or directory")
    return InputError(f"cannot read: {exc.strerror or exc}")


def read_bytes(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; InputError for anything else.

    Opened non-blocking and checked again on the open descriptor, so a path swapped for a FIFO
    between the check and the open cannot hang the read.
    """
    kind = what_is(path)
    if kind:
        raise InputError(f"is {kind}, not a regular file", hint="name a YAML or JSON file")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise _os_error(exc) from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError("is not a regular file", hint="name a YAML or JSON file")
        if st.st_size > MAX_FILE_BYTES:
            raise InputError(f"is {st.st_size:,} bytes; the limit is {MAX_FILE_BYTES:,}",
                             hint="split it; no real rule file or dashboard is this large")
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"is over {MAX_FILE_BYTES:,} bytes (it grew while being read)")
    return data


class OverBudget(InputError):
    """Reading or parsing one file took longer than FILE_TIME_BUDGET."""


@contextlib.contextmanager
def time_budget(seconds: float = FILE_TIME_BUDGET):
    """Raise OverBudget in the block after `seconds` (a SIGALRM timer; main thread only, else no limit).

    Python code and the regex engine check for signals, so a slow parse is stopped there.
    """
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def expired(_signum, _frame):
        raise OverBudget(f"took longer than its {seconds:g} s budget to read and parse",
                         hint="the file is pathological or the disk is stalled")

    old = signal.signal(signal.SIGALRM, expired)
    previous = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if previous[0]:
            signal.setitimer(signal.ITIMER_REAL, *previous)
