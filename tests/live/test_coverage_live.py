"""The digest-coverage exporter as a real process, measuring a real FerretDB seeded with the datasets."""
from __future__ import annotations

import pymongo
import pytest

from catalog.benchmarks import CHANNELS
from obsgate.sim.datasets import CHANNELS as SEEDED, MIN_CHANNELS, seed
from sim_procs import PY, ROOT, ferretdb, free_port, http, running, scrape

pytestmark = pytest.mark.live


@pytest.fixture(scope="module")
def mongo_uri(tmp_path_factory):
    with ferretdb(tmp_path_factory.mktemp("ferretdb")) as uri:
        client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=3000)
        seed(client.get_default_database())
        client.close()
        yield uri


def test_the_catalog_watches_the_channels_the_datasets_seed():
    assert CHANNELS == list(SEEDED[:MIN_CHANNELS])


def test_coverage_is_measured_in_mongo_and_drops_when_a_channels_days_are_removed(mongo_uri, tmp_path):
    port = free_port()
    cmd = [PY, "-m", "obsgate.sim.coverage", "--port", str(port), "--root", str(ROOT), "--mongo", mongo_uri]
    base = f"http://127.0.0.1:{port}"

    def digests() -> dict:
        return {dict(k[1])["channel"]: v for k, v in scrape(base + "/metrics").items()
                if k[0] == "benchmark_channel_daily_digests"}

    with running(cmd, base + "/healthz", tmp_path / "coverage.log", "coverage-exporter"):
        assert digests() == {ch: 30.0 for ch in CHANNELS}  # the latest 30 days, seeded today
        assert http("PUT", base + "/faults/channel_days_removed")[0] == 200
        assert digests() == {"ai-research": 30.0, "llm-security": 30.0, "platform-ops": 27.0}
        client = pymongo.MongoClient(mongo_uri, serverSelectionTimeoutMS=3000)
        assert client.get_default_database().digests.count_documents({"channel": "platform-ops"}) == 27
        assert http("DELETE", base + "/faults/channel_days_removed")[0] == 200
        assert digests() == {ch: 30.0 for ch in CHANNELS}
        assert client.get_default_database().digests.count_documents({"channel": "platform-ops"}) == 30
        assert http("PUT", base + "/faults/nope")[0] == 404
        assert http("PUT", base + "/faults/channel_days_removed")[0] == 200  # left on, as by a killed smoke
        assert http("DELETE", base + "/faults")[0] == 200  # what `up` sends a reused stack
        assert digests() == {ch: 30.0 for ch in CHANNELS}
        assert client.get_default_database().digests.count_documents({"channel": "platform-ops"}) == 30
