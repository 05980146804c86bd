# obsgate-sim:local: the project's own services (telemetry simulators, LLM gateway with a simulator
# backend, alert sink, log store). The stack builds it from the repo root (Service(build=".")) and picks
# the service with the command: python -m obsgate.sim.{telemetry,gateway,sink,logstore} ...
#
# BASE: python:3.11-slim from the registry by default (users, GitHub). `obsgate images build --local`
# passes a Debian base made by debootstrap (python3 + python3-venv) and puts the dependencies' wheels,
# built on the host, under .wheels/ in the context: then pip installs without any network.
ARG BASE=python:3.11-slim
FROM ${BASE}

# The simulators read the catalog and the rule scenarios from the project root at start.
# Inside a container, 127.0.0.1 is unreachable from the other services: bind every interface.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OBSGATE_ROOT=/app \
    OBSGATE_BIND_HOST=0.0.0.0 \
    PATH=/opt/obsgate/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

WORKDIR /app
# Dependencies first (a layer that survives code changes), then the project itself.
COPY pyproject.toml .dockerignore .wheels* /app/.deps/
RUN python3 -m venv /opt/obsgate \
    && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/app/.deps/pyproject.toml", "rb"))["project"]["dependencies"]))' \
       > /app/.deps/requirements.txt \
    && if ls /app/.deps/*.whl >/dev/null 2>&1; then set -- --no-index --find-links /app/.deps; fi \
    && /opt/obsgate/bin/pip install "$@" -r /app/.deps/requirements.txt \
    && useradd --system --no-create-home --uid 10001 obsgate \
    && mkdir -p /var/lib/obsgate && chown obsgate /var/lib/obsgate
COPY . /app
RUN if ls /app/.deps/*.whl >/dev/null 2>&1; then set -- --no-index --find-links /app/.deps; fi \
    && /opt/obsgate/bin/pip install --no-deps "$@" /app \
    && rm -rf /app/.deps /app/.wheels /app/build /app/*.egg-info \
    && (python3 -m compileall -q /app || echo "compileall: some modules do not compile; they fail when imported")
# compileall: the user cannot write /app, so without it every container would compile the project's
# modules again at each start (17 services at once on a small machine).
USER obsgate

# /var/lib/obsgate: the data dir of a service that keeps data (the log store standing in for Loki); a
# named volume mounted there starts owned by the service's user.
EXPOSE 3100 8089 9099 9101 9102
CMD ["python", "-m", "obsgate.sim.telemetry", "--job", "llm_guard", "--port", "9101"]
