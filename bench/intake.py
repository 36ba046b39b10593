"""Citizen intake under load: the portal's complaint form under gunicorn, optionally beside django-helpdesk.

    .venv/bin/python bench/intake.py [--peer helpdesk] [--png] [--seconds 20] [--max 2000]
                                     [--clients 8] [--reps 3] [--workers 5]
    (environment: BENCH_PORTS=8501,8502 BENCH_DB_SUFFIX= BENCH_REDIS_URL=redis://127.0.0.1:6379/6)

Each target runs under gunicorn (sync workers) with production settings on loopback, against its own
PostgreSQL database (rp_intake_bench, rp_intake_helpdesk: dropped and recreated each run). A
closed-loop load generator (threads, one new TCP connection per request, as a browser without
keep-alive to a sync worker) GETs the form, reads its CSRF token and POSTs it: a new account each
time, optionally with one 26 KB PNG. Each phase is bounded by --seconds and --max submissions, and the
targets are interleaved rep by rep so a burst of load from elsewhere on the machine hits both.

Per phase it prints submissions per second, p50 and p95 of the whole form + submission cycle,
web CPU per form + submission (utime + stime from /proc of the gunicorn workers and of their
PostgreSQL backends, found in pg_stat_activity by application_name), the Celery worker's CPU per
submission (the portal assigns and acknowledges in a worker; helpdesk does everything in the
request), and SQL statements per submission. Statements are counted in a separate short phase with a
WSGI wrapper that installs Django's execute_wrapper and records BEGIN/COMMIT as the query-count test
does (pg_stat_statements is not available here, and pg_stat_database counts transactions, not
statements); the timed phases run without it.

With --peer helpdesk it installs django-helpdesk 2.6.1 into var/bench/helpdesk-venv (pip from the
registry), generates a minimal Django project for it under var/bench/ (not committed), and submits
its public ticket form (/tickets/submit/) the same way. Ratios are printed from the same run.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
VENV_BIN = Path(sys.executable).parent
HELPDESK_VENV = VAR / "helpdesk-venv"
HELPDESK_PROJECT = VAR / "helpdesk_project"
# Several people may bench on one machine: BENCH_DB_SUFFIX and BENCH_PORTS ("portal,helpdesk") keep
# each run on its own databases and ports.
_SUFFIX = os.environ.get("BENCH_DB_SUFFIX", "")
PORTAL_DB, HELPDESK_DB = f"rp_intake_bench{_SUFFIX}", f"rp_intake_helpdesk{_SUFFIX}"
PORTAL_PORT, HELPDESK_PORT = (int(port) for port in os.environ.get("BENCH_PORTS", "8501,8502").split(","))
CLK_TCK = os.sysconf("SC_CLK_TCK")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SQL_LOG = VAR / "sql-count.log"

# Installed into every target's WSGI entry point when SQL counting is on (BENCH_SQL_LOG): one line
# per request, "METHOD PATH STATEMENTS", transaction control included.
SQL_COUNTER = """
import os

from django.db import connections


def counting(application):
    path = os.environ.get("BENCH_SQL_LOG")
    if not path:
        return application

    def app(environ, start_response):
        seen = []
        state = {"open": False}
        connection = connections["default"]

        def wrapper(execute, sql, params, many, context):
            if not connection.get_autocommit() and not state["open"]:
                seen.append("BEGIN")
                state["open"] = True
            seen.append(sql)
            return execute(sql, params, many, context)

        commit, rollback = connection.commit, connection.rollback

        def ended(name, original):
            def end():
                if state["open"]:
                    seen.append(name)
                    state["open"] = False
                original()
            return end

        connection.commit, connection.rollback = ended("COMMIT", commit), ended("ROLLBACK", rollback)
        try:
            with connection.execute_wrapper(wrapper):
                result = application(environ, start_response)
                body = list(result)
                if hasattr(result, "close"):
                    result.close()
        finally:
            del connection.commit, connection.rollback
        with open(path, "a") as log:
            log.write(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} {len(seen)}\\n")
        return body

    return app
