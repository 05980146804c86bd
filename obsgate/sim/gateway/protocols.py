"""The two wire protocols: Ollama (NDJSON streaming by default) and OpenAI chat completions (SSE)."""
from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone
from typing import Iterator

from ..httpd import Response, json_response
from ..textgen import Completion, chunks

ENDPOINTS = {"/api/generate": "generate", "/api/chat": "chat", "/v1/chat/completions": "openai_chat"}


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def error_body(endpoint: str, status: int, message: str, kind: str) -> Response:
    if endpoint == "openai_chat":
        return json_response({"error": {"message": message, "type": kind, "code": status}}, status)
    return json_response({"error": message}, status)

def reply(endpoint: str, model: str, result: Completion, raw: dict | None, seconds: float,
           stream: bool) -> Response:
    if raw is not None and not stream:
        return json_response(raw)
    if endpoint == "openai_chat":
        return openai(model, result, stream)
    ns = int(seconds * 1e9)
    final = {"model": model, "created_at": now_rfc3339(), "done": True, "done_reason": result.done_reason,
             "total_duration": ns, "load_duration": 0, "prompt_eval_count": result.prompt_tokens,
             "prompt_eval_duration": ns // 10, "eval_count": result.completion_tokens,
             "eval_duration": ns - ns // 10}
    if endpoint == "generate":
        piece = lambda text: {"response": text}  # noqa: E731
    else:
        piece = lambda text: {"message": {"role": "assistant", "content": text}}  # noqa: E731
    if not stream:
        return json_response({**final, **piece(result.text)})

    def lines() -> Iterator[bytes]:
        for part in chunks(result.text):
            yield (json.dumps({"model": model, "created_at": now_rfc3339(), **piece(part), "done": False})
                   + "\n").encode()
        yield (json.dumps({**final, **piece("")}) + "\n").encode()

    return Response(200, lines(), "application/x-ndjson")

def openai(model: str, result: Completion, stream: bool) -> Response:
    ident = "chatcmpl-" + uuid.uuid4().hex[:24]
    created = int(time.time())
    usage = {"prompt_tokens": result.prompt_tokens, "completion_tokens": result.completion_tokens,
             "total_tokens": result.prompt_tokens + result.completion_tokens}
    if not stream:
        return json_response({"id": ident, "object": "chat.completion", "created": created, "model": model,
                              "choices": [{"index": 0, "message": {"role": "assistant", "content": result.text},
                                           "finish_reason": result.done_reason}],
                              "usage": usage})

    def events() -> Iterator[bytes]:
        base = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model}
        for i, part in enumerate(chunks(result.text)):
            delta = {"role": "assistant", "content": part} if i == 0 else {"content": part}
            yield f"data: {json.dumps({**base, 'choices': [{'index': 0, 'delta': delta, 'finish_reason': None}]})}\n\n".encode()
        last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": result.done_reason}], "usage": usage}
        yield f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode()

    return Response(200, events(), "text/event-stream")
