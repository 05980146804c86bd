"""The obsgate-sim image: what the stack's `build="."` services need from the Dockerfile (no engine here)."""
from __future__ import annotations

import importlib
from pathlib import Path

from obsgate.sim.httpd import DEFAULT_HOST, bind_host

REPO = Path(__file__).resolve().parents[3]


def dockerfile() -> list[str]:
    return [l.strip() for l in (REPO / "Dockerfile").read_text().splitlines() if l.strip() and not l.startswith("#")]


def test_the_image_is_python_3_11_slim_by_default_binding_all_interfaces_and_reading_the_project_from_app():
    lines = dockerfile()
    assert lines[:2] == ["ARG BASE=python:3.11-slim", "FROM ${BASE}"]  # `images build --local` passes its base
    env = " ".join(l for l in lines if l.startswith("ENV") or l.startswith("OBSGATE") or l.startswith("PYTHON"))
    assert "OBSGATE_BIND_HOST=0.0.0.0" in env and "OBSGATE_ROOT=/app" in env
    assert "WORKDIR /app" in lines and any("pip install --no-deps" in l and "/app" in l for l in lines)
    assert any(l.startswith("USER ") and "root" not in l for l in lines)


def test_the_build_context_leaves_out_environments_runtime_state_and_secrets():
    ignored = set((REPO / ".dockerignore").read_text().split())
    assert {".venv", ".tools", ".run", "secrets", ".git"} <= ignored
    assert not {"catalog", "rules_src", "stacks", "obsgate", "pyproject.toml"} & ignored


def test_every_service_built_from_the_repo_runs_a_module_of_the_package(repo_project):
    built = [s for s in repo_project.stack.services if s.build == "."]
    assert built
    for svc in built:
        assert svc.command[:2] == ("python", "-m"), svc.name
        module = importlib.import_module(svc.command[2])
        assert callable(module.main), svc.command[2]
    cmd = next(l for l in dockerfile() if l.startswith("CMD"))
    assert '"obsgate.sim.telemetry"' in cmd


def test_bind_host_prefers_the_flag_then_the_environment_then_loopback(monkeypatch):
    monkeypatch.delenv("OBSGATE_BIND_HOST", raising=False)
    assert bind_host(None) == DEFAULT_HOST == "127.0.0.1"
    monkeypatch.setenv("OBSGATE_BIND_HOST", "0.0.0.0")
    assert bind_host(None) == "0.0.0.0" and bind_host("127.0.0.2") == "127.0.0.2"
