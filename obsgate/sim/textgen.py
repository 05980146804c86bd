"""The gateway's simulator backend: a deterministic text generator (pure).

Same model and prompt, same completion and token counts, on every machine: the text is drawn
from a fixed vocabulary with a generator seeded by a SHA-256 of the input, never by time or hash().
"""
from __future__ import annotations

import hashlib
import random
import re
from typing import Iterable, Mapping, NamedTuple

TOKEN = re.compile(r"\w+|[^\w\s]")
MIN_TOKENS, MAX_TOKENS = 12, 64

VOCABULARY = (
    "the", "model", "prompt", "answer", "context", "token", "budget", "scanner", "request", "latency",
    "agent", "persona", "review", "stage", "result", "signal", "metric", "alert", "trace", "digest",
    "channel", "summary", "quality", "gate", "retrieval", "document", "cache", "upstream", "service",
    "is", "was", "will", "should", "can", "remains", "looks", "stays", "returns", "shows", "needs",
    "stable", "healthy", "slow", "fast", "clear", "valid", "complete", "partial", "ready", "likely",
    "and", "but", "with", "for", "from", "within", "after", "before", "under", "because",
)


class Completion(NamedTuple):
    text: str
    prompt_tokens: int
    completion_tokens: int
    done_reason: str  # "stop", or "length" when the token limit cut it short


def count_tokens(text: str) -> int:
    """Words and punctuation marks; a rough but stable stand-in for a tokenizer (at least 1)."""
    return max(1, len(TOKEN.findall(text)))


def chat_prompt(messages: Iterable[Mapping]) -> str:
    """A conversation flattened the way the generator and the token count see it."""
    return "\n".join(f"{m.get('role', 'user')}: {m.get('content', '')}" for m in messages)


def complete(model: str, prompt: str, max_tokens: int | None = None) -> Completion:
    seed = int.from_bytes(hashlib.sha256(f"{model}\0{prompt}".encode()).digest()[:8], "big")
    rng = random.Random(seed)
    natural = rng.randint(MIN_TOKENS, MAX_TOKENS)
    n = natural if not max_tokens or max_tokens <= 0 else min(natural, max_tokens)
    words: list[str] = []
    sentence = 0
    for i in range(n):
        word = rng.choice(VOCABULARY)
        if sentence == 0:
            word = word.capitalize()
        sentence += 1
        end = sentence >= 6 and rng.random() < 0.3
        words.append(word + ("." if end or i == n - 1 else ""))
        if end:
            sentence = 0
    return Completion(" ".join(words), count_tokens(prompt), n, "length" if n < natural else "stop")


def chunks(text: str) -> list[str]:
    """The pieces a streaming response sends: one word (with its following space) per chunk."""
    words = text.split(" ")
    return [w + (" " if i < len(words) - 1 else "") for i, w in enumerate(words)]
