#!/usr/bin/env bash
# `make run`: migrate, seed the demo, print the logins and serve until Ctrl-C or SIGTERM.
# With DATABASE_URL and REDIS_URL set it also runs a Celery worker (every queue) and beat.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PORT="${PORT:-8000}"

if command -v msgfmt >/dev/null; then $PY manage.py compilemessages --ignore=.venv -v 0; fi
$PY manage.py migrate --no-input -v 0
$PY manage.py collectstatic --no-input -v 0
$PY manage.py seed_demo
# Without beat (the embedded default) nothing else fills the statistics summary.
$PY manage.py statistics_rebuild

pids=()
stop() {
  trap - INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
  exit 0
}
trap stop INT TERM

if [[ -n "${DATABASE_URL:-}" && -n "${REDIS_URL:-}" ]]; then
  queues=$($PY -c 'from django.conf import settings; import django; django.setup(); print(",".join(settings.CELERY_TASK_QUEUES_ALL))' 2>/dev/null || echo default,notices,long)
  .venv/bin/celery -A regulator_portal worker -Q "$queues" -c 2 --without-gossip --without-mingle -l INFO &
  pids+=($!)
  .venv/bin/celery -A regulator_portal beat -l INFO -s var/celerybeat-schedule &
  pids+=($!)
  echo "Celery worker (queues $queues) and beat are running."
else
  echo "No DATABASE_URL/REDIS_URL: SQLite under var/, tasks run in-process, mail is written to var/mail/."
fi

echo
echo "  Public form:   http://127.0.0.1:${PORT}/en/complaints/new/   (Urdu: /ur/complaints/new/)"
echo "  Tracking:      http://127.0.0.1:${PORT}/en/complaints/track/"
echo "  Staff admin:   http://127.0.0.1:${PORT}/admin/"
echo "  Health:        http://127.0.0.1:${PORT}/healthz"
echo
$PY manage.py runserver "127.0.0.1:${PORT}" --noreload &
pids+=($!)
wait "${pids[-1]}"
