"""Images for machines without a container registry, built here (`obsgate images build --local`).

- base: a Debian root filesystem made by debootstrap from the archive apt is configured with,
  `docker import`ed; the tarball is cached under .tools/images by a key of suite, mirror and packages;
- the project's image (simulators, LLM gateway, sink, log store) from the repo's Dockerfile on that
  base, its Python dependencies as wheels built on the host (the build itself has no network);
- Prometheus, Alertmanager and FerretDB from the pinned binaries in .tools/bin, each mirroring its
  official image's entrypoint, default command, user, config path and data path.
Each image carries the key of its inputs as a label, so a warm run compares labels and builds nothing.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from .. import tools
from .base import StackError

LABEL_KEY = "io.obsgate.image-key"
LABEL_WHAT = "io.obsgate.image"
REPO = "obsgate-local"
RECIPE = "1"  # bump when the way an image is made changes without its inputs changing
SUITE_DEFAULT = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv", "python-is-python3", "busybox-static", "ca-certificates")
PROJECT_REF = "obsgate-sim:local"  # the stack's own reference of the project's image
WHEELS_DIR = ".wheels"  # inside the build context; the Dockerfile installs from it when present

# Mirrors of the official Dockerfiles (prometheus/prometheus, prometheus/alertmanager at the busybox-based
# releases, FerretDB's build/docker/production.Dockerfile of v1.x): same entrypoint, command, user,
# workdir, config and data paths. `wget` is busybox's, as in the official busybox base.
PROMETHEUS_DOCKERFILE = """\
ARG BASE
FROM ${BASE}
COPY prometheus /bin/prometheus
COPY promtool /bin/promtool
COPY prometheus.yml /etc/prometheus/prometheus.yml
RUN ln -s /bin/busybox /usr/local/bin/wget \\
    && mkdir -p /prometheus && chown -R nobody:nogroup /etc/prometheus /prometheus && chmod g+w /prometheus
WORKDIR /prometheus
USER nobody
EXPOSE 9090
VOLUME ["/prometheus"]
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
"""
PROMETHEUS_YML = """\
# the default configuration of this image (the official image ships documentation/examples/prometheus.yml)
global:
  scrape_interval: 15s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["localhost:9090"]
"""
ALERTMANAGER_DOCKERFILE = """\
ARG BASE
FROM ${BASE}
COPY amtool /bin/amtool
COPY alertmanager /bin/alertmanager
COPY alertmanager.yml /etc/alertmanager/alertmanager.yml
RUN ln -s /bin/busybox /usr/local/bin/wget \\
    && mkdir -p /alertmanager && chown -R nobody:nogroup /etc/alertmanager /alertmanager
