"""SeriesIndex.labels: which labels an expression's result carries (drives xref/label-exists)."""
from __future__ import annotations

import pytest

from obsgate.promql import parse
from obsgate.validate.series import SeriesIndex

TARGET = {"job", "instance", "service"}


@pytest.fixture(scope="module")
def index(shop):
    return SeriesIndex(shop, records=[("job:shop_queue:max", "max by (job) (shop_queue_depth)", {"team": "x"})],
                       prom_configs=[{"scrape_configs": [{"job_name": "shop", "static_configs": [
                           {"targets": ["a:1"], "labels": {"service": "shop"}}]}]}])


@pytest.mark.parametrize("expr, labels", [
    ("shop_requests_total", {"status"} | TARGET),
    ("shop_request_duration_seconds_bucket", {"le"} | TARGET),
    ("shop_request_duration_seconds_sum", TARGET),
    ("sum by (status) (rate(shop_requests_total[5m]))", {"status"}),
    ("sum without (instance) (rate(shop_requests_total[5m]))", {"status", "job", "service"}),
    ("sum(rate(shop_requests_total[5m]))", set()),
    ("topk(3, shop_queue_depth)", TARGET),
    ("histogram_quantile(0.9, sum by (le, job) (rate(shop_request_duration_seconds_bucket[5m])))", {"job"}),
    ('label_replace(shop_queue_depth, "code", "$1", "job", "(.*)")', TARGET | {"code"}),
    ("status:shop_requests:rate5m", {"status"}),
    ("job:shop_queue:max", {"job", "team"}),
    ("shop_queue_depth > 3", TARGET),
    ("shop_queue_depth and on (job) up", TARGET),
    ('absent(up{job="shop"})', set()),
    ("unknown_metric", None),
    ("sum by (job) (unknown_metric)", {"job"}),
    ("sum without (job) (unknown_metric)", None),
], ids=lambda v: v if isinstance(v, str) else "")
def test_labels(index, expr, labels):
    assert index.labels(parse(expr)) == labels


def test_job_values_come_from_the_scrape_configs(index):
    assert index.label_values("up", "job") == ("prometheus", "shop")
    assert index.label_values("shop_requests_total", "status") == ("ok", "error")
    assert index.label_values("shop_queue_depth", "instance") is None


def test_online_metadata_gives_kinds_as_the_catalog_would():
    from obsgate.validate.series import Online, SeriesIndex

    live = Online("http://127.0.0.1:9090", {"http_requests_total": "counter", "queue_length": "gauge",
                                            "request_seconds": "histogram", "rpc": "summary", "jobs": "counter"},
                  {})
    index = SeriesIndex()
    index.online = live
    assert [index.metric_kind(n) for n in ("http_requests_total", "queue_length", "request_seconds_bucket",
                                           "rpc_count", "jobs_total", "nothing")] == [
        "counter", "gauge", "histogram-bucket", "summary-count", "counter", ""]
    assert [index.is_counter(n) for n in ("http_requests_total", "queue_length", "request_seconds_sum", "nothing")] \
        == [True, False, True, None]
