"""Where completions come from: the deterministic simulator, or a real Ollama upstream."""
from __future__ import annotations

import hashlib
import json
import socket
import time
import urllib.error
import urllib.request

from ..textgen import Completion, chat_prompt, complete
from .control import Control, GatewayError

CREATED = "2025-01-01T00:00:00Z"


class SimulatorBackend:
    provider = "simulator"

    def __init__(self, models: tuple[str, ...]) -> None:
        self.models = models

    def run(self, endpoint: str, model: str, body: dict, control: Control) -> tuple[Completion, dict | None]:
        options = body.get("options") or {}
        limit = body.get("max_tokens") if endpoint == "openai_chat" else options.get("num_predict")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
            raise GatewayError("bad_request", f"token limit must be an integer, got {limit!r}")
        if endpoint == "generate":
            prompt = body.get("prompt")
            if not isinstance(prompt, str):
                raise GatewayError("bad_request", "`prompt` must be a string")
            text = (str(body.get("system", "")) + "\n" + prompt) if body.get("system") else prompt
        else:
            messages = body.get("messages")
            if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
                raise GatewayError("bad_request", "`messages` must be a list of {role, content} objects")
            text = chat_prompt(messages)
        result = complete(model, text, limit)
        time.sleep(result.completion_tokens * control.per_token_seconds)
        return result, None

    def tags(self) -> dict:
        return {"models": [{
            "name": m, "model": m, "modified_at": CREATED, "size": 1000000 + len(m),
            "digest": hashlib.sha256(m.encode()).hexdigest(),
            "details": {"format": "gguf", "family": "simulator", "parameter_size": "0B", "quantization_level": "none"},
        } for m in self.models]}


class OllamaBackend:
    provider = "ollama"
    PATHS = {"generate": "/api/generate", "chat": "/api/chat", "openai_chat": "/v1/chat/completions"}

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, path: str, body: dict | None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            kind = "upstream_5xx" if exc.code >= 500 else "bad_request"
            raise GatewayError(kind, f"upstream {path} answered {exc.code}: {detail}",
                               502 if exc.code >= 500 else exc.code) from None
        except (TimeoutError, socket.timeout):
            raise GatewayError("timeout", f"upstream {path} did not answer within {self.timeout}s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise GatewayError("timeout", f"upstream {path} did not answer within {self.timeout}s") from None
            raise GatewayError("upstream_unreachable", f"upstream {self.url} unreachable: {exc.reason}") from None
        except (ConnectionError, OSError) as exc:
            raise GatewayError("upstream_unreachable", f"upstream {self.url} unreachable: {exc}") from None
        except ValueError as exc:
            raise GatewayError("upstream_5xx", f"upstream {path} answered non-JSON: {exc}") from None

    def run(self, endpoint: str, model: str, body: dict, control: Control) -> tuple[Completion, dict | None]:
        raw = self._call(self.PATHS[endpoint], {**body, "stream": False})
        if endpoint == "openai_chat":
            usage = raw.get("usage") or {}
            choices = raw.get("choices") or [{}]
            text = ((choices[0].get("message") or {}).get("content")) or ""
            return Completion(text, int(usage.get("prompt_tokens", 0)), int(usage.get("completion_tokens", 0)),
                              choices[0].get("finish_reason") or "stop"), raw
        text = raw.get("response", "") if endpoint == "generate" else (raw.get("message") or {}).get("content", "")
        return Completion(text, int(raw.get("prompt_eval_count", 0)), int(raw.get("eval_count", 0)),
                          raw.get("done_reason") or "stop"), raw

    def tags(self) -> dict:
        return self._call("/api/tags", None)
