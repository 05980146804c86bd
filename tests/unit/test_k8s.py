"""The PrometheusRule output validates against the operator's CRD schema and mirrors the rule files."""
from __future__ import annotations

import jsonschema
import pytest
import yaml

from obsgate.generate import generate
from obsgate.load import load
from obsgate.validate.context import default_schemas


@pytest.fixture(scope="module")
def crd_schema(request):
    schemas = default_schemas(request.config.rootpath)
    crd = yaml.safe_load((schemas / "k8s" / "monitoring.coreos.com_prometheusrules.yaml").read_text())
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


@pytest.mark.parametrize("where", ["tests/fixtures/project", "."], ids=["fixture project", "repo content"])
def test_prometheus_rules_validate_against_the_crd(request, crd_schema, where):
    project = load(request.config.rootpath / where)
    docs = generate(project)
    k8s = {p: d for p, d in docs.items() if p.startswith("generated/k8s/")}
    assert len(k8s) == len(project.groups)
    for path, doc in k8s.items():
        errors = list(jsonschema.Draft7Validator(crd_schema).iter_errors(doc))
        assert not errors, f"{path}: {[e.message for e in errors]}"
        group = doc["spec"]["groups"][0]
        assert docs[f"generated/prometheus/rules/{group['name']}.yml"] == {"groups": [group]}


def test_crd_schema_rejects_a_broken_rule(crd_schema):
    bad = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "x"},
           "spec": {"groups": [{"name": "g", "rules": [{"alert": "A"}]}]}}
    assert list(jsonschema.Draft7Validator(crd_schema).iter_errors(bad))
