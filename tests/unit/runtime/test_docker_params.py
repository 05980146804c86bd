"""The docker runtime's container parameters come from the stack model and agree with the compose file."""
from __future__ import annotations

from pathlib import Path

import pytest

from obsgate.generate.compose import compose
from obsgate.load import load
from obsgate.runtime.base import StackError
from obsgate.runtime.docker import container_params, interpolate, network_params, project_name
from obsgate.runtime.layout import Layout

ROOT = Path(__file__).resolve().parents[3]
ENV = {"GRAFANA_ADMIN_PASSWORD": "from-env"}


@pytest.fixture(scope="module")
def project():
    return load(ROOT)


@pytest.fixture(scope="module")
def params(project):
    layout = Layout(ROOT)
    return {s.name: container_params(s, project.stack, ROOT, layout, ENV)
            for s in project.stack.services if "docker" in s.runtimes}


def test_every_docker_service_gets_a_container_and_native_only_ones_none(project, params):
    assert set(params) == {s.name for s in project.stack.services if "docker" in s.runtimes}
    assert "prometheus" in params and "ollama" in params


def test_images_are_pinned_official_or_built_from_the_repo(project, params):
    for name, p in params.items():
        svc = project.stack.service(name)
        image, tag = p["image"].rsplit(":", 1)
        assert tag and tag != "latest", name
        assert image == svc.image
    assert params["prometheus"]["image"].startswith("prom/prometheus:v")
    assert params["llm-gateway"]["image"] == "obsgate-sim:local"


def test_ports_are_published_on_loopback_only(project, params):
    for name, p in params.items():
        svc = project.stack.service(name)
        assert p["ports"] == {f"{svc.container_port}/tcp": ("127.0.0.1", svc.port)}, name


def test_generated_configs_are_mounted_read_only_from_the_rendered_dir(params):
    mounts = params["prometheus"]["volumes"]
    cfg = str(ROOT / ".run" / "config" / "generated" / "prometheus")
    assert mounts[cfg] == {"bind": "/etc/prometheus", "mode": "ro"}
    assert mounts["obsgate-day23_prometheus-data"] == {"bind": "/prometheus", "mode": "rw"}
    assert params["alertmanager"]["volumes"][str(ROOT / ".run" / "secrets")]["mode"] == "ro"


def test_healthcheck_durations_are_nanoseconds(params):
    hc = params["prometheus"]["healthcheck"]
    assert hc["interval"] == 5_000_000_000 and hc["timeout"] == 3_000_000_000
    assert hc["test"][0] in ("CMD", "CMD-SHELL")


def test_secrets_come_from_the_environment_and_a_missing_one_is_named():
    assert interpolate("${GRAFANA_ADMIN_PASSWORD:?set it}", ENV) == "from-env"
    assert interpolate("${MISSING:-fallback}", {}) == "fallback"
    with pytest.raises(StackError, match="GRAFANA_ADMIN_PASSWORD"):
        interpolate("${GRAFANA_ADMIN_PASSWORD:?set GRAFANA_ADMIN_PASSWORD}", {})


def test_network_is_a_private_bridge_named_for_the_stack(project):
    net = network_params(project.stack)
    assert net["name"] == project_name(project.stack) == "obsgate-day23"
    assert net["driver"] == "bridge"


def test_compose_and_docker_runtime_agree_on_every_service(project, params):
    """Same services, images, commands, ports, environment keys, mount targets/modes and health tests."""
    doc = compose(project)
    assert set(doc["services"]) == set(params)
    for name, svc_doc in doc["services"].items():
        p = params[name]
        assert svc_doc["image"] == p["image"], name
        assert svc_doc.get("command", []) == p.get("command", []), name
        host_port, _, container = svc_doc["ports"][0].rpartition(":")
        assert (host_port, container) == (f"127.0.0.1:{p['ports'][f'{container}/tcp'][1]}", container), name
        assert set(svc_doc.get("environment", {})) == set(p["environment"]), name
        compose_mounts = sorted((v.split(":")[1], v.endswith(":ro")) for v in svc_doc.get("volumes", []))
        runtime_mounts = sorted((m["bind"], m["mode"] == "ro") for m in p["volumes"].values())
        assert compose_mounts == runtime_mounts, name
        assert svc_doc["healthcheck"]["test"] == p["healthcheck"]["test"], name
    assert doc["networks"]["obsgate"]["name"] == project_name(project.stack)
