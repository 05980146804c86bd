"""Decoding Loki's JSON push bodies (POST /loki/api/v1/push) into the store's batches, with Loki's checks
(protobuf bodies: proto.py).

JSON, optionally gzip-compressed (Content-Encoding: gzip): {"streams": [{"stream": {labels},
"values": [["<ns>", "<line>"], ["<ns>", "<line>", {structured metadata}]]}]}. A body with any invalid
stream is rejected whole, naming the stream and field.
"""
from __future__ import annotations

import gzip
import io
import json
import re
import zlib

from ...logql import Entry
from ..httpd import MAX_BODY, BadRequest

LABEL_NAME_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
CREATION_GRACE_NS = 10 * 60 * 10**9  # Loki's creation_grace_period: entries this far in the future are refused

Batch = tuple[tuple[tuple[str, str], ...], list[Entry]]


def inflate(body: bytes, encoding: str) -> bytes:
    encoding = (encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "deflate"):
        raise BadRequest(f"unsupported Content-Encoding `{encoding}` (use gzip, deflate or none)", 415)
    try:
        if encoding == "gzip":
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as fh:
                data = fh.read(MAX_BODY + 1)
        else:
            data = zlib.decompressobj().decompress(body, MAX_BODY + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise BadRequest(f"cannot decompress the {encoding} body: {exc}") from None
    if len(data) > MAX_BODY:
        raise BadRequest(f"decompressed body exceeds {MAX_BODY} bytes", 413)
    return data


def labels_of(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    if not isinstance(raw, dict) or not raw:
        raise BadRequest(f"{where}: stream labels must be a non-empty JSON object, e.g. {{\"service\": \"api\"}}")
    out = []
    for name, value in raw.items():
        if not LABEL_NAME_RE.match(name):
            raise BadRequest(f"{where}: invalid label name `{name}` (use [a-zA-Z_][a-zA-Z0-9_]*)")
        if not isinstance(value, str):
            raise BadRequest(f"{where}: label `{name}` must be a string, not {type(value).__name__}")
        out.append((name, value))
    return tuple(sorted(out))


def entry_of(raw: object, where: str, now_ns: int) -> Entry:
    if not isinstance(raw, list) or len(raw) not in (2, 3):
        raise BadRequest(f"{where}: a value is [\"<unix ns as a string>\", \"<line>\"] or with a third "
                         "element of structured metadata")
    ts, line = raw[0], raw[1]
    if not isinstance(ts, str) or not ts.isdigit():
        raise BadRequest(f"{where}: timestamp must be unix nanoseconds as a string of digits, not {ts!r}")
    if not isinstance(line, str):
        raise BadRequest(f"{where}: line must be a string, not {type(line).__name__}")
    ts_ns = int(ts)
    if ts_ns > now_ns + CREATION_GRACE_NS:
        raise BadRequest(f"{where}: timestamp {ts} is more than 10m in the future (Loki's creation grace period)")
    meta: tuple = ()
    if len(raw) == 3:
        if not isinstance(raw[2], dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in raw[2].items()):
            raise BadRequest(f"{where}: structured metadata must be an object of strings")
        meta = tuple(sorted(raw[2].items()))
    return Entry(ts_ns, line, meta)


def decode_json(body: bytes, now_ns: int) -> list[Batch]:
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"push body is not JSON: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("streams"), list):
        raise BadRequest("push body must be {\"streams\": [{\"stream\": {labels}, \"values\": [[ts, line], ...]}]}")
    batches = []
    for i, raw in enumerate(doc["streams"]):
        where = f"streams[{i}]"
        if not isinstance(raw, dict):
            raise BadRequest(f"{where}: must be an object with `stream` and `values`")
        labels = labels_of(raw.get("stream"), where + ".stream")
        values = raw.get("values")
        if not isinstance(values, list):
            raise BadRequest(f"{where}.values: must be a list of [ts, line]")
        batches.append((labels, [entry_of(v, f"{where}.values[{j}]", now_ns) for j, v in enumerate(values)]))
    return batches
