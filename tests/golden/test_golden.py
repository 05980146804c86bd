"""Golden files for every artifact family, from the small fixture project.

Update after an intended change with: OBSGATE_UPDATE_GOLDEN=1 make test-unit (then review the diff).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from obsgate import render
from obsgate.generate import FAMILIES, generate
from obsgate.generate.target import Target
from obsgate.load import load

HERE = Path(__file__).resolve().parent
FIXTURE = HERE.parent / "fixtures" / "project"
UPDATE = os.environ.get("OBSGATE_UPDATE_GOLDEN") == "1"


def outputs(variant: str) -> dict[str, bytes]:
    project = load(FIXTURE)
    if variant == "default":
        return render.render_all(generate(project))
    target = Target(project.stack.profile("ci"), runtime="native",
                    paths={"prom_rules": "/run/prom/rules", "loki_rules": "/run/loki/rules", "loki_data": "/run/loki",
                           "am_secrets": "/run/secrets", "grafana_dashboards": "/run/dashboards"})
    return render.render_all(generate(project, target))


@pytest.mark.parametrize("variant", ["default", "ci-native"])
def test_every_family_matches_its_golden_files(variant):
    produced = outputs(variant)
    golden_dir = HERE / variant
    if UPDATE:
        for old in golden_dir.rglob("*"):
            if old.is_file():
                old.unlink()
        render.write_tree(golden_dir, produced)
    expected = {p.relative_to(golden_dir).as_posix(): p.read_bytes() for p in golden_dir.rglob("*") if p.is_file()}
    assert sorted(produced) == sorted(expected), "set of generated files changed"
    for rel, data in produced.items():
        assert data == expected[rel], f"{rel} differs from its golden file (OBSGATE_UPDATE_GOLDEN=1 to accept)"


def test_golden_covers_every_family():
    produced = outputs("default")
    prefixes = {"prometheus": "generated/prometheus/", "loki": "generated/loki/", "alertmanager": "generated/alertmanager/",
                "grafana": "generated/grafana/", "compose": "docker-compose.infra.yml", "runbooks": "generated/runbooks/", "k8s": "generated/k8s/",
                "docs": "generated/docs/"}
    assert set(prefixes) == set(FAMILIES)
    for family, prefix in prefixes.items():
        assert any(p.startswith(prefix) for p in produced), f"no golden file for the {family} family"


def test_ci_profile_compresses_time_but_not_meaning():
    default = outputs("default")["generated/prometheus/rules/shop.yml"].decode()
    ci = outputs("ci-native")["generated/prometheus/rules/shop.yml"].decode()
    assert "rate(shop_requests_total[5m])" in default and "for: 5m" in default
    assert "rate(shop_requests_total{}[5s])" in ci and "for: 5s" in ci
    assert 'status:shop_requests:rate5m{status="error"} > 1' in ci
