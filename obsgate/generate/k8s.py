"""generated/k8s/prometheusrules/<group>.yaml: the same rule groups as PrometheusRule objects.

For users who run the Prometheus Operator: the rules are identical to generated/prometheus/rules/.
"""
from __future__ import annotations

from ..project import Project
from .prometheus import group_dict
from .target import Target


def prometheus_rule(project: Project, group, target: Target) -> dict:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": f"{project.stack.name}-{group.name.replace('_', '-')}",
            "labels": {"app.kubernetes.io/managed-by": "obsgate", "app.kubernetes.io/part-of": project.stack.name},
        },
        "spec": {"groups": [group_dict(project, group, target)]},
    }


def files(project: Project, target: Target) -> dict[str, object]:
    if target.runtime != "docker":
        return {}
    return {f"generated/k8s/prometheusrules/{g.name}.yaml": prometheus_rule(project, g, target) for g in project.groups}
