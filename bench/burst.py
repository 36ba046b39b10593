"""A campaign against the full running stack: complaints filed over HTTP, acknowledgements by email.

    .venv/bin/python bench/burst.py [--complaints 5000] [--accounts 300] [--clients 8]
                                    [--web-workers 3] [--worker-processes 2]

Everything runs on loopback, on ports 8600-8649: gunicorn with the production settings, a Celery
worker and exactly one beat, a redis-server of its own and an SMTP server (aiosmtpd, in this
process) that records when each acknowledgement arrives. The database is its own (BENCH_DB_NAME,
default portal_bench_burst), recreated each run. Closed loop: each client thread GETs the form and
POSTs it, then starts again, until the count is filed. The complaints are about --accounts accounts
spread over the platforms, each from a different citizen (CNIC, mobile, email).

It prints complaints filed per second and the p50/p95 of a GET + POST; complaints lost (a 303
without a row); accounts with more than one open case; cases assigned once the queue is drained;
and the p50/p95 lag from a complaint's receipt to its acknowledgement reaching the SMTP server,
matched by the reference in the message. The IP rate limit is lifted (every client is 127.0.0.1);
the email rate limit is production's unless --email-per-second says otherwise. The load average is
printed because the machine may be shared.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import hashlib
import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"

DB_NAME = os.environ.get("BENCH_DB_NAME", "portal_bench_burst")
DATABASE_URL = f"postgres://root@127.0.0.1:5432/{DB_NAME}"
PORTS = range(8600, 8650)
PLATFORMS = [
    ("x", "X (Twitter)", "x.com twitter.com"),
    ("facebook", "Facebook", "facebook.com fb.com"),
    ("instagram", "Instagram", "instagram.com"),
    ("youtube", "YouTube", "youtube.com"),
    ("tiktok", "TikTok", "tiktok.com"),
]
CASEWORKERS_PER_PLATFORM = 3
REFERENCE_RE = re.compile(r"PTA-(?:[A-Z]-)?\d{4}-\d+")
CSRF_FIELD_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class ArrivalHandler:
    """Records, for each reference an acknowledgement names, when each copy arrived."""

    def __init__(self) -> None:
        self.arrivals: dict[str, list[float]] = {}
        self.messages = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrived = time.time()
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages += 1
        found = REFERENCE_RE.search(str(message["Subject"] or ""))
        if found is None:
            body = message.get_body(preferencelist=("plain",))
            found = REFERENCE_RE.search(str(body.get_content()) if body is not None else "")
        if found is not None:
            self.arrivals.setdefault(found.group(0), []).append(arrived)
        return "250 OK"


def free_ports(count: int) -> list[int]:
    ports = []
    for port in PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                ports.append(port)
        if len(ports) == count:
            return ports
    raise SystemExit(f"fewer than {count} free ports in {PORTS.start}-{PORTS.stop - 1}")


def wait_until(predicate: Any, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def answers(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def form_fields(n: int, account: tuple[int, str]) -> dict[str, str]:
    platform_id, handle = account
    return {
        "full_name": "Farah Qureshi",
        "cnic": f"35202{n:07d}2",
        "mobile": f"+92300{n:07d}",
        "email": f"citizen{n}@example.pk",
        "province": "PK-PB",
        "city": "Lahore",
        "preferred_language": "ur" if n % 2 else "en",
        "platform": str(platform_id),
        "account_handle": handle,
        "account_url": "",
        "action_type": "ACCOUNT_SUSPENDED",
        "action_date": (datetime.now(UTC).date() - timedelta(days=3)).isoformat(),
        "platform_notice_text": "Your account was suspended for violating the Rules.",
        "appealed_to_platform": "no",
        "platform_appeal_ref": "",
        "category": "KASHMIR_SOLIDARITY",
        "narrative": "My account was suspended after I posted about Kashmir Solidarity Day.",
        "consent_share_with_platform": "on",
        "declaration": "on",
        "homepage": "",
    }


class Campaign:
    """Closed-loop clients: each takes the next complaint number, GETs the form, POSTs it."""

    def __init__(self, *, port: int, total: int, accounts: list[tuple[int, str]]) -> None:
        self.port = port
        self.total = total
        self.accounts = accounts
        self.next = 0
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.statuses: Counter[int | str] = Counter()

    def take(self) -> int | None:
        with self.lock:
            if self.next >= self.total:
                return None
            self.next += 1
            return self.next

    def client(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while (n := self.take()) is not None:
            started = time.perf_counter()
            try:
                status = self.file(conn, n)
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status = type(exc).__name__
            elapsed = time.perf_counter() - started
            with self.lock:
                self.statuses[status] += 1
                if status == 303:
                    self.latencies.append(elapsed)
        conn.close()

    def file(self, conn: http.client.HTTPConnection, n: int) -> int:
        path = "/ur/complaints/new/" if n % 2 else "/en/complaints/new/"
        conn.request("GET", path)
        page = conn.getresponse()
        html = page.read().decode()
        if page.status != 200:
            return page.status
        # The production settings mark the CSRF cookie Secure; this loopback client sends it anyway.
        cookie = next(
            value.split(";", 1)[0]
            for header, value in page.getheaders()
            if header.lower() == "set-cookie" and value.startswith("csrftoken=")
        )
        token = CSRF_FIELD_RE.search(html)
        if token is None:
            return -1
        body = urllib.parse.urlencode(
            {**form_fields(n, self.accounts[n % len(self.accounts)]), "csrfmiddlewaretoken": token.group(1)}
        )
        conn.request(
            "POST",
            path,
            body=body,
            headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
        )
        answer = conn.getresponse()
        answer.read()
        return answer.status


def psql(sql: str, database: str = "postgres") -> str:
    command = ["psql", "-h", "127.0.0.1", "-U", "root", "-d", database, "-tAc", sql]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def database_create(env: dict[str, str]) -> None:
    """A fresh database, copied from a migrated template kept while the migrations stay the same.

    Migrating from nothing takes most of a minute on a busy machine; copying a template, a second.
    """
    if not re.fullmatch(r"[a-z0-9_]+", DB_NAME):
        raise SystemExit("BENCH_DB_NAME: lower-case letters, digits and underscores only")
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/0*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    version = digest.hexdigest()[:16]
    template = f"{DB_NAME}_template"
    # The names are ours (DB_NAME is checked below), never input from elsewhere.
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{template}'") == "1"  # noqa: S608
    if (
        not exists
        or psql(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{template}'")  # noqa: S608
        != version
    ):
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "root", template], check=True)
        subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", template], check=True)
        migrate = [str(BIN / "python"), "manage.py", "migrate", "--no-input", "-v", "0"]
        subprocess.run(
            migrate, cwd=ROOT, env={**env, "DATABASE_URL": DATABASE_URL.replace(DB_NAME, template)}, check=True
        )
        psql(f"COMMENT ON DATABASE {template} IS '{version}'")
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", "-T", template, DB_NAME], check=True)


def static_collect(env: dict[str, str]) -> None:
    """collectstatic for the production settings' manifest, skipped while the project's files are unchanged.

    Compressing every file again costs a minute on a busy machine.
    """
    digest = hashlib.sha256()
    for path in sorted((ROOT / "static").rglob("*")):
        if path.is_file():
            digest.update(str(path).encode() + path.read_bytes())
    stamp = ROOT / "var" / "staticfiles" / ".bench-burst-digest"
    manifest = ROOT / "var" / "staticfiles" / "staticfiles.json"
    if manifest.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
        return
    collect = [str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env=env, check=True)
    stamp.write_text(digest.hexdigest())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=300)
    parser.add_argument("--clients", type=int, default=8, help="closed-loop client threads")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--worker-processes", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--email-per-second", type=int, default=None, help="NOTICE_EMAIL_PER_SECOND (0: no limit)")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    web_port, smtp_port, redis_port = free_ports(3)
    scratch = Path(tempfile.mkdtemp(prefix="burst-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "regulator_portal.settings.production",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "FIELD_ENCRYPTION_SALTS": secrets.token_hex(16),
        "PII_HASH_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "127.0.0.1",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "SECURE_SSL_REDIRECT": "false",
        "SMS_BACKEND": "notices.sms.FileBackend",
        "SMS_FILE_PATH": str(scratch / "sms"),
        "PRIVATE_MEDIA_ROOT": str(scratch / "private"),
        "COMPLAINT_RATE_PER_IP": "1000000/h",
        # Every client is 127.0.0.1: the ceiling on every POST from one address is lifted too.
        "COMPLAINT_FLOOD_RATE_PER_IP": "1000000/h",
        "LOG_LEVEL": "WARNING",
        "CELERY_SKIP_CHECKS": "1",
    }
    if args.email_per_second is not None:
        env["NOTICE_EMAIL_PER_SECOND"] = str(args.email_per_second)
    os.environ.update(env)

    setup_started = time.perf_counter()
    database_create(env)
    static_collect(env)

    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.db.models import Count

    from complaints.models import Case, Complaint, Platform, StaffProfile

    caseworkers = Group.objects.get_or_create(name="Caseworker")[0]
    platforms = []
    for slug, name, hosts in PLATFORMS:
        platform = Platform.objects.get_or_create(slug=slug, defaults={"name": name, "profile_hosts": hosts})[0]
        platforms.append(platform)
        for i in range(CASEWORKERS_PER_PLATFORM):
            user = User.objects.create_user(username=f"{slug}_caseworker{i}", email=f"{slug}{i}@pta.example")
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            user.groups.add(caseworkers)
            StaffProfile.objects.get_or_create(user=user)[0].platforms.set([platform])
    accounts = [(platforms[j % len(platforms)].pk, f"campaign_voice_{j}") for j in range(args.accounts)]

    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    handler = ArrivalHandler()
    smtp = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    celery = [str(BIN / "celery"), "-A", "regulator_portal"]
    processes = {
        "worker": [
            *celery,
            "worker",
            "-Q",
            "notices,default,long",
            "-c",
            str(args.worker_processes),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        "beat": [*celery, "beat", "-l", "WARNING", "-s", str(scratch / "celerybeat-schedule")],
        "gunicorn": [
            str(BIN / "gunicorn"),
            "regulator_portal.wsgi",
            "-w",
            str(args.web_workers),
            "-b",
            f"127.0.0.1:{web_port}",
            "--log-level",
            "warning",
        ],
    }
    running: list[subprocess.Popen[bytes]] = []
    try:
        wait_until(lambda: answers(redis_port), timeout=10, what="redis-server")
        for command in processes.values():
            # Their banners go to stdout; warnings and errors still show on stderr.
            running.append(
                subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
            )
        from regulator_portal.celery import app

        wait_until(lambda: bool(app.control.ping(timeout=0.5)), timeout=60, what="the Celery worker")
        wait_until(lambda: answers(web_port), timeout=60, what="gunicorn")
        ready = time.perf_counter()

        campaign = Campaign(port=web_port, total=args.complaints, accounts=accounts)
        threads = [threading.Thread(target=campaign.client) for _ in range(args.clients)]
        load_before = os.getloadavg()
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        load_after = os.getloadavg()

        filed = campaign.statuses[303]
        references = dict(Complaint.objects.values_list("reference", "received_at"))
        # The acknowledgements drain after the last POST; so does assignment, if a task does it.
        drain_started = time.perf_counter()
        deadline = time.monotonic() + max(60.0, 2 * elapsed)
        while time.monotonic() < deadline and not set(references) <= set(handler.arrivals):
            time.sleep(0.2)
        drained = time.perf_counter() - drain_started
        time.sleep(2.0)  # a late second copy would show here
        cases = Case.objects.all()
        assigned = cases.filter(assigned_to__isnull=False).count()
        doubled = (
            cases.filter(status__in=Case.OPEN_STATUSES)
            .values("platform", "account_handle_normalized")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
            .count()
        )
    finally:
        for process in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        smtp.stop()
        redis.kill()
        redis.wait(timeout=10)

    lags = [
        min(handler.arrivals[ref]) - received.timestamp()
        for ref, received in references.items()
        if ref in handler.arrivals
    ]
    unacknowledged = [ref for ref in references if ref not in handler.arrivals]
    repeated = sum(1 for ref in references if len(handler.arrivals.get(ref, [])) > 1)
    others = {status: count for status, count in campaign.statuses.items() if status != 303}
    print(
        f"campaign:            {args.complaints} complaints about {args.accounts} accounts, {args.clients} clients,"
        f" gunicorn -w {args.web_workers} (production settings), worker -c {args.worker_processes} + beat"
    )
    print(f"filed (303):         {filed} in {elapsed:.1f} s: {filed / elapsed:.1f} complaints/s")
    print(
        f"GET + POST:          p50 {percentile(campaign.latencies, 0.5) * 1000:.0f} ms,"
        f" p95 {percentile(campaign.latencies, 0.95) * 1000:.0f} ms"
    )
    print(f"other answers:       {others or 'none'}")
    print(f"complaints lost:     {filed - len(references)} (303s {filed}, rows {len(references)})")
    print(f"accounts with more than one open case: {doubled} ({cases.count()} cases)")
    print(f"cases assigned:      {assigned} of {cases.count()}")
    print(
        f"acknowledgements:    {len(references) - len(unacknowledged)} of {len(references)} arrived"
        f" ({repeated} more than once), queue drained {drained:.1f} s after the last POST"
    )
    print(
        f"acknowledgement lag: p50 {percentile(lags, 0.5):.2f} s, p95 {percentile(lags, 0.95):.2f} s"
        " (receipt to arrival at the SMTP server)"
    )
    print(
        f"load average:        {load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min, {os.cpu_count()} cores)"
    )
    print(f"setup:               {ready - setup_started:.1f} s (database, static files, processes)")


if __name__ == "__main__":
    main()
