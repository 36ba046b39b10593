# The two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test test-scale lint bench install services browser pango pgbouncer postgresql-server messages clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	PORT=$(PORT) bash scripts/run.sh

# The suite needs the real PostgreSQL and Redis, and Debian's Chromium for the browser tests.
test: install services browser pango pgbouncer postgresql-server
	if command -v msgfmt >/dev/null; then $(PY) manage.py compilemessages --ignore=.venv -v 0; fi
	DJANGO_SETTINGS_MODULE=regulator_portal.settings.test $(PY) manage.py makemigrations --check --dry-run -v 0
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# The scale-out engines on loopback (docs/deploy.md): a PostgreSQL primary and its pg_basebackup
# standby, PgBouncer in transaction mode, moto's S3 server and two gunicorn instances, on ports
# SCALE_PORT_BASE+1..+31 (8800 by default). Also part of `make test`, which runs every test.
test-scale: install services pgbouncer postgresql-server
	$(VENV)/bin/pytest tests/scale $(PYTEST_ARGS)

services:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && exit 0; sleep 1; done; echo "PostgreSQL or Redis did not start"; exit 1

browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# WeasyPrint (the monthly report's PDF) needs Debian's pango.
pango:
	@ldconfig -p | grep -q libpangoft2-1.0 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }

pgbouncer:
	@test -x /usr/sbin/pgbouncer || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null; }

# initdb, pg_ctl and pg_basebackup, for the scale tests' own primary and standby clusters.
postgresql-server:
	@ls /usr/lib/postgresql/*/bin/pg_basebackup >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy complaints notices reports regulator_portal

messages: install
	$(PY) manage.py makemessages -l ur --ignore=.venv --ignore=var --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

bench: install services
	$(PY) bench/admin_changelist.py
	$(PY) bench/notices.py
	$(PY) bench/exports.py
	$(PY) bench/evidence_memory.py
	$(PY) bench/fuzz.py
	$(PY) bench/dashboard.py
	$(PY) bench/landing.py
	$(PY) bench/scale_web.py
	$(PY) bench/intake.py --peer helpdesk --png
	$(PY) bench/burst.py

clean:
	rm -rf var/portal.sqlite3 var/mail var/sms var/private
