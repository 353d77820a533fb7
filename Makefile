# LBS Register. `make run` serves the demo district; `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3

.PHONY: run test lint bench install chromium pango translations messages clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: pango $(VENV)/.installed

# The server on 127.0.0.1:5000 with a worker beside it (mails with LBS_SMTP_URL); stopping one stops both.
run: install
	$(FLASK) db upgrade
	$(FLASK) lbs seed-demo
	@$(FLASK) lbs worker & worker=$$!; \
	$(FLASK) run --host 127.0.0.1 --port 5000 & server=$$!; \
	trap 'kill $$server $$worker 2>/dev/null; wait $$server $$worker 2>/dev/null' EXIT INT TERM; \
	wait $$server

chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# WeasyPrint (the review pack's PDF) needs Debian's Pango and a font with æøå.
pango:
	@{ /sbin/ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so.0' && /sbin/ldconfig -p | grep -q 'libpangoft2-1.0.so.0' \
	  && /sbin/ldconfig -p | grep -q 'libharfbuzz-subset.so.0' && test -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf; } || { \
	  echo "Installing Debian's Pango and DejaVu fonts for WeasyPrint"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq \
	    libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null; }

test: install chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Re-extract the messages and merge them into the Danish catalog (then translate the new entries).
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ --ignore-dirs '.* .venv' -o /tmp/lbs-messages.pot .
	$(VENV)/bin/pybabel update -i /tmp/lbs-messages.pot -d lbs/translations -l da --width 110

# Seed 100 000 decisions (BENCH_SCALE=large: 1 000 000), serve them with gunicorn and measure; also on
# PostgreSQL when LBS_TEST_DATABASE_URL is set. Writes bench/results.json.
bench: install
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
