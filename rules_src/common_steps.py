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
