"""Live runtimes: the stack model started as containers (docker) or local processes (native).

Both publish the same ports on 127.0.0.1, so the smoke layer cannot tell them apart.
"""
from .base import HealthTimeout, PortInUse, Runtime, ServiceState, StackError

__all__ = ["HealthTimeout", "PortInUse", "Runtime", "ServiceState", "StackError", "select"]


def select(kind: str, root, project, profile: str = "local", images: str = ""):
    """The runtime `kind` names; `auto` is docker when an engine answers, else native. `images` is the
    docker image set (official or local; "" keeps a running stack's, else official)."""
    from ..tools import docker_engine

    if kind == "auto":
        kind = "docker" if docker_engine(timeout=1.5)["reachable"] else "native"
    if kind == "docker":
        from .docker import DockerRuntime

        return DockerRuntime(root, project, profile, images)
    if kind == "native":
        from .native import NativeRuntime

        return NativeRuntime(root, project, profile)
    raise ValueError(f"unknown runtime `{kind}`; use auto, docker or native")
