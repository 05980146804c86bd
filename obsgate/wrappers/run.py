"""One subprocess call: merged output, exit code and wall time (the benchmark reports tools' share)."""
from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


class ToolError(Exception):
    """The tool could not be started or did not finish: validate reports FATAL and exits 2."""


@dataclass(frozen=True)
class Result:
    argv: tuple[str, ...]
    returncode: int
    output: str  # stdout and stderr interleaved as the tool wrote them
    seconds: float


def run(argv: list[str], cwd: Path | None = None, timeout: float = 300, timings: list | None = None) -> Result:
    started = time.perf_counter()
    try:
        proc = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, errors="replace")
    except FileNotFoundError as exc:
        raise ToolError(f"cannot run `{argv[0]}`: {exc.strerror}") from None
    except OSError as exc:
        raise ToolError(f"cannot run `{argv[0]}`: {exc}") from None
    except subprocess.TimeoutExpired:
        raise ToolError(f"`{' '.join(argv[:3])}` did not finish within {timeout:.0f} s") from None
    elapsed = time.perf_counter() - started
    if timings is not None:
        timings.append((Path(argv[0]).name, elapsed))
    return Result(tuple(argv), proc.returncode, proc.stdout, elapsed)
