"""The smoke checks' JSON-over-HTTP client: runtime/httpjson.py, which the runtimes use too (one copy)."""
from ..runtime.httpjson import HTTPError, get, post, request

__all__ = ["HTTPError", "get", "post", "request"]
