"""How the gateway misbehaves on purpose: the /control knobs, the built-in fault behaviours, its errors."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from ..httpd import BadRequest

ERROR_STATUS = {"timeout": 504, "upstream_5xx": 502, "upstream_unreachable": 502, "bad_request": 400,
                "injected": 500}
# Faults every gateway offers, beyond the scenarios that target it: they change how requests are served.
BEHAVIOURS = {
    "upstream_down": {"error_rate": 1.0, "error_type": "upstream_unreachable"},
    "upstream_errors": {"error_rate": 1.0, "error_type": "upstream_5xx"},
    "slow_upstream": {"latency_seconds": 2.0},
    "injected_errors": {"error_rate": 0.5, "error_type": "injected"},
}


class GatewayError(Exception):
    """A request that failed for a reason the errors counter names."""

    def __init__(self, error_type: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status or ERROR_STATUS.get(error_type, 500)


@dataclass(frozen=True)
class Control:
    """How the gateway misbehaves on purpose; applies to every backend, before the upstream call."""

    latency_seconds: float = 0.0
    per_token_seconds: float = 0.001  # simulator only: generation time per completion token
    error_rate: float = 0.0
    error_type: str = "injected"

    def updated(self, doc: object, error_types: tuple[str, ...]) -> "Control":
        if not isinstance(doc, dict):
            raise BadRequest("control must be a JSON object")
        unknown = set(doc) - set(asdict(self))
        if unknown:
            raise BadRequest(f"unknown control keys: {', '.join(sorted(unknown))} (known: {', '.join(asdict(self))})")
        out = self
        for key in ("latency_seconds", "per_token_seconds", "error_rate"):
            if key in doc:
                val = doc[key]
                if isinstance(val, bool) or not isinstance(val, (int, float)) or val < 0 or math.isnan(val):
                    raise BadRequest(f"`{key}` must be a number >= 0, got {val!r}")
                if key == "error_rate" and val > 1:
                    raise BadRequest(f"`error_rate` is a fraction of requests, 0..1, got {val!r}")
                out = replace(out, **{key: float(val)})
        if "error_type" in doc:
            if doc["error_type"] not in error_types:
                raise BadRequest(f"`error_type` {doc['error_type']!r} is not declared; use one of {', '.join(error_types)}")
            out = replace(out, error_type=doc["error_type"])
        return out


def should_fail(seq: int, rate: float) -> bool:
    """Exactly `rate` of requests fail, spread evenly and reproducibly (no randomness)."""
    return rate > 0 and math.floor(seq * rate) != math.floor((seq - 1) * rate)
