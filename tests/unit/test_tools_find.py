"""obsgate.tools: version parsing, lookup order (.tools/bin before PATH) and pins from versions.toml."""
from __future__ import annotations

import shutil
import stat

import pytest

from obsgate import tools


@pytest.mark.parametrize("output, expected", [
    ("promtool, version 3.5.1 (branch: , revision: unknown)\n  build user: \n", "3.5.1"),
    ("loki, version 3.5.7 (branch: , revision: unknown)\n  go version:       go1.26.8\n", "3.5.7"),
    ("version: v1.24.0\ncommit: unknown\n", "1.24.0"),
    ("1.7.12\ninstalled by building from source\n", "1.7.12"),
    ("prometheus, version 2.42.0+ds (branch: debian/sid, revision: 2.42.0+ds-5)\n", "2.42.0+ds"),
    ("Version 11.2.0 (commit: abc, branch: HEAD)\n", "11.2.0"),
], ids=["promtool", "loki ignores the go version line", "ferretdb", "actionlint bare number", "debian suffix",
        "grafana capitalised"])
def test_parse_version_reads_the_tool_version(output, expected):
    assert tools.parse_version(output) == expected


def test_parse_version_ignores_output_without_a_version():
    assert tools.parse_version("usage: lokitool <command>\nunknown long flag '--version'\n") == ""


def test_pinned_reads_every_release_from_versions_toml(repo_root):
    pins = tools.pinned(repo_root)
    text = (repo_root / "tools" / "versions.toml").read_text()
    assert pins["promtool"] == pins["prometheus"] and f'release = "{pins["prometheus"]}"' in text
    assert pins["amtool"] == pins["alertmanager"]
    assert {"prometheus", "promtool", "alertmanager", "amtool", "ferretdb", "actionlint"} <= set(pins)
    assert not {"loki", "lokitool"} & set(pins)  # Loki left the build (AGPL-3.0)


def _fake_tool(directory, name, output):
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / name
    script.write_text(f"#!/bin/sh\necho '{output}'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_find_prefers_tools_bin_over_path(tmp_path):
    built = _fake_tool(tmp_path / "root" / ".tools" / "bin", "promtool", "promtool, version 3.5.1 (x)")
    _fake_tool(tmp_path / "path", "promtool", "promtool, version 2.42.0 (y)")
    info = tools.find("promtool", tmp_path / "root", path_env=str(tmp_path / "path"))
    assert (info.found, info.source, info.version, info.path) == (True, "built", "3.5.1", str(built.resolve()))


def test_find_falls_back_to_path_and_names_it(tmp_path):
    on_path = _fake_tool(tmp_path / "path", "amtool", "amtool, version 0.25.0 (y)")
    info = tools.find("amtool", tmp_path / "root", path_env=str(tmp_path / "path"))
    assert (info.found, info.source, info.version, info.path) == (True, "PATH", "0.25.0", str(on_path))


def test_find_reports_a_missing_tool_with_its_pin(tmp_path, repo_root):
    root = tmp_path / "root"
    (root / "tools").mkdir(parents=True)
    shutil.copy(repo_root / "tools" / "versions.toml", root / "tools" / "versions.toml")
    info = tools.find("ferretdb", root, path_env=str(tmp_path / "nothing"))
    assert not info.found and info.path == "" and info.version == ""
    assert info.pinned == tools.pinned(repo_root)["ferretdb"]


def test_find_ignores_a_non_executable_file_in_tools_bin(tmp_path):
    (tmp_path / ".tools" / "bin").mkdir(parents=True)
    (tmp_path / ".tools" / "bin" / "amtool").write_text("not a program")
    assert not tools.find("amtool", tmp_path, path_env="").found


def test_find_runs_the_real_pinned_promtool(repo_root):
    info = tools.find("promtool", repo_root)
    assert info.found and info.source == "built"
    assert info.version == tools.pinned(repo_root)["promtool"]


def test_loki_and_lokitool_are_no_tools_but_stand_ins_of_obsgate(repo_root):
    assert not {"loki", "lokitool"} & set(tools.TOOLS) and not {"loki", "lokitool"} & set(tools.REQUIRED_BY_VALIDATE)
    assert {s.replaces: s.module for s in tools.STAND_INS} == {"lokitool": "obsgate.logql",
                                                               "loki": "obsgate.sim.logstore"}
    assert not (repo_root / "tools" / "loki").exists()


def test_docker_engine_reports_an_unreachable_engine_without_raising(tmp_path, monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    engine = tools.docker_engine(timeout=1)
    assert engine["reachable"] is False and engine["error"]


def test_find_names_a_dpkg_owned_binary_debian_even_under_merged_usr(tmp_path):
    # coreutils ships `ls`; dpkg records it as /bin/ls while PATH=/usr/bin finds /usr/bin/ls
    info = tools.find("ls", tmp_path, path_env="/usr/bin")
    assert (info.found, info.path, info.source) == (True, "/usr/bin/ls", "debian")
