"""obsgate's log store, a Loki-API-compatible stand-in for machines without Loki, not Loki.

The native runtime runs it where the docker runtime runs the official Loki image: it takes Loki's push
API, answers LogQL queries with obsgate's own engine (obsgate.logql), and runs a ruler that evaluates
the generated Loki rule files and notifies Alertmanager. Modules:
`storage` (per-tenant streams, retention, an append-only file per tenant), `push` and `proto` (JSON and
protobuf+snappy push bodies), `api` (the HTTP routes), `rules` (rule files, alert states), `ruler`
(scheduling, listings), `notifier` (Alertmanager v2), `metrics` (/metrics), `cli` (the entry point).

    python -m obsgate.sim.logstore --port 3100 --data DIR [--rules DIR] [--alertmanager URL]
"""

NAME = "obsgate's log store, a Loki-API-compatible stand-in for machines without Loki, not Loki"
DEFAULT_TENANT = "fake"  # what Loki uses when auth is off, and the tenant dir of generated/loki/rules/
