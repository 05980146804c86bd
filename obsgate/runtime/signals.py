"""SIGTERM and SIGINT become an exception, so that `finally: down()` runs on either signal."""
from __future__ import annotations

import contextlib
import signal
import threading


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM or SIGINT arrives. A KeyboardInterrupt, so `except Exception`
    does not catch it and everything that lets Ctrl-C through lets SIGTERM through too."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextlib.contextmanager
def interruptible():
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, _frame):
        raise Interrupted(signum)

    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


@contextlib.contextmanager
def deferred(reraise: bool = False):
    """Hold SIGTERM/SIGINT for the block: a process spawned must be recorded before anything stops us,
    and a second Ctrl-C must not abort `down` halfway. With `reraise`, a held signal is raised after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []
    old = {sig: signal.signal(sig, lambda s, f: got.append(s)) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)
    if got and reraise:
        raise Interrupted(got[0])
