"""Local images (`--images local`): the image map, the stand-ins, and the mirrors of the official images."""
from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest

from obsgate.load import load
from obsgate.runtime import images
from obsgate.runtime.docker import (LOCAL, container_params, native_command, skipped, substitute,
                                    volume_params)
from obsgate.runtime.layout import Layout

ROOT = Path(__file__).resolve().parents[3]

# What the official images declare (prometheus/prometheus and prometheus/alertmanager Dockerfiles on their
# busybox base, FerretDB's build/docker/production.Dockerfile of v1.x).
OFFICIAL = {
    "prometheus": {"ENTRYPOINT": '["/bin/prometheus"]', "USER": "nobody", "WORKDIR": "/prometheus",
                   "VOLUME": '["/prometheus"]',
                   "CMD": '["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]'},
    "alertmanager": {"ENTRYPOINT": '["/bin/alertmanager"]', "USER": "nobody", "WORKDIR": "/alertmanager",
                     "VOLUME": '["/alertmanager"]',
                     "CMD": '["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]'},
    "ferretdb": {"ENTRYPOINT": '["/ferretdb"]', "USER": "ferretdb:ferretdb", "WORKDIR": "/", "VOLUME": "/state"},
}


@pytest.fixture(scope="module")
def project():
    return load(ROOT)


@pytest.fixture(scope="module")
def local(project):
    refs = images.local_refs(ROOT)
    return {s.name: container_params(s, project.stack, ROOT, Layout(ROOT), {}, "local", refs, project.stack.profile("ci"))
            for s in project.stack.services if "docker" in s.runtimes and not substitute(s, "local").skip}


def instructions(dockerfile: str) -> dict[str, str]:
    """The last value of each instruction (the one that takes effect in the final stage)."""
    out = {}
    for line in dockerfile.replace("\\\n", " ").splitlines():
        m = re.match(r"^([A-Z]+)\s+(.*)$", line.strip())
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_mirror_images_declare_what_the_official_image_declares(name):
    mirror = next(m for m in images.MIRRORS if m.name == name)
    got = instructions(mirror.dockerfile.replace("{libc}", ""))
    for key, want in OFFICIAL[name].items():
        assert got[key] == want, (name, key)


def test_the_stack_mounts_its_configs_and_data_where_the_official_images_read_them(project):
    prom = project.stack.service("prometheus")
    assert "--config.file=/etc/prometheus/prometheus.yml" in prom.command
    assert {v.target for v in prom.volumes} == {"/etc/prometheus", "/prometheus"}
    am = project.stack.service("alertmanager")
    assert {v.target for v in am.volumes} >= {"/etc/alertmanager/alertmanager.yml", "/alertmanager"}


def test_every_docker_service_has_a_local_image_or_a_named_reason(project):
    for svc in project.stack.services:
        if "docker" not in svc.runtimes:
            continue
        assert svc.image in LOCAL, f"`{svc.image}` ({svc.name}) has no entry in LOCAL"
    assert set(skipped(project.stack, "local")) == {"grafana", "ollama"}
    assert "AGPL" in skipped(project.stack, "local")["grafana"]
    assert "simulator backend" in skipped(project.stack, "local")["ollama"]
    assert skipped(project.stack, "official") == {}


def test_local_images_are_the_pinned_releases(local):
    releases = images.releases(ROOT)
    assert local["prometheus"]["image"] == f"obsgate-local/prometheus:{releases['prometheus']}"
    assert local["alertmanager"]["image"] == f"obsgate-local/alertmanager:{releases['alertmanager']}"
    assert local["mongo"]["image"] == f"obsgate-local/ferretdb:{releases['ferretdb']}"
    assert local["alert-sink"]["image"] == images.PROJECT_REF


def test_loki_is_the_log_store_in_the_project_image_with_the_native_arguments_for_the_container(project, local):
    loki = local["loki"]
    assert loki["image"] == images.PROJECT_REF
    cmd = loki["command"]
    assert cmd[:3] == ["python", "-m", "obsgate.sim.logstore"]
    args = dict(zip(cmd[3::2], cmd[4::2]))
    assert args["--rules"] == "/etc/loki/rules"  # the mount target of generated/loki/rules
    assert args["--alertmanager"] == "http://alertmanager:9093"  # on the stack's network, not loopback
    assert args["--eval-interval"] == project.stack.profile("ci").loki_eval_interval
    data = next(m for m in loki["volumes"].values() if m["mode"] == "rw")
    assert data["bind"] == args["--data"] == "/var/lib/obsgate"
    assert "stands in for Loki" in loki["labels"]["io.obsgate.stand-in"]


