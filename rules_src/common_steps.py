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
