"""Benchmark datasets for Mongo (FerretDB natively): daily channel digests and their review reports.

    python -m obsgate.sim.datasets [--uri mongodb://127.0.0.1:27017/obsgate] [--channels 3] [--days 30]

Seeding is idempotent (documents are upserted by a deterministic `_id`) and deterministic per day
(content comes from a seed per channel and date), so two runs on one day, or on two machines, leave the
same collections. The days are the latest 30 ending today (UTC). `window()` is the one definition of
"the latest 30 days" that `counts(db)` (the live gate's mongo check, with `shortfalls(...)`) and the
digest-coverage exporter (obsgate.sim.coverage) both count in, so the check fails exactly where the
coverage alert would fire.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from datetime import date, datetime, timedelta, timezone

from .textgen import complete

CHANNELS = ("ai-research", "llm-security", "platform-ops", "agents-rag", "release-notes")
MIN_CHANNELS, MIN_DAYS, MIN_DIGESTS_PER_CHANNEL = 3, 30, 30
END = date(2025, 6, 30)  # a fixed day for tests that need stable dates; seeding uses latest_day()


def latest_day() -> date:
    return datetime.now(timezone.utc).date()


def window(now: datetime | None = None) -> tuple[str, str]:
    """The ISO dates bounding the latest 30 days, both included: 31 calendar dates, so that a seed of the
    30 days ending yesterday still counts 30 after midnight (UTC)."""
    today = (now or datetime.now(timezone.utc)).date()
    return (today - timedelta(days=MIN_DAYS)).isoformat(), today.isoformat()

MODELS = ("llama3.1-8b", "qwen2.5-coder-7b")
DEFAULT_URI = "mongodb://127.0.0.1:27017/obsgate"
COLLECTIONS = ("digests", "review_reports")


def _rng(*parts: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:8], "big"))


def days(count: int, end: date = END) -> list[date]:
    return [end - timedelta(days=count - 1 - i) for i in range(count)]


def digest(channel: str, day: date) -> dict:
    rng = _rng("digest", channel, day.isoformat())
    model = rng.choice(MODELS)
    prompt = f"Summarise the {channel} channel for {day.isoformat()}."
    text = complete(model, prompt)
    items = [{"rank": i + 1, "title": complete(model, f"{prompt} item {i}", 8).text,
              "url": f"https://example.org/{channel}/{day.isoformat()}/{i + 1}", "score": round(rng.uniform(0.4, 1.0), 3)}
             for i in range(rng.randint(3, 8))]
    return {
        "_id": f"{channel}:{day.isoformat()}",
        "channel": channel,
        "date": day.isoformat(),
        "day": datetime(day.year, day.month, day.day, tzinfo=timezone.utc),
        "title": f"{channel} digest for {day.isoformat()}",
        "summary": text.text,
        "items": items,
        "message_count": rng.randint(40, 400),
        "model": model,
        "tokens": {"prompt": text.prompt_tokens, "completion": text.completion_tokens},
        "generated_at": datetime(day.year, day.month, day.day, 7, rng.randint(0, 59), tzinfo=timezone.utc),
    }


def review_report(doc: dict) -> dict:
    rng = _rng("review", doc["_id"])
    scores = {k: round(rng.uniform(0.55, 1.0), 3) for k in ("accuracy", "coverage", "style")}
    verdict = "pass" if min(scores.values()) >= 0.65 else "revise"
    issues = [] if verdict == "pass" else [f"{k} below 0.65" for k, v in sorted(scores.items()) if v < 0.65]
    generated = doc["generated_at"]
    return {
        "_id": f"{doc['_id']}:review",
        "channel": doc["channel"],
        "date": doc["date"],
        "digest_id": doc["_id"],
        "reviewer": "reviewer",
        "model": doc["model"],
        "scores": scores,
        "verdict": verdict,
        "issues": issues,
        "reviewed_at": generated + timedelta(minutes=rng.randint(5, 90)),
    }


def documents(channels: int = MIN_CHANNELS, day_count: int = MIN_DAYS, end: date = END) -> dict[str, list[dict]]:
    """Every document of both collections (pure): one digest and one review per channel and day."""
    if not 1 <= channels <= len(CHANNELS):
        raise ValueError(f"channels must be 1..{len(CHANNELS)}, got {channels}")
    if day_count < 1:
        raise ValueError(f"days must be >= 1, got {day_count}")
    digests = [digest(ch, d) for ch in CHANNELS[:channels] for d in days(day_count, end)]
    return {"digests": digests, "review_reports": [review_report(d) for d in digests]}


def seed(db, channels: int = MIN_CHANNELS, day_count: int = MIN_DAYS, end: date | None = None) -> dict:
    """Upsert the datasets into `db` (a pymongo Database) for the days ending at `end` (default: today, UTC)
    and return `counts(db)`."""
    from pymongo import ASCENDING, ReplaceOne

    for name, docs in documents(channels, day_count, end or latest_day()).items():
        coll = db[name]
        coll.create_index([("channel", ASCENDING), ("date", ASCENDING)], unique=True, name="channel_date")
        coll.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in docs], ordered=False)
    return counts(db)


def counts(db, now: datetime | None = None) -> dict:
    """Documents per collection, and per channel within `window(now)`: digests, distinct days, review reports."""
    first, last = window(now)
    per: dict[str, dict] = {}
    for ch in sorted(db.digests.distinct("channel")):
        within = {"channel": ch, "date": {"$gte": first, "$lte": last}}
        per[ch] = {"digests": db.digests.count_documents(within),
                   "days": len(db.digests.distinct("date", within)),
                   "review_reports": db.review_reports.count_documents(within)}
    return {"digests": db.digests.count_documents({}), "review_reports": db.review_reports.count_documents({}),
            "channels": per}


def shortfalls(found: dict, channels: int = MIN_CHANNELS, day_count: int = MIN_DAYS,
               per_channel: int = MIN_DIGESTS_PER_CHANNEL) -> list[str]:
    """What the seeded data lacks against the benchmark requirement over the latest 30 days (empty when complete)."""
    out = []
    full = {ch: c for ch, c in found.get("channels", {}).items()
            if c["digests"] >= per_channel and c["days"] >= day_count and c["review_reports"] >= per_channel}
    if len(full) < channels:
        have = ", ".join(f"{ch}: {c['digests']} digests over {c['days']} days, {c['review_reports']} reviews"
                         for ch, c in sorted(found.get("channels", {}).items())) or "no channels"
        out.append(f"need {channels} channels with >= {per_channel} daily digests over {day_count} days and as many "
                   f"review reports in the latest {MIN_DAYS} days; found {len(full)} ({have})")
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m obsgate.sim.datasets", description=__doc__.split("\n")[0])
    p.add_argument("--uri", default=os.environ.get("OBSGATE_MONGO_URI", DEFAULT_URI),
                   help=f"MongoDB URI with the database name (default: env OBSGATE_MONGO_URI, else {DEFAULT_URI})")
    p.add_argument("--channels", type=int, default=MIN_CHANNELS)
    p.add_argument("--days", type=int, default=MIN_DAYS)
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the server")
    p.add_argument("--counts-only", action="store_true", help="print the counts without seeding")
    args = p.parse_args(argv)
    import pymongo
    from pymongo.errors import ConfigurationError, PyMongoError

    try:
        client = pymongo.MongoClient(args.uri, serverSelectionTimeoutMS=int(args.timeout * 1000))
        db = client.get_default_database(default="obsgate")
        found = counts(db) if args.counts_only else seed(db, args.channels, args.days)
    except (ValueError, ConfigurationError) as exc:
        print(f"datasets: error: {exc}", file=sys.stderr)
        return 2
    except PyMongoError as exc:
        print(f"datasets: error: cannot use {args.uri}: {str(exc).splitlines()[0][:300]}", file=sys.stderr)
        return 1
    print(json.dumps(found, indent=2, sort_keys=True))
    problems = shortfalls(found, args.channels, args.days, args.days)
    for problem in problems:
        print(f"datasets: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