def test_mongo_is_ferretdb_on_sqlite_with_its_state_in_the_named_volume(local):
    mongo = local["mongo"]
    assert mongo["environment"]["FERRETDB_HANDLER"] == "sqlite"
    assert mongo["volumes"]["obsgate-day23_mongo-data"] == {"bind": "/state", "mode": "rw"}
    assert "FerretDB" in mongo["labels"]["io.obsgate.stand-in"]


def test_the_gateway_uses_its_simulator_backend_where_ollama_does_not_run(project, local):
    assert "OBSGATE_LLM_UPSTREAM" in project.stack.service("llm-gateway").env
    assert "OBSGATE_LLM_UPSTREAM" not in local["llm-gateway"]["environment"]


def test_local_ports_are_published_on_loopback_only(project, local):
    for name, p in local.items():
        svc = project.stack.service(name)
        assert p["ports"] == {f"{svc.container_port}/tcp": ("127.0.0.1", svc.port)}, name


def test_a_skipped_service_gets_no_container(project):
    with pytest.raises(ValueError, match="AGPL"):
        container_params(project.stack.service("grafana"), project.stack, ROOT, Layout(ROOT), {}, "local", {})


def test_named_volumes_are_labelled_for_the_stack(project):
    vols = volume_params(project.stack)
    assert {v["name"] for v in vols} >= {"obsgate-day23_prometheus-data", "obsgate-day23_loki-data"}
    assert all(v["labels"] == {"io.obsgate.stack": "day23"} for v in vols)


def test_native_command_translates_loopback_ports_and_generated_paths(project):
    svc = project.stack.service("loki")
    cmd = native_command(svc, project.stack, project.stack.profile("local"))
    assert not any("127.0.0.1" in a or "{" in a for a in cmd), cmd


@pytest.mark.parametrize("text, want", [
    ("Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\n\nTypes: deb\n"
     "URIs: http://mirror.example/debian-security\nSuites: bookworm-security\n", "http://mirror.example/debian"),
    ("deb http://deb.example.org/debian bookworm main\n", "http://deb.example.org/debian"),
    ("deb [signed-by=/k.gpg] http://x.example/debian/ bookworm main\n", "http://x.example/debian/"),
    ("deb https://packages.cloud.google.com/apt cloud-sdk main\n", "http://deb.debian.org/debian"),
], ids=["reads deb822 and ignores security", "reads a one-line source", "reads a one-line source with options",
        "ignores archives that are not Debian's"])
def test_debian_mirror_is_the_archive_apt_uses(tmp_path, text, want):
    src = tmp_path / "sources.list"
    src.write_text(text)
    assert images.debian_mirror((src,)) == want


def test_base_key_follows_suite_mirror_and_packages():
    a = images.base_key("bookworm", "http://a/debian")
    assert a == images.base_key("bookworm", "http://a/debian")
    assert a != images.base_key("trixie", "http://a/debian")
    assert a != images.base_key("bookworm", "http://b/debian")


def _elf(interp: bool) -> bytes:
    phoff, phentsize = 64, 56
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, phoff, 0, 0, 64,
                                                                      phentsize, 1, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 3 if interp else 1, 0, 0, 0, 0, 0, 0, 0)
    return header + ph


def test_is_static_tells_a_dynamic_binary_by_its_interpreter(tmp_path):
    (tmp_path / "dyn").write_bytes(_elf(True))
    (tmp_path / "static").write_bytes(_elf(False))
    (tmp_path / "script").write_bytes(b"#!/bin/sh\n")
    assert images.is_static(tmp_path / "static")
    assert not images.is_static(tmp_path / "dyn")
    assert not images.is_static(tmp_path / "script")


def test_ferretdb_gets_libc_only_when_its_binary_is_dynamic(tmp_path, monkeypatch):
    bindir = tmp_path / ".tools" / "bin"
    bindir.mkdir(parents=True)
    mirror = next(m for m in images.MIRRORS if m.name == "ferretdb")
    for dynamic in (True, False):
        (bindir / "ferretdb").write_bytes(_elf(dynamic))
        _, dockerfile = images.mirror_inputs(tmp_path, mirror)
        assert ("libc.so.6" in dockerfile) is dynamic
        assert "{libc}" not in dockerfile


def test_a_missing_binary_names_the_fix(tmp_path):
    from obsgate.runtime.base import StackError

    with pytest.raises(StackError) as exc:
        images.mirror_inputs(tmp_path, images.MIRRORS[0])
    assert "make tools" in exc.value.hint


def test_images_command_needs_an_action_and_build_needs_local(capsys):
    from obsgate.cli import main

    assert main(["--root", str(ROOT), "images"]) == 2
    assert "obsgate images build --local" in capsys.readouterr().err
    assert main(["--root", str(ROOT), "images", "build"]) == 2  # --local is required: no registry build here
