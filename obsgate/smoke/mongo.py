"""Mongo (FerretDB natively) answers ping, and the benchmark datasets are seeded in full."""
from __future__ import annotations

import time

from ..runtime.hooks import MONGO_DB, mongo_uri
from .base import Case, Context

FAMILY = "mongo"


def check(ctx: Context) -> list[Case]:
    if not ctx.has("mongo"):
        return []
    import pymongo
    from pymongo.errors import PyMongoError

    ping = Case(FAMILY, "ping", query="db.command('ping')")
    t0 = time.monotonic()
    client = pymongo.MongoClient(mongo_uri(ctx.project))
    try:
        try:
            ping.value = str(client.admin.command("ping"))
        except PyMongoError as exc:
            return [ping.fail(str(exc).splitlines()[0][:300])]
        ping.seconds = time.monotonic() - t0
        data = Case(FAMILY, "benchmark datasets seeded (digests, review_reports)",
                    query=f"{MONGO_DB}.digests / {MONGO_DB}.review_reports counts per channel")
        from ..sim import datasets

        t0 = time.monotonic()
        try:
            found = datasets.counts(client[MONGO_DB])
        except PyMongoError as exc:
            return [ping, data.fail(str(exc).splitlines()[0][:300])]
        data.seconds = time.monotonic() - t0
        data.value = (f"digests {found['digests']}, review_reports {found['review_reports']}, channels "
                      + ", ".join(f"{ch}: {c['digests']}/{c['days']}d/{c['review_reports']}"
                                  for ch, c in sorted(found["channels"].items())))
        short = datasets.shortfalls(found)
        if short:
            data.fail("; ".join(short), hint="`obsgate up` seeds them; or run `python -m obsgate.sim.datasets`")
        return [ping, data]
    finally:
        client.close()
