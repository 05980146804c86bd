# obsgate — every target installs what it needs by itself (.venv/ and .tools/ are idempotent).
PY      := .venv/bin/python
OBSGATE := .venv/bin/obsgate
VENV    := .venv/.installed
# day-23-up proves every alert end to end, so it defaults to the time-compressed ci profile;
# `make day-23-up PROFILE=local` keeps real windows (most alert scenarios then need minutes and are skipped).
PROFILE ?= ci

.PHONY: setup tools generate check validate doctor test test-unit bench day-23-up day-23-down ci clean

$(VENV): pyproject.toml
	python3 -m venv .venv
	.venv/bin/pip install -q --disable-pip-version-check -e '.[dev]'
	touch $(VENV)

setup: $(VENV) tools

tools:
	python3 scripts/install_tools.py

generate: $(VENV)
	$(OBSGATE) generate

check: $(VENV)
	$(OBSGATE) generate --check

validate: setup
	$(OBSGATE) validate

doctor: $(VENV)
	$(OBSGATE) doctor

# The docker live tests get an engine from scripts/docker_engine.py: the one that answers, else a private
# dockerd (root on Debian) stopped when pytest ends, else they report skipped with the reason.
test: setup
	$(PY) scripts/docker_engine.py run -- $(PY) -m pytest -q $(PYTEST_ARGS)

test-unit: setup
	$(PY) -m pytest -q -m "not live" $(PYTEST_ARGS)

bench: setup
	$(PY) scripts/bench.py

day-23-up: setup
	$(OBSGATE) up --profile $(PROFILE)
	$(OBSGATE) smoke
	$(OBSGATE) preview
	@$(PY) -m obsgate.runtime.urls

day-23-down: $(VENV)
	$(OBSGATE) down

ci: setup
	$(OBSGATE) ci --profile ci

clean:
	rm -rf .venv .run