"""


# --- processes and /proc -------------------------------------------------------------------------


def psql(db: str, sql: str) -> str:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", db, "-Atqc", sql], check=True, capture_output=True, text=True
    )
    return out.stdout.strip()


def database_recreate(name: str) -> str:
    psql("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql("postgres", f'CREATE DATABASE "{name}"')
    return f"postgres://root@127.0.0.1:5432/{name}"


def ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return found


def backends(db: str, application: str) -> list[int]:
    # Both names are this script's constants.
    where = f"datname = '{db}' AND application_name = '{application}'"
    rows = psql("postgres", "SELECT pid FROM pg_stat_activity WHERE " + where)  # noqa: S608
    return [int(p) for p in rows.split()] if rows else []


def wait_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"process on port {port} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing listens on {port}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass
class CpuMeter:
    """CPU ticks of a set of processes found afresh at each reading (backends come and go)."""

    find: list  # callables returning pids
    start: dict[int, int] = field(default_factory=dict)

    def begin(self) -> None:
        self.start = {pid: ticks(pid) for f in self.find for pid in f()}

    def seconds(self) -> float:
        now = {pid: ticks(pid) for f in self.find for pid in f()}
        return sum(t - self.start.get(pid, 0) for pid, t in now.items()) / CLK_TCK


# --- the targets ---------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    port: int
    form_path: str
    post_path: str
    db: str
    fields: callable  # (n) -> dict of form fields
    file_field: str
    ok_status: tuple[int, ...] = (302, 303)
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    web_cpu: CpuMeter | None = None
    worker_cpu: CpuMeter | None = None


def portal_env(database_url: str, redis_url: str, sql_log: str = "") -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "regulator_portal.settings.production",
        "SECRET_KEY": "bench-only-" + "k" * 50,
        "FIELD_ENCRYPTION_SALTS": "bench-only-salt",
        "PII_HASH_KEY": "bench-only-pii-hash-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": "dummymail://",
        "SMS_BACKEND": "notices.sms.FileBackend",
        "SMS_FILE_PATH": str(VAR / "sms"),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{PORTAL_PORT}",
        "SECURE_SSL_REDIRECT": "False",
        "PRIVATE_MEDIA_ROOT": str(VAR / "private"),
        "COMPLAINT_RATE_PER_IP": "100000000/h",
        "COMPLAINT_FLOOD_RATE_PER_IP": "100000000/h",
        "COMPLAINT_RATE_PER_CNIC": "100000000/d",
        "NOTICE_EMAIL_PER_SECOND": "100000",
        "PGAPPNAME": "bench-web",
        "BENCH_SQL_LOG": sql_log,
        "PYTHONPATH": f"{VAR}:{ROOT}",
    }


def portal_setup(redis_url: str) -> tuple[str, int]:
    url = database_recreate(PORTAL_DB)
    env = portal_env(url, redis_url)
    manage = [str(VENV_BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    staff = (
        "from django.contrib.auth.models import Group, User\n"
        "from complaints.models import Platform, StaffProfile\n"
        "for name in ('ayesha', 'danish', 'erum'):\n"
        "    u = User.objects.create_user(name, password=None, is_staff=True)\n"
        "    u.groups.add(Group.objects.get(name='Caseworker'))\n"
        "    StaffProfile.objects.get_or_create(user=u)\n"
        "p, _ = Platform.objects.get_or_create(slug='x', defaults={'name': 'X (Twitter)', 'profile_hosts': 'x.com'})\n"
        "print(p.pk)\n"
    )
    out = subprocess.run([*manage, "shell", "-c", staff], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    (VAR / "bench_wsgi_counting.py").write_text(SQL_COUNTER)
    (VAR / "portal_wsgi.py").write_text(
        "from bench_wsgi_counting import counting\nfrom regulator_portal.wsgi import application as app\n"
        "application = counting(app)\n"
    )
    return url, int(out.stdout.strip().splitlines()[-1])


def portal_fields(platform_id: int):  # type: ignore[no-untyped-def]
    def fields(n: str) -> dict[str, str]:
        return {
            "full_name": "Farah Qureshi",
            "cnic": "35202-1234567-2",
            "mobile": "0300 1234567",
            "email": "farah@example.pk",
            "province": "PK-PB",
            "city": "Lahore",
            "preferred_language": "ur",
            "platform": str(platform_id),
            "account_handle": f"@bench{n}",
            "account_url": "",
            "action_type": "ACCOUNT_SUSPENDED",
            "action_date": time.strftime("%Y-%m-%d", time.localtime(time.time() - 3 * 86400)),
            "platform_notice_text": "Your account was suspended for violating the X Rules.",
            "appealed_to_platform": "yes",
            "platform_appeal_ref": "0123456789",
            "category": "KASHMIR_SOLIDARITY",
            "narrative": "My account was suspended after I posted about Kashmir Solidarity Day.",
            "consent_share_with_platform": "on",
            "declaration": "on",
            "homepage": "",
        }

    return fields


HELPDESK_SETTINGS = """
import os
BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = "bench-only-" + "h" * 50
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions",
    "django.contrib.messages", "django.contrib.staticfiles", "django.contrib.sites", "django.contrib.humanize",
    "rest_framework", "helpdesk",
]
HELPDESK_TEAMS_MODE_ENABLED = False
SITE_ID = 1
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "hdbench.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.debug", "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth", "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["HELPDESK_DB"], "USER": "root",
    "HOST": "127.0.0.1", "PORT": "5432", "CONN_MAX_AGE": 60,
}}
STATIC_URL = "/static/"
STATIC_ROOT = os.path.join(BASE_DIR, "static")
MEDIA_ROOT = os.path.join(BASE_DIR, "media")
MEDIA_URL = "/media/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
USE_TZ = True
LOGIN_URL = "/login/"
HELPDESK_PUBLIC_ENABLED = True
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
"""

HELPDESK_URLS = """
from django.urls import include, path
urlpatterns = [path("", include("helpdesk.urls", namespace="helpdesk"))]
"""


def helpdesk_env(sql_log: str = "") -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "PYTHONPATH"}},
        "DJANGO_SETTINGS_MODULE": "hdbench.settings",
        "HELPDESK_DB": HELPDESK_DB,
        "PGAPPNAME": "bench-web",
        "BENCH_SQL_LOG": sql_log,
        "PYTHONPATH": f"{HELPDESK_PROJECT}:{VAR}",
    }


def helpdesk_setup() -> int:
    python = HELPDESK_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(HELPDESK_VENV)], check=True)
    if subprocess.run([str(python), "-c", "import helpdesk, gunicorn, psycopg"], capture_output=True).returncode:
        subprocess.run(
            [
                str(HELPDESK_VENV / "bin" / "pip"),
                "install",
                "-q",
                "django-helpdesk==2.6.1",
                "psycopg[binary]",
                "gunicorn",
            ],
            check=True,
        )
    package = HELPDESK_PROJECT / "hdbench"
    package.mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "settings.py").write_text(HELPDESK_SETTINGS)
    (package / "urls.py").write_text(HELPDESK_URLS)
    (package / "wsgi.py").write_text(
        "from bench_wsgi_counting import counting\nfrom django.core.wsgi import get_wsgi_application\n"
        "application = counting(get_wsgi_application())\n"
    )
    (VAR / "bench_wsgi_counting.py").write_text(SQL_COUNTER)
    database_recreate(HELPDESK_DB)
    env = helpdesk_env()
    run = [
        str(python),
        "-c",
        "import django, sys; from django.core.management import execute_from_command_line as e; e(sys.argv)",
    ]
    subprocess.run([*run, "migrate", "--noinput", "-v0"], env=env, check=True, cwd=HELPDESK_PROJECT)
    subprocess.run([*run, "collectstatic", "--noinput", "-v0"], env=env, check=True, cwd=HELPDESK_PROJECT)
    queue = (
        "from helpdesk.models import Queue\n"
        "q = Queue.objects.create(title='Complaints', slug='complaints', allow_public_submission=True)\n"
        "print(q.pk)\n"
    )
    out = subprocess.run(
        [*run, "shell", "-c", queue], env=env, check=True, cwd=HELPDESK_PROJECT, capture_output=True, text=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def helpdesk_fields(queue_id: int):  # type: ignore[no-untyped-def]
    def fields(n: str) -> dict[str, str]:
        return {
            "queue": str(queue_id),
            "title": f"Account @bench{n} suspended",
            "body": "My account was suspended after I posted about Kashmir Solidarity Day.",
            "submitter_email": f"bench{n}@example.pk",
            "priority": "3",
            "due_date": "",
        }

    return fields


def gunicorn(bin_dir: Path, app: str, port: int, workers: int, env: dict[str, str], cwd: Path):  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [str(bin_dir / "gunicorn"), app, "-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env,
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(VAR / f"gunicorn-{port}.log", "ab"),
    )


# --- the load generator --------------------------------------------------------------------------


def png_26k() -> bytes:
    """A deterministic screenshot-like PNG of about 26 KB."""
    import random

    from PIL import Image, ImageDraw

    rng = random.Random(7)
    image = Image.new("RGB", (480, 360), (240, 240, 240))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randrange(480), rng.randrange(360)
        draw.rectangle(
            [x, y, x + rng.randrange(60), y + rng.randrange(10)], fill=tuple(rng.randrange(256) for _ in range(3))
        )
    for _ in range(20):
        draw.text((rng.randrange(400), rng.randrange(340)), "Account suspended @handle 12:30", fill=(0, 0, 0))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def request(port: int, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Set-Cookie") or "", response.read()
    finally:
        connection.close()


def multipart(fields: dict[str, str], file_field: str, png: bytes | None) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    if png is not None:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="screenshot.png"\r\n'
            "Content-Type: image/png\r\n\r\n".encode()
            + png
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def one_submission(target: Target, n: str, png: bytes | None) -> bool:
    status, cookie, body = request(target.port, "GET", target.form_path)
    match = CSRF_INPUT.search(body.decode("utf-8", "replace"))
    csrf = re.search(r"csrftoken=([^;]+)", cookie)
    if status != 200 or not match or not csrf:
        return False
    # The production cookie is Secure; a browser over plain loopback HTTP would keep it anyway for us.
    fields = {"csrfmiddlewaretoken": match.group(1), **target.fields(n)}
    data, content_type = multipart(fields, target.file_field, png)
    status, _, _ = request(
        target.port,
        "POST",
        target.post_path,
        data,
        {"Content-Type": content_type, "Cookie": f"csrftoken={csrf.group(1)}"},
    )
    return status in target.ok_status


@dataclass
class Phase:
    target: str
    png: bool
    done: int
    failed: int
    seconds: float
    latencies: list[float]
    web_cpu: float
    worker_cpu: float

    @property
    def rate(self) -> float:
        return self.done / self.seconds

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")

    @property
    def web_ms(self) -> float:
        return self.web_cpu * 1000 / max(self.done, 1)

    @property
    def worker_ms(self) -> float:
        return self.worker_cpu * 1000 / max(self.done, 1)


def load(target: Target, *, clients: int, seconds: float, limit: int, png: bytes | None, tag: str) -> Phase:
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"started": 0, "failed": 0}
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        while time.monotonic() < stop_at:
            with lock:
                if counts["started"] >= limit:
                    return
                counts["started"] += 1
                n = f"{tag}{counts['started']}"
            began = time.monotonic()
            ok = one_submission(target, n, png)
            with lock:
                if ok:
                    latencies.append(time.monotonic() - began)
                else:
                    counts["failed"] += 1

    assert target.web_cpu is not None
    target.web_cpu.begin()
    if target.worker_cpu:
        target.worker_cpu.begin()
    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    web = target.web_cpu.seconds()
    # The worker finishes its queue after the last request; give it a moment to drain.
    if target.worker_cpu:
        time.sleep(2)
    worker = target.worker_cpu.seconds() if target.worker_cpu else 0.0
    return Phase(target.name, png is not None, len(latencies), counts["failed"], elapsed, latencies, web, worker)


def sql_per_submission(
    target: Target, bin_dir: Path, app: str, env: dict[str, str], cwd: Path, png: bytes | None
) -> float:
    """A short phase under the counting wrapper: statements per POST (its GET not included)."""
    SQL_LOG.unlink(missing_ok=True)
    server = gunicorn(bin_dir, app, target.port, 1, {**env, "BENCH_SQL_LOG": str(SQL_LOG)}, cwd)
    try:
        wait_port(target.port, server)
        for i in range(20):
            one_submission(target, f"sql{secrets.token_hex(3)}{i}", png)
    finally:
        stop(server)
    posts = [int(line.split()[2]) for line in SQL_LOG.read_text().splitlines() if line.startswith("POST")]
    return statistics.median(posts[5:]) if len(posts) > 5 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", choices=["helpdesk"], default=None)
    parser.add_argument("--png", action="store_true", help="also run every target with one 26 KB PNG attached")
    parser.add_argument("--seconds", type=float, default=20.0)
    # A bound that a 10-second phase does not reach: a phase cut short by it ends on a half-idle tail.
    parser.add_argument("--max", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument(
        "--portal-env", action="append", default=[], metavar="NAME=VALUE", help="extra environment for the portal"
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"))
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    png = png_26k()

    targets: list[tuple[Target, Path, str, dict[str, str], Path]] = []
    url, platform_id = portal_setup(args.redis_url)
    portal = Target(
        "portal",
        PORTAL_PORT,
        "/en/complaints/new/",
        "/en/complaints/new/",
        PORTAL_DB,
        portal_fields(platform_id),
        "evidence",
    )
    extra = dict(item.split("=", 1) for item in args.portal_env)
    targets.append((portal, VENV_BIN, "portal_wsgi:application", {**portal_env(url, args.redis_url), **extra}, ROOT))
    if args.peer == "helpdesk":
        queue_id = helpdesk_setup()
        helpdesk = Target(
            "helpdesk",
            HELPDESK_PORT,
            "/tickets/submit/",
            "/tickets/submit/",
            HELPDESK_DB,
            helpdesk_fields(queue_id),
            "attachment",
        )
        targets.append((helpdesk, HELPDESK_VENV / "bin", "hdbench.wsgi:application", helpdesk_env(), HELPDESK_PROJECT))

    pngs: list[bytes | None] = [None, png] if args.png else [None]
    sql = {(t.name, p is not None): sql_per_submission(t, b, a, e, c, p) for t, b, a, e, c in targets for p in pngs}

    worker = subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "regulator_portal",
            "worker",
            "-Q",
            "default,notices,long",
            "-c",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env={**targets[0][3], "PGAPPNAME": "bench-worker"},
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=open(VAR / "worker.log", "ab"),  # noqa: SIM115 - the worker's own log, open while it runs
    )
    for target, bin_dir, app, env, cwd in targets:
        target.server = gunicorn(bin_dir, app, target.port, args.workers, env, cwd)
        wait_port(target.port, target.server)
        master = target.server.pid
        target.web_cpu = CpuMeter([lambda m=master: children(m), lambda d=target.db: backends(d, "bench-web")])
    portal.worker_cpu = CpuMeter(
        [lambda: [worker.pid, *children(worker.pid)], lambda: backends(PORTAL_DB, "bench-worker")]
    )

    phases: list[Phase] = []
    try:
        for target, *_ in targets:  # warm-up: imports, connections, template caches
            load(target, clients=args.clients, seconds=3, limit=50, png=None, tag=f"w{target.name}")
        for rep in range(args.reps):
            for p in pngs:
                for target, *_ in targets:
                    phase = load(
                        target,
                        clients=args.clients,
                        seconds=args.seconds,
                        limit=args.max,
                        png=p,
                        tag=f"r{rep}{'p' if p else ''}x",
                    )
                    phases.append(phase)
                    print(
                        f"rep {rep + 1} {target.name:8s} png={'yes' if p else 'no ':3s} {phase.rate:6.1f}/s "
                        f"p50 {phase.pct(0.5):6.1f} ms p95 {phase.pct(0.95):6.1f} ms "
                        f"web CPU {phase.web_ms:5.1f} ms worker CPU {phase.worker_ms:5.1f} ms "
                        f"({phase.done} ok, {phase.failed} failed)",
                        flush=True,
                    )
    finally:
        for target, *_ in targets:
            if target.server:
                stop(target.server)
        stop(worker)

    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} (2 cores, shared)")
    header = ("target", "png", "subm/s", "p50 ms", "p95 ms", "web CPU", "worker", "SQL")
    print("{:10s} {:4s} {:>7s} {:>7s} {:>7s} {:>8s} {:>7s} {:>4s}".format(*header))
    summary: dict[tuple[str, bool], tuple[float, float]] = {}
    for target, *_ in targets:
        for p in pngs:
            mine = [ph for ph in phases if ph.target == target.name and ph.png == (p is not None)]
            rate = statistics.median(ph.rate for ph in mine)
            web = statistics.median(ph.web_ms for ph in mine)
            lat = sorted(x for ph in mine for x in ph.latencies)
            p50 = lat[len(lat) // 2] * 1000 if lat else float("nan")
            p95 = lat[int(0.95 * len(lat))] * 1000 if lat else float("nan")
            summary[(target.name, p is not None)] = (rate, web)
            print(
                f"{target.name:10s} {'yes' if p else 'no':4s} {rate:7.1f} {p50:7.1f} {p95:7.1f} {web:7.1f}ms "
                f"{statistics.median(ph.worker_ms for ph in mine):6.1f}ms {sql[(target.name, p is not None)]:4.0f}"
            )
    if args.peer:
        for p in pngs:
            key = p is not None
            (prate, pweb), (hrate, hweb) = summary[("portal", key)], summary[(args.peer, key)]
            print(
                f"ratio {'with one PNG' if key else 'no evidence '}: submissions/s {prate / hrate:.2f}x "
                f"(target >= 2), web CPU {pweb / hweb:.2f}x (target <= 0.5)"
            )


if __name__ == "__main__":
    main()
