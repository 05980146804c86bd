"""Host capacity: disk and memory of the machine running the agent and its vector store.

node_exporter's memory metrics are CamelCase (`node_memory_MemAvailable_bytes`), which the catalog
refuses; the host exporter here uses snake_case names for the same quantities.
"""
from obsgate import Metric

MOUNTPOINTS = ["/", "/var/lib/lancedb", "/var/lib/mongodb"]

FS_SIZE = Metric(
    "host_filesystem_size_bytes", "gauge", unit="bytes",
    help="Size of the filesystem mounted at `mountpoint`.",
    job="host", labels={"mountpoint": MOUNTPOINTS}, baseline=200e9,
)
FS_AVAIL = Metric(
    "host_filesystem_avail_bytes", "gauge", unit="bytes",
    help="Bytes available to unprivileged users on the filesystem mounted at `mountpoint`.",
    job="host", labels={"mountpoint": MOUNTPOINTS}, baseline=120e9,
)
MEMORY_TOTAL = Metric(
    "host_memory_total_bytes", "gauge", unit="bytes",
    help="Physical memory of the host.",
    job="host", baseline=32e9,
)
MEMORY_AVAILABLE = Metric(
    "host_memory_available_bytes", "gauge", unit="bytes",
    help="Memory available for new allocations without swapping (MemAvailable).",
    job="host", baseline=18e9,
)
