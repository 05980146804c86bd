"""Series Prometheus itself writes, which no catalog declares: the one list every check reads."""
from __future__ import annotations

# Written for every scrape target.
TARGET_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped",
                           "scrape_samples_post_metric_relabeling", "scrape_series_added"})
# Written by the rule manager for every alerting rule.
RULE_SERIES = frozenset({"ALERTS", "ALERTS_FOR_STATE"})
BUILTIN_SERIES = TARGET_SERIES | RULE_SERIES
