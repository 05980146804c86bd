"""LLM gateway with a simulator backend: Ollama- and OpenAI-compatible, with its own RED metrics.

    python -m obsgate.sim.gateway --port 8089 [--upstream URL] [--root DIR] [--host 0.0.0.0]
        [--self-traffic RPS] [--service llm-gateway] [--loki URL]

Upstream: a real Ollama when `--upstream` or env OBSGATE_LLM_UPSTREAM is set (provider="ollama");
otherwise the built-in deterministic generator (provider="simulator"), whose latency and errors are
set over HTTP. Metrics are the catalog's `llm_gateway` job; the `model` label is the requested model
normalised to the catalog's spelling (`llama3.1:8b` -> `llama3.1-8b`, `tinyllama:latest` ->
`tinyllama`); a model the catalog does not declare is refused with 404 and not counted, so the
label's cardinality stays as declared.

With `--loki` (or env OBSGATE_LOKI_URL) every request becomes one line of the catalog's `llm_gateway`
log stream, and active faults push their log effects.

Endpoints: POST /api/generate, POST /api/chat, GET /api/tags, GET /api/version (Ollama; `stream`
defaults to true as in Ollama, NDJSON), POST /v1/chat/completions, GET /v1/models (OpenAI; SSE when
`stream` is true), GET /healthz, GET /metrics, GET|PUT|DELETE /control, and the simulator fault
endpoints GET /faults, PUT|DELETE /faults/<name>, DELETE /faults.

The package, one module per part: control (how it misbehaves on purpose), backends (simulator and
Ollama), metrics (the catalog's native RED metrics), overlay (scenario effects on them), protocols
(Ollama and OpenAI reply formats), app (routing and serving), traffic (self-traffic), cli.
"""

from .cli import main  # noqa: E402  the entry point of `python -m obsgate.sim.gateway` (and of the image)
