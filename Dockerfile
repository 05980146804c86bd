# obsgate-sim:local: the project's own services (telemetry simulators, LLM gateway with a simulator
# backend, alert sink). The stack builds it from the repo root (Service(build=".")) and picks the
# service with the command: python -m obsgate.sim.{telemetry,gateway,sink} ...
FROM python:3.11-slim

# The simulators read the catalog and the rule scenarios from the project root at start.
# Inside a container, 127.0.0.1 is unreachable from the other services: bind every interface.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OBSGATE_ROOT=/app \
    OBSGATE_BIND_HOST=0.0.0.0

WORKDIR /app
COPY . /app
RUN pip install /app \
    && useradd --system --no-create-home --uid 10001 obsgate
USER obsgate

EXPOSE 8089 9099 9101 9102
CMD ["python", "-m", "obsgate.sim.telemetry", "--job", "llm_guard", "--port", "9101"]
