"""Work after the stack is healthy and before smoke: seed the benchmark datasets into Mongo."""
from __future__ import annotations

MONGO_DB = "obsgate"


def mongo_uri(project) -> str:
    return f"mongodb://127.0.0.1:{project.stack.service('mongo').port}/?directConnection=true&serverSelectionTimeoutMS=5000"


def seed_datasets(project) -> dict:
    """Seed digests and review_reports (idempotent); {} when the stack has no mongo or no dataset module."""
    if not project.stack.has("mongo"):
        return {}
    import pymongo

    from ..sim import datasets

    client = pymongo.MongoClient(mongo_uri(project))
    try:
        db = client[MONGO_DB]
        datasets.seed(db)
        return {"counts": datasets.counts(db)}
    finally:
        client.close()