USER nobody
EXPOSE 9093
VOLUME ["/alertmanager"]
WORKDIR /alertmanager
ENTRYPOINT ["/bin/alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
"""
ALERTMANAGER_YML = """\
# the default configuration of this image
route:
  receiver: default
receivers:
  - name: default
"""
FERRETDB_DOCKERFILE = """\
ARG BASE
FROM ${BASE} AS libc
FROM scratch
COPY passwd /etc/passwd
COPY group /etc/group
{libc}USER ferretdb:ferretdb
COPY ferretdb /ferretdb
COPY --chown=1000:1000 state /state
ENTRYPOINT ["/ferretdb"]
WORKDIR /
VOLUME /state
EXPOSE 27017 27018 8088
ENV FERRETDB_LISTEN_ADDR=:27017
ENV FERRETDB_DEBUG_ADDR=:8088
ENV FERRETDB_STATE_DIR=/state
ENV FERRETDB_SQLITE_URL=file:/state/
"""
LIBC_COPY = ("COPY --from=libc /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libc.so.6\n"
             "COPY --from=libc /lib64/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2\n")


@dataclass(frozen=True)
class Mirror:
    """An official image rebuilt from pinned binaries: which tool, which files, which Dockerfile."""

    name: str
    tool: str  # the section of tools/versions.toml
    binaries: tuple[str, ...]
    dockerfile: str
    extra: tuple[tuple[str, str], ...] = ()


MIRRORS = (
    Mirror("prometheus", "prometheus", ("prometheus", "promtool"), PROMETHEUS_DOCKERFILE,
           (("prometheus.yml", PROMETHEUS_YML),)),
    Mirror("alertmanager", "alertmanager", ("alertmanager", "amtool"), ALERTMANAGER_DOCKERFILE,
           (("alertmanager.yml", ALERTMANAGER_YML),)),
    Mirror("ferretdb", "ferretdb", ("ferretdb",), FERRETDB_DOCKERFILE,
           (("passwd", "root:x:0:0:root:/:/nonexistent\nferretdb:x:1000:1000::/nonexistent:/nonexistent\n"),
            ("group", "root:x:0:\nferretdb:x:1000:\n"))),
)


@dataclass
class Built:
    """One image of the set and what this run did about it."""

    name: str
    ref: str
    key: str
    action: str  # cached | built
    seconds: float = 0.0

    def line(self) -> str:
        return f"{self.name:<13} {self.ref:<36} {self.action:<6} {self.seconds:6.1f}s  key {self.key[:12]}"


def cache_dir(root: Path) -> Path:
    return Path(root) / ".tools" / "images"


def releases(root: Path) -> dict[str, str]:
    path = Path(root) / "tools" / "versions.toml"
    return {n: s["release"] for n, s in tomllib.loads(path.read_text()).items()} if path.is_file() else {}


def local_refs(root: Path) -> dict[str, str]:
    """Image name -> the local reference `--images local` runs (tags are the pinned releases)."""
    rel = releases(root)
    refs = {"base": f"{REPO}/debian:{debian_suite()}", "project": PROJECT_REF}
    for m in MIRRORS:
        refs[m.name] = f"{REPO}/{m.name}:{rel.get(m.tool, 'unpinned')}"
    return refs


def _sha(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\0")
    return h.hexdigest()


def file_sha(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --- the Debian base ---------------------------------------------------------------------------------
def debian_suite(os_release: Path = Path("/etc/os-release")) -> str:
    try:
        m = re.search(r"^VERSION_CODENAME=(\w+)", os_release.read_text(), re.M)
    except OSError:
        m = None
    return m.group(1) if m else SUITE_DEFAULT


def debian_mirror(sources: tuple[Path, ...] = ()) -> str:
    """The Debian archive apt is configured with: deb822 `URIs:` or one-line `deb [opts] URL suite`."""
    paths = list(sources) or [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in paths:
        try:
            text = path.read_text()
        except OSError:
            continue
        uris = re.findall(r"^URIs:\s*(\S+)", text, re.M)
        uris += [m.group(1) for m in re.finditer(r"^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+", text, re.M)]
        for uri in uris:
            if uri.rstrip("/").endswith("/debian"):
                return uri
    return "http://deb.debian.org/debian"


def base_key(suite: str, mirror: str) -> str:
    return _sha("base", RECIPE, suite, mirror, "minbase", *BASE_PACKAGES)


def base_tarball(root: Path, suite: str, mirror: str, out) -> Path:
    """The debootstrap root filesystem as a tarball, cached by key (a warm run finds it)."""
    key = base_key(suite, mirror)
    tarball = cache_dir(root) / f"debian-{suite}-{key[:16]}.tar"
    if tarball.is_file():
        return tarball
    debootstrap = shutil.which("debootstrap") or ("/usr/sbin/debootstrap" if Path("/usr/sbin/debootstrap").exists() else "")
    if not debootstrap:
        raise StackError("debootstrap is not installed; it makes the base image's root filesystem",
                         hint="apt-get install debootstrap (as root), then rerun `obsgate images build --local`")
    if os.geteuid() != 0:
        raise StackError("debootstrap needs root to make the base image's root filesystem",
                         hint="run `obsgate images build --local` as root (or with sudo)")
    cache_dir(root).mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="debootstrap-", dir=cache_dir(root)))
    try:
        print(f"images: debootstrap {suite} from {mirror} (minbase + {', '.join(BASE_PACKAGES)}) ...", file=out, flush=True)
        proc = subprocess.run([debootstrap, "--variant=minbase", "--include=" + ",".join(BASE_PACKAGES), suite,
                               str(work / "rootfs"), mirror], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0:
            raise StackError(f"debootstrap failed (exit {proc.returncode})", hint=f"is {mirror} reachable?",
                             details="\n".join(proc.stdout.splitlines()[-15:]))
        rootfs = work / "rootfs"
        for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "debootstrap"):
            shutil.rmtree(rootfs / junk, ignore_errors=True)
        partial = tarball.with_suffix(".partial")
        subprocess.run(["tar", "--numeric-owner", "-C", str(rootfs), "-cf", str(partial), "."], check=True)
        os.replace(partial, tarball)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return tarball


# --- the engine side ---------------------------------------------------------------------------------
def current(client, ref: str, key: str) -> bool:
    import docker

    try:
        image = client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return (image.labels or {}).get(LABEL_KEY) == key


def import_base(client, tarball: Path, ref: str, key: str) -> None:
    repo, tag = ref.rsplit(":", 1)
    changes = [f'LABEL {LABEL_KEY}="{key}" {LABEL_WHAT}="base"', 'CMD ["/bin/bash"]',
               "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8"]
    client.api.import_image_from_file(str(tarball), repository=repo, tag=tag, changes=changes)


def _context_tar(files: dict[str, bytes | Path], dirs: tuple[str, ...] = ()) -> io.BytesIO:
    """A build context from in-memory files and host files (deterministic: sorted, mtime 0)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for d in dirs:
            info = tarfile.TarInfo(d)
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(info)
        for name in sorted(files):
            src = files[name]
            info = tarfile.TarInfo(name)
            if isinstance(src, Path):
                info.size, info.mode = src.stat().st_size, 0o755
                with open(src, "rb") as fh:
                    tar.addfile(info, fh)
            else:
                info.size, info.mode = len(src), 0o644
                tar.addfile(info, io.BytesIO(src))
    buf.seek(0)
    return buf


def build_image(client, ref: str, key: str, what: str, fileobj, buildargs: dict) -> None:
    """docker build with no network and no pull: everything comes from the context and local images."""
    import docker

    try:
        client.images.build(fileobj=fileobj, custom_context=True, tag=ref, buildargs=buildargs, rm=True,
                            forcerm=True, pull=False, network_mode="none",
                            labels={LABEL_KEY: key, LABEL_WHAT: what})
    except docker.errors.BuildError as exc:
        log = "".join(str(c.get("stream", c.get("error", ""))) for c in exc.build_log)
        raise StackError(f"building image `{ref}` failed: {exc.msg}", details="\n".join(log.splitlines()[-20:])) from None
    except docker.errors.APIError as exc:
        raise StackError(f"building image `{ref}` failed: {exc.explanation or exc}") from None


def is_static(binary: Path) -> bool:
    """True when the ELF file has no program interpreter (PT_INTERP): it needs no libc in the image."""
    data = binary.read_bytes()[:1 << 16]
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return False
    phoff = int.from_bytes(data[32:40], "little")
    phentsize, phnum = int.from_bytes(data[54:56], "little"), int.from_bytes(data[56:58], "little")
    for i in range(phnum):
        off = phoff + i * phentsize
        if int.from_bytes(data[off:off + 4], "little") == 3:  # PT_INTERP
            return False
    return True


def mirror_inputs(root: Path, m: Mirror) -> tuple[dict[str, bytes | Path], str]:
    """(context files, Dockerfile) of a mirror image; a missing binary is a StackError with the fix."""
    bins = {}
    for b in m.binaries:
        path = tools.bin_dir(root) / b
        if not path.is_file():
            raise StackError(f"image `{m.name}` needs the pinned `{b}` binary, which is not built",
                             hint="run `make tools` (builds the pinned binaries into .tools/bin)")
        bins[b] = path
    dockerfile = m.dockerfile
    if m.name == "ferretdb":
        dockerfile = dockerfile.replace("{libc}", "" if is_static(bins["ferretdb"]) else LIBC_COPY)
    files: dict[str, bytes | Path] = {**bins, "Dockerfile": dockerfile.encode()}
    files.update({name: text.encode() for name, text in m.extra})
    return files, dockerfile


# --- the project's image -----------------------------------------------------------------------------
def dockerignore(root: Path) -> list[str]:
    path = Path(root) / ".dockerignore"
    if not path.is_file():
        return []
    return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.strip().startswith("#")]


