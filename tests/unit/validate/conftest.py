"""The fixture project, loaded once for validate's table tests (helpers live in validate_builders.py)."""
from __future__ import annotations

import pytest

from obsgate.load import load
from validate_builders import FIXTURE


@pytest.fixture(scope="session")
def shop():
    """The fixture project: shop_requests_total{status: ok|error} (counter), shop_queue_depth (gauge),
    shop_request_duration_seconds (histogram), recorded status:shop_requests:rate5m, job `shop`, scrape 15s."""
    return load(FIXTURE)
