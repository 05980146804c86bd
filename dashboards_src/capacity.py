"""Capacity planning: disk, memory and request rate with 30/60/90-day linear forecasts and the 80% line."""
from obsgate.dashboards import Series, dashboard, recorded, stat, thresholds, timeseries, variable

from catalog.host import FS_AVAIL
from rules_src import capacity

LINE = thresholds((capacity.CAPACITY_LINE, "red"))
HISTORY = "7d"  # the trend each forecast extrapolates


def _forecasts(rule, match: str, unit: str) -> list[Series]:
    """The recorded series now and its linear forecast `days` ahead, fitted over the last week.

    `match` names the label filtered by the dashboard variable of the same name (and shown in legends).
    """
    pick = {match: "$" + match} if match else None
    selector = rule.record + (f'{{{match}=~"${match}"}}' if match else "")
    return [recorded(rule, unit=unit, legend="now {{%s}}" % match if match else "now", match=pick)] + [
        Series(f"predict_linear({selector}[{HISTORY}], {days} * 86400)", unit=unit,
               legend=(f"in {days} d {{{{{match}}}}}" if match else f"in {days} d"),
               help=f"Linear forecast {days} days ahead from the last {HISTORY}.")
        for days in capacity.FORECAST_DAYS]


DISK = timeseries(
    "Disk used, with 30/60/90-day forecasts", *_forecasts(capacity.DISK_USED, "mountpoint", "percentunit"),
    description="Share of each filesystem in use now and projected 30, 60 and 90 days ahead (predict_linear over "
                "the last 7 days). Plan expansion before a forecast crosses the 80% line.",
    steps=LINE, min=0, max=1.2, w=24,
)
MEMORY = timeseries(
    "Memory used, with 30/60/90-day forecasts", *_forecasts(capacity.MEMORY_USED, "", "percentunit"),
    description="Share of host memory in use now and projected 30, 60 and 90 days ahead. Sustained use above the "
                "80% line for 10 minutes is HostMemoryHigh.",
    steps=LINE, min=0, max=1.2, w=12,
)
REQUESTS = timeseries(
    "Request rate, with 30/60/90-day forecasts", *_forecasts(capacity.REQUEST_RATE, "", "reqps"),
    description=f"Agent requests per second now and projected 30, 60 and 90 days ahead. The line is 80% of the "
                f"{capacity.REQUEST_CAPACITY:g} req/s the agent sustained in its last load test.",
    steps=thresholds((capacity.CAPACITY_LINE * capacity.REQUEST_CAPACITY, "red")), min=0, w=12,
)
DAYS_LEFT = stat(
    "Time until full at the 6 h trend",
    Series("clamp_max(min by (mountpoint) (host_filesystem_avail_bytes / "
           "clamp_min(-deriv(host_filesystem_avail_bytes[6h]), 1)), 365 * 86400)",
           legend="{{mountpoint}}", unit="s",
           help="Free space divided by the rate it shrank over the last 6 hours; capped at a year when stable or "
                "growing. Under a day with the disk over 60% used is HostDiskFullForecast."),
    steps=thresholds((86400, "orange"), (7 * 86400, "green"), base="red"), w=24, h=5,
)

BOARD = dashboard(
    "capacity-planning", "Capacity Planning",
    [DISK, MEMORY, REQUESTS, DAYS_LEFT],
    description="Disk, memory and request-rate trends with 30/60/90-day linear forecasts against the 80% capacity "
                "line.",
    tags=("capacity", "obsgate"),
    variables=(variable(FS_AVAIL, "mountpoint"),),
    time_from="now-30d",
)
