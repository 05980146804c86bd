"""amtool: `check-config` for all files in one call, `config routes test` for one alert's labels."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .run import ToolError, run

_CHECKING = re.compile(r"^Checking '(?P<file>.+?)'\s+(?P<status>SUCCESS|FAILED)(?::\s*(?P<msg>.*))?$")
_LINE = re.compile(r"^(?:yaml: )?line (?P<line>\d+): (?P<msg>.*)$")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    message: str


def check_config(amtool: str, files: list[str], cwd: Path | None = None, timings=None) -> list[Finding]:
    res = run([amtool, "check-config", *files], cwd, timings=timings)
    found = parse_check(res.output)
    if res.returncode not in (0, 1) or (res.returncode == 1 and not found):
        raise ToolError(f"`amtool check-config` exited {res.returncode}: {res.output.strip()[-800:]}")
    return found


def parse_check(output: str) -> list[Finding]:
    """Findings from `amtool check-config` output: `Checking 'F'  FAILED: msg` and its `line N:` details."""
    found: list[Finding] = []
    current, header = "", ""
    for raw in output.splitlines():
        m = _CHECKING.match(raw.strip())
        if m:
            current, header = m.group("file"), ""
            if m.group("status") == "FAILED":
                msg = (m.group("msg") or "").strip()
                if msg.endswith(":"):
                    header = msg  # "yaml: unmarshal errors:" — the details follow
                else:
                    lm = _LINE.match(msg)
                    found.append(Finding(current, int(lm.group("line")), lm.group("msg")) if lm else
                                 Finding(current, 0, msg))
            continue
        text = raw.strip()
        if header and text:
            lm = _LINE.match(text)
            found.append(Finding(current, int(lm.group("line")), lm.group("msg")) if lm else Finding(current, 0, text))
        elif not text:
            header = ""
        elif text.startswith("amtool: error:") and "failed to validate" not in text:
            found.append(Finding(current, 0, text.removeprefix("amtool: error:").strip()))
    return found


def routes_test(amtool: str, config: str, labels: dict[str, str], cwd: Path | None = None, timings=None) -> list[str]:
    """The receivers an alert with `labels` reaches, in routing-tree order."""
    argv = [amtool, "config", "routes", "test", f"--config.file={config}",
            *[f"{k}={v}" for k, v in sorted(labels.items())]]
    res = run(argv, cwd, timings=timings)
    if res.returncode != 0:
        raise ToolError(f"`amtool config routes test` exited {res.returncode}: {res.output.strip()[-800:]}")
    last = [line.strip() for line in res.output.splitlines() if line.strip()]
    return [r for r in last[-1].split(",") if r] if last else []
