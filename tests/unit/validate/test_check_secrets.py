"""secrets/literal: credentials by key, webhook URLs in Alertmanager, token patterns in any text."""
from __future__ import annotations

import pytest

from obsgate.validate import secrets_literal

from validate_builders import expect, make_ctx

SLACK = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx"
CASES = [
    ("accepts valid *_file secrets", {"alertmanager.yml": {
        "route": {"receiver": "r"},
        "receivers": [{"name": "r", "webhook_configs": [{"url_file": "/etc/alertmanager/secrets/r"}],
                       "slack_configs": [{"api_url_file": "/s/slack", "channel": "#x"}]}]}}, []),
    ("accepts valid environment references in compose", {"docker-compose.yml": {"services": {"grafana": {
        "image": "grafana/grafana:12.2.1",
        "environment": {"GF_SECURITY_ADMIN_PASSWORD": "${GRAFANA_ADMIN_PASSWORD:?set it}"}}}}}, []),
    ("ignores secret-sounding keys with non-string values", {"x.yml": {"route": {"receiver": "r"},
                                                                    "token": True}}, []),
    ("ignores runbooks that only mention passwords", {"r.md": "Rotate the SMTP password, then restart.\n"}, []),
    ("rejects a literal webhook url in Alertmanager", {"alertmanager.yml": {
        "route": {"receiver": "r"}, "receivers": [{"name": "r", "webhook_configs": [{"url": "http://sink:9099/x"}]}]}},
     ["`url` holds a literal secret (`http…`)"]),
    ("rejects a Slack webhook once, by key", {"alertmanager.yml": {
        "route": {"receiver": "r"}, "receivers": [{"name": "r", "slack_configs": [{"api_url": SLACK}]}]}},
     ["`api_url` holds a literal secret"]),
    ("rejects an SMTP password", {"alertmanager.yml": {"global": {"smtp_auth_password": "hunter22"},
                                                       "route": {"receiver": "r"}, "receivers": [{"name": "r"}]}},
     ["`smtp_auth_password` holds a literal secret (`hunt…`)"]),
    ("rejects a literal password in compose environment lists", {"docker-compose.yml": {"services": {"g": {
        "image": "g:1", "environment": ["GF_SECURITY_ADMIN_PASSWORD=admin"]}}}},
     ["`GF_SECURITY_ADMIN_PASSWORD` holds a literal secret"]),
    ("rejects a bearer token in prometheus.yml", {"prometheus.yml": {"scrape_configs": [
        {"job_name": "x", "bearer_token": "abcdef0123456789", "static_configs": [{"targets": ["a:1"]}]}]}},
     ["`bearer_token` holds a literal secret"]),
    ("rejects a Slack webhook URL in Markdown", {"runbook.md": f"Post to {SLACK} when paged.\n"},
     ["Slack webhook URL in the file"]),
    ("rejects a GitHub token anywhere", {"notes.md": "token ghp_" + "a1B2" * 9 + "\n"}, ["GitHub token in the file"]),
    ("rejects a password inside a URL", {"d.json": {"uid": "x", "title": "t", "panels": [],
                                                    "links": [{"url": "https://admin:s3cret@grafana.example/"}]}},
     ["password in a URL in the file"]),
]


@pytest.mark.parametrize("files, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_secrets(tmp_path, files, expected):
    expect(secrets_literal.check(make_ctx(tmp_path, files)), expected)


def test_the_secret_is_masked_in_the_report(tmp_path):
    [p] = secrets_literal.check(make_ctx(tmp_path, {"alertmanager.yml": {"global": {"smtp_auth_password": "hunter22"},
                                                                  "route": {"receiver": "r"}}}))
    assert "hunter22" not in p.message and p.line == 2
