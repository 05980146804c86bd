"""The native runtime's `loki` is obsgate's log store, configured from the profile and the stack's ports."""
from __future__ import annotations

import sys

import pytest

from obsgate.load import load
from obsgate.runtime.native import EXTRA_PORTS, NativeRuntime


@pytest.fixture(scope="module")
def repo_project(request):
    return load(request.config.rootpath)


@pytest.mark.parametrize("profile, interval", [("ci", "1s"), ("local", "10s")])
def test_the_native_loki_service_runs_the_log_store_with_the_profiles_eval_interval(repo_root, repo_project,
                                                                                    profile, interval):
    rt = NativeRuntime(repo_root, repo_project, profile)
    svc = repo_project.stack.service("loki")
    assert repo_project.stack.profile(profile).loki_eval_interval == interval
    cmd, _ = rt.command(svc)
    run = repo_root.resolve() / ".run"
    assert cmd == [sys.executable, "-m", "obsgate.sim.logstore", "--port", str(svc.port),
                   "--data", str(run / "loki" / "data"), "--rules", str(run / "config" / "generated" / "loki" / "rules"),
                   "--eval-interval", interval,
                   "--alertmanager", f"http://127.0.0.1:{repo_project.stack.service('alertmanager').port}"]


def test_the_log_store_opens_no_port_beyond_its_http_port():
    assert "loki" not in EXTRA_PORTS


def test_under_docker_loki_stays_the_official_image(repo_project):
    svc = repo_project.stack.service("loki")
    assert (svc.image, "docker" in svc.runtimes) == ("grafana/loki", True)