def project_files(root: Path) -> list[str]:
    """The repo files the Dockerfile sees (.dockerignore applied, as `docker build .` does)."""
    from docker.utils.build import exclude_paths

    return sorted(p for p in exclude_paths(str(root), dockerignore(root), dockerfile="Dockerfile")
                  if (Path(root) / p).is_file())


def requirements(root: Path) -> list[str]:
    meta = tomllib.loads((Path(root) / "pyproject.toml").read_text())
    build = meta.get("build-system", {}).get("requires", [])
    return [*build, "wheel", *meta["project"]["dependencies"]]


def wheels(root: Path, out) -> Path:
    """The project's Python dependencies as wheels, built on the host (which reaches PyPI) and cached."""
    reqs = requirements(root)
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}-{sys.platform}-{os.uname().machine}"
    key = _sha("wheels", RECIPE, tag, *reqs)
    dest = cache_dir(root) / f"wheels-{key[:16]}"
    if (dest / ".complete").is_file():
        return dest
    print(f"images: building wheels of {len(reqs)} requirements on the host ...", file=out, flush=True)
    partial = dest.with_suffix(".partial")
    shutil.rmtree(partial, ignore_errors=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--wheel-dir",
                           str(partial), *reqs], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise StackError("building the wheels of the project's dependencies failed",
                         hint="the host needs PyPI (or a wheel cache) for the first build",
                         details="\n".join(proc.stdout.splitlines()[-15:]))
    (partial / ".complete").write_text("\n".join(reqs) + "\n")
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(partial, dest)
    for old in cache_dir(root).glob("wheels-*"):  # the wheels of earlier requirement sets
        if old != dest:
            shutil.rmtree(old, ignore_errors=True)
    return dest


