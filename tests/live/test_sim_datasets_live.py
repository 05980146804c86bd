"""Benchmark datasets seeded into a real FerretDB (the native stand-in for MongoDB)."""
from __future__ import annotations

import json
import subprocess
from datetime import timedelta

import pymongo
import pytest

from obsgate.sim.datasets import latest_day
from sim_procs import PY, ROOT, ferretdb, free_port

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def mongo_uri(tmp_path_factory):
    with ferretdb(tmp_path_factory.mktemp("ferretdb")) as uri:
        yield uri


def test_seeding_twice_leaves_the_same_counts_and_meets_the_requirement(mongo_uri):
    from obsgate.sim.datasets import counts, seed, shortfalls

    client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
    db = client.get_default_database()
    first = seed(db)
    second = seed(db)
    assert first == second == counts(db)
    assert first["digests"] == first["review_reports"] == 90
    assert set(first["channels"]) == {"ai-research", "llm-security", "platform-ops"}
    assert all(c == {"digests": 30, "days": 30, "review_reports": 30} for c in first["channels"].values())
    assert shortfalls(first) == []
    doc = db.digests.find_one({"_id": f"llm-security:{latest_day() - timedelta(days=15)}"})  # the latest 30 days
    assert doc["channel"] == "llm-security" and doc["items"] and doc["tokens"]["completion"] > 0
    client.close()


def test_counts_reveal_a_missing_day(mongo_uri):
    from obsgate.sim.datasets import counts, seed, shortfalls

    client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
    db = client.get_default_database()
    seed(db)
    db.digests.delete_one({"_id": f"ai-research:{latest_day() - timedelta(days=20)}"})
    found = counts(db)
    assert found["channels"]["ai-research"]["days"] == 29
    assert shortfalls(found) and "ai-research: 29 digests over 29 days" in shortfalls(found)[0]
    seed(db)  # idempotent seeding repairs it
    assert shortfalls(counts(db)) == []
    client.close()


def test_counts_are_over_the_latest_30_days_as_the_coverage_exporter_measures(mongo_uri):
    from obsgate.sim.coverage import coverage
    from obsgate.sim.datasets import counts, seed, shortfalls

    client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
    db = client.get_default_database()
    seed(db)
    seed(db, end=latest_day() - timedelta(days=60))  # an old seed: outside the window, it covers nothing
    assert db.digests.count_documents({"channel": "platform-ops"}) == 60
    found = counts(db)
    assert found["channels"]["platform-ops"] == {"digests": 30, "days": 30, "review_reports": 30}
    newest = [f"platform-ops:{latest_day() - timedelta(days=i)}" for i in range(3)]
    db.digests.delete_many({"_id": {"$in": newest}})  # what the coverage exporter's fault takes out
    found = counts(db)
    assert found["channels"]["platform-ops"]["days"] == 27 == coverage(db, ["platform-ops"])["platform-ops"]
    assert shortfalls(found) and "platform-ops: 27 digests over 27 days" in shortfalls(found)[0]
    db.digests.delete_many({"date": {"$lt": (latest_day() - timedelta(days=45)).isoformat()}})
    db.review_reports.delete_many({"date": {"$lt": (latest_day() - timedelta(days=45)).isoformat()}})
    seed(db)
    client.close()


def test_the_command_seeds_and_prints_counts_or_fails_clearly(mongo_uri):
    done = subprocess.run([PY, "-m", "obsgate.sim.datasets", "--uri", mongo_uri], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["digests"] == 90
    down = subprocess.run([PY, "-m", "obsgate.sim.datasets", "--uri", f"mongodb://127.0.0.1:{free_port()}/x",
                           "--timeout", "0.5"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert down.returncode == 1 and "datasets: error: cannot use" in down.stderr and "Traceback" not in down.stderr
