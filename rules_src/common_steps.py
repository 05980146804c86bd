"""Investigation steps shared by several runbooks: written once here, quoted by each runbook."""
from obsgate import Step


def target_health(job: str) -> Step:
    return Step(f"Check that Prometheus scrapes `{job}`", f'up{{job="{job}"}}',
                note="0 means the target is down; no result means it is not in the scrape config.")


def scrape_errors(job: str) -> Step:
    return Step(f"Look at `{job}`'s scrape duration and sample count",
                f'scrape_duration_seconds{{job="{job}"}} or scrape_samples_scraped{{job="{job}"}}')


def service_errors(service: str) -> Step:
    return Step(f"Read `{service}`'s recent error logs", f'{{service="{service}"}} |= "error"', lang="logql")


FIRING_ALERTS = Step("See what else is firing right now", 'ALERTS{alertstate="firing"}',
                     note="Related alerts often share one root cause.")


def histogram_p95(metric: str, by: tuple[str, ...] = (), window: str = "10m") -> Step:
    """p95 of a catalog histogram, broken down by `by`: the usual first look at a latency alert."""
    keep = ", ".join(by + ("le",))
    return Step(f"p95 of `{metric}`" + (f" by {', '.join(by)}" if by else ""),
                f"histogram_quantile(0.95, sum by ({keep}) (rate({metric}_bucket[{window}])))")


def error_ratio(counter: str, errors: str, by: tuple[str, ...] = (), window: str = "5m") -> Step:
    """Share of `counter` whose labels match `errors` (e.g. `status=~"5.."`), broken down by `by`."""
    grp = f"sum by ({', '.join(by)}) " if by else "sum "
    return Step(f"Error ratio of `{counter}`" + (f" by {', '.join(by)}" if by else ""),
                f"{grp}(rate({counter}{{{errors}}}[{window}])) / {grp}(rate({counter}[{window}]))")


def recent_alert_history(pattern: str) -> Step:
    """How often alerts matching `pattern` fired over the last day: is this new or a repeat?"""
    return Step("How often these alerts fired in the last 24 h",
                f'sum by (alertname) (count_over_time(ALERTS{{alertname=~"{pattern}", alertstate="firing"}}[1d]))')


OLLAMA_MODELS = Step("Models Ollama holds in memory", "ollama_loaded_models",
                     note="Each loaded model holds its weights in host memory until Ollama unloads it.")
LANCEDB_DISK = Step("Disk usage of the LanceDB volume", "lancedb:storage_usage:ratio",
                    note="A nearly full volume slows compaction and search, and makes backups fail.")
BACKUP_AGE = Step("Hours since the last successful LanceDB backup",
                  "(time() - lancedb_last_backup_timestamp_seconds) / 3600")


# ---- shell and link steps ------------------------------------------------------------------------------------
PROMETHEUS_URL = "http://localhost:9090"
GRAFANA_URL = "http://localhost:3000"
LANGFUSE_URL = "https://cloud.langfuse.com"  # or the self-hosted Langfuse the service reports to
JAEGER_URL = "http://localhost:16686"


def grafana_panel(uid: str, title: str, note: str = "") -> Step:
    """A deep link to one panel; generate resolves `{panel:<title>}` to the panel's id in the dashboard `uid`."""
    return Step(f"Open the `{title}` panel", f"{GRAFANA_URL}/d/{uid}?viewPanel={{panel:{title}}}", lang="link",
                note=note)


def prometheus_api(title: str, query: str, jq: str = ".data.result[]", note: str = "") -> Step:
    """The same question asked with curl, for a shell without Grafana (the output is JSON to filter with jq)."""
    return Step(title, f"curl -s '{PROMETHEUS_URL}/api/v1/query' --data-urlencode 'query={query}' | jq '{jq}'",
                lang="shell", note=note)


def container_logs(service: str, pattern: str = "error", since: str = "30m") -> Step:
    return Step(f"Read `{service}`'s own output", f"docker compose logs --since {since} {service} | grep -iE '{pattern}'",
                lang="shell", note="Under the native runtime the same lines are in .run/<service>/<service>.log.")


def langfuse_traces(what: str, query: str, note: str = "") -> Step:
    return Step(f"Langfuse: {what}", f"{LANGFUSE_URL}/traces?{query}", lang="link", note=note)


def jaeger_traces(what: str, service: str, params: str, note: str = "") -> Step:
    return Step(f"Traces: {what}", f"{JAEGER_URL}/search?service={service}&{params}", lang="link", note=note)