def project_context(root: Path, wheel_dir: Path) -> tuple[io.BytesIO, str]:
    """(build context, key): the repo as `docker build .` sees it, plus the wheels under .wheels/."""
    files: dict[str, bytes | Path] = {}
    h = hashlib.sha256()
    for rel in project_files(root):
        path = Path(root) / rel
        files[rel] = path
        h.update(rel.encode() + b"\0" + file_sha(path).encode() + b"\0")
    for whl in sorted(wheel_dir.glob("*.whl")):
        files[f"{WHEELS_DIR}/{whl.name}"] = whl
        h.update(whl.name.encode() + b"\0")
    return _context_tar(files), h.hexdigest()


# --- the whole set -----------------------------------------------------------------------------------
def build_local(client, root: Path, out=sys.stdout, only: tuple[str, ...] = ()) -> list[Built]:
    """Build (or find cached) every local image; the base first, the others on it."""
    root = Path(root).resolve()
    refs = local_refs(root)
    suite, mirror = debian_suite(), debian_mirror()
    done: list[Built] = []

    def step(name: str, key: str, make) -> None:
        ref = refs[name]
        t0 = time.monotonic()
        if current(client, ref, key):
            done.append(Built(name, ref, key, "cached", time.monotonic() - t0))
            return
        make(ref, key)
        done.append(Built(name, ref, key, "built", time.monotonic() - t0))
        print("images: " + done[-1].line(), file=out, flush=True)

    bkey = base_key(suite, mirror)
    step("base", bkey, lambda ref, key: import_base(client, base_tarball(root, suite, mirror, out), ref, key))
    for m in MIRRORS:
        if only and m.name not in only:
            continue
        files, dockerfile = mirror_inputs(root, m)
        key = _sha(m.name, RECIPE, bkey, dockerfile, *(f"{n}={file_sha(p) if isinstance(p, Path) else _sha(p)}"
                                                    for n, p in sorted(files.items())))
        step(m.name, key, lambda ref, k, files=files, m=m: build_image(
            client, ref, k, m.name, _context_tar(files, dirs=("state",) if m.name == "ferretdb" else ()),
            {"BASE": refs["base"]}))
    if not only or "project" in only:
        wheel_dir = wheels(root, out)
        ctx, ckey = project_context(root, wheel_dir)
        key = _sha("project", RECIPE, bkey, ckey)
        step("project", key, lambda ref, k: build_image(client, ref, k, "project", ctx, {"BASE": refs["base"]}))
    return done


def missing(client, root: Path) -> list[str]:
    """Local images `--images local` needs that are not in the engine (fast: no keys computed)."""
    import docker

    out = []
    for name, ref in local_refs(root).items():
        try:
            client.images.get(ref)
        except docker.errors.ImageNotFound:
            out.append(ref)
    return out

