"""A generate call through the LLM gateway shows up in Prometheus as more prompt and completion tokens."""
from __future__ import annotations

import time

from .base import Case, Context, poll
from . import http

FAMILY = "llm"
GATEWAY = "llm-gateway"
TOKENS = "sum(llm_gateway_prompt_tokens_total) + sum(llm_gateway_completion_tokens_total)"


def _tokens(ctx: Context) -> float:
    result = ctx.promql(TOKENS)
    return float(result[0]["value"][1]) if result else 0.0


def check(ctx: Context) -> list[Case]:
    if not ctx.has(GATEWAY):
        return []
    base = ctx.url(GATEWAY)
    case = Case(FAMILY, "generate through the gateway raises the token counters", query=TOKENS)
    t0 = time.monotonic()
    try:
        models = [m["name"] for m in http.get(base + "/api/tags")["models"]]
        if not models:
            return [case.fail("the gateway lists no model (GET /api/tags)")]
        before = _tokens(ctx)
        answer = http.post(base + "/api/generate", {"model": models[0], "prompt": "Say hello to the smoke test.",
                                                    "stream": False}, timeout=120)
        used = int(answer.get("prompt_eval_count", 0)) + int(answer.get("eval_count", 0))
        if used <= 0:
            return [case.fail(f"the answer reports no tokens: {str(answer)[:200]}")]
        after = poll(lambda: (lambda v: v if v >= before + used else None)(_tokens(ctx)), 15.0, 0.5) or _tokens(ctx)
    except http.HTTPError as exc:
        return [case.fail(str(exc))]
    case.seconds = time.monotonic() - t0
    case.value = f"{before:g} -> {after:g} (the call used {used} tokens, model {models[0]})"
    if after < before + used:
        case.fail("Prometheus did not see the call's tokens within 15s",
                  hint="check that the gateway is scraped (targets) and exports llm_gateway_*_tokens_total")
    return [case]
