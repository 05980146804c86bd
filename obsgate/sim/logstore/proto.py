"""Loki's protobuf push body (what Promtail, Alloy and most shippers send): snappy-compressed `PushRequest`.

The message types are those of Loki's documented `logproto` push API (PushRequest, StreamAdapter,
EntryAdapter, LabelPairAdapter), declared here with the protobuf runtime (BSD-3-Clause); snappy is
cramjam's (MIT). Stream labels come as a selector string, `{service="api"}`, read by obsgate's LogQL parser.
"""
from __future__ import annotations

import functools
import json

import cramjam
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2
from google.protobuf.message import DecodeError

from ...logql import Entry, LogQLSyntaxError, parse
from ..httpd import MAX_BODY, BadRequest
from .push import CREATION_GRACE_NS, LABEL_NAME_RE, Batch

_F = descriptor_pb2.FieldDescriptorProto


def _message(file: descriptor_pb2.FileDescriptorProto, name: str, *fields) -> None:
    msg = file.message_type.add(name=name)
    for number, (fname, ftype, label, type_name) in enumerate(fields, start=1):
        f = msg.field.add(name=fname, number=number, type=ftype, label=label)
        if type_name:
            f.type_name = type_name


@functools.lru_cache(maxsize=1)
def push_request_class():
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(timestamp_pb2.DESCRIPTOR.serialized_pb)
    file = descriptor_pb2.FileDescriptorProto(name="obsgate_logproto_push.proto", package="logproto",
                                              syntax="proto3", dependency=["google/protobuf/timestamp.proto"])
    opt, rep = _F.LABEL_OPTIONAL, _F.LABEL_REPEATED
    _message(file, "LabelPairAdapter", ("name", _F.TYPE_STRING, opt, ""), ("value", _F.TYPE_STRING, opt, ""))
    _message(file, "EntryAdapter", ("timestamp", _F.TYPE_MESSAGE, opt, ".google.protobuf.Timestamp"),
             ("line", _F.TYPE_STRING, opt, ""), ("structuredMetadata", _F.TYPE_MESSAGE, rep, ".logproto.LabelPairAdapter"))
    _message(file, "StreamAdapter", ("labels", _F.TYPE_STRING, opt, ""),
             ("entries", _F.TYPE_MESSAGE, rep, ".logproto.EntryAdapter"), ("hash", _F.TYPE_UINT64, opt, ""))
    _message(file, "PushRequest", ("streams", _F.TYPE_MESSAGE, rep, ".logproto.StreamAdapter"))
    pool.Add(file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("logproto.PushRequest"))


def _snappy_length(body: bytes) -> int:
    """The uncompressed length a snappy block declares (a uvarint up front), to refuse a bomb before inflating."""
    value = shift = 0
    for i, byte in enumerate(body[:10]):
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value
        shift += 7
    raise BadRequest("body is not snappy-compressed (no length header)")


def labels_from_selector(text: str, where: str) -> tuple[tuple[str, str], ...]:
    try:
        selectors = parse(text).selectors()
    except LogQLSyntaxError as exc:
        raise BadRequest(f"{where}: labels `{text}` are not a stream selector: {exc}") from None
    matchers = selectors[0] if len(selectors) == 1 else []
    if not matchers or any(m.op != "=" for m in matchers):
        raise BadRequest(f"{where}: labels must be `{{name=\"value\", ...}}`, not `{text}`")
    for m in matchers:
        if not LABEL_NAME_RE.match(m.name):
            raise BadRequest(f"{where}: invalid label name `{m.name}`")
    return tuple(sorted((m.name, m.value) for m in matchers))


def decode_protobuf(body: bytes, now_ns: int) -> list[Batch]:
    if _snappy_length(body) > MAX_BODY:
        raise BadRequest(f"decompressed body would exceed {MAX_BODY} bytes", 413)
    try:
        raw = bytes(cramjam.snappy.decompress_raw(body))
    except Exception as exc:  # cramjam raises its own DecompressionError; any failure is the client's body
        raise BadRequest(f"cannot snappy-decompress the body: {exc}") from None
    req = push_request_class()()
    try:
        req.ParseFromString(raw)
    except DecodeError as exc:
        raise BadRequest(f"body is not a Loki PushRequest: {exc}") from None
    batches = []
    for i, stream in enumerate(req.streams):
        where = f"streams[{i}]"
        labels = labels_from_selector(stream.labels, where)
        entries = []
        for j, e in enumerate(stream.entries):
            ts_ns = e.timestamp.seconds * 10**9 + e.timestamp.nanos
            if ts_ns > now_ns + CREATION_GRACE_NS:
                raise BadRequest(f"{where}.entries[{j}]: timestamp is more than 10m in the future "
                                 "(Loki's creation grace period)")
            entries.append(Entry(ts_ns, e.line, tuple(sorted((p.name, p.value) for p in e.structuredMetadata))))
        batches.append((labels, entries))
    return batches


def encode_protobuf(batches: list[Batch]) -> bytes:
    """The snappy-compressed PushRequest for `batches` (what a shipper sends; used by the tests)."""
    req = push_request_class()()
    for labels, entries in batches:
        s = req.streams.add(labels="{" + ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in labels) + "}")
        for e in entries:
            pe = s.entries.add(line=e.line)
            pe.timestamp.seconds, pe.timestamp.nanos = divmod(e.ts_ns, 10**9)
            for k, v in e.meta:
                pe.structuredMetadata.add(name=k, value=v)
    return bytes(cramjam.snappy.compress_raw(req.SerializeToString()))
