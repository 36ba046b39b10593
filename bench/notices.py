"""Notices per second through a real Celery worker to a local SMTP server (aiosmtpd).

Uses its own PostgreSQL database (BENCH_DB_NAME, default portal_bench_notices, recreated each run)
and its own redis-server on a private port (6398 down to 6391, stopped at the end), so it never
touches the demo's or the tests' data, and nobody else's cache.clear() can flush its queue mid-run:

    .venv/bin/python bench/notices.py [--notices 2000] [--concurrency 2]

Two figures: end to end, from the commit that queues the notices (which publishes them) until every
row is SENT; and the workers' own rate, from the first claim to the last SENT as the rows record
them. Lost is a notice the SMTP server never received; a duplicate is a Message-ID it received more
than once, and an unflagged duplicate one whose row is not marked possible_duplicate. The load
average is printed because the machine may be shared. The per-channel rate limit is lifted for the
run; its production default is NOTICE_EMAIL_PER_SECOND.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = os.environ.get("BENCH_DB_NAME", "portal_bench_notices")
DATABASE_URL = f"postgres://root@127.0.0.1:5432/{DB_NAME}"


class CountingHandler:
    def __init__(self) -> None:
        self.message_ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.message_ids.append(line.split(b":", 1)[1].strip().decode())
                break
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def private_redis() -> tuple[subprocess.Popen[bytes], str]:
    for port in range(6398, 6390, -1):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                continue
        process = subprocess.Popen(
            ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return process, f"redis://127.0.0.1:{port}/0"
            time.sleep(0.05)
        process.kill()
    raise SystemExit("no free port in 6391-6398 for the bench's redis-server")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) of one process, 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


def group_cpu(pgid: int) -> float:
    """CPU seconds of every process in a process group: the worker and its pool children."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    total += process_cpu(int(entry.name))
            except OSError:
                continue
    return total


def worker_backends_cpu(database: str) -> float:
    """CPU seconds used by the PostgreSQL backends of the workers, which keep them for the whole run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND backend_type = 'client backend'",
            [database],
        )
        pids = [pid for (pid,) in cursor.fetchall()]
    total = sum(process_cpu(pid) for pid in pids)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    redis, redis_url = private_redis()
    handler = CountingHandler()
    smtp_port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "regulator_portal.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": redis_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
        "NOTICE_EMAIL_PER_SECOND": "0",  # 0 lifts the limit
        "LOG_LEVEL": "WARNING",
        "CELERY_SKIP_CHECKS": "1",
    }
    os.environ.update(env)
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)
    python = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)

    import django

    django.setup()
    from django.db import transaction
    from django.db.models import Max, Min

    from notices import services
    from notices.models import Notice

    worker = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "regulator_portal",
            "worker",
            "-Q",
            "notices,default,long",
            "-c",
            str(args.concurrency),
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        from regulator_portal.celery import app

        deadline = time.monotonic() + 60
        while not app.control.ping(timeout=0.5):
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit("the worker did not start")

        run = uuid.uuid4().hex[:8]
        load_before = os.getloadavg()
        worker_cpu_before = group_cpu(worker.pid)
        started = time.perf_counter()
        with transaction.atomic():
            for i in range(args.notices):
                services.notice_queue(
                    channel="EMAIL",
                    recipient_kind=Notice.RecipientKind.STAFF,
                    address=f"bench{i}@example.org",
                    kind="bench",
                    language="en",
                    subject=f"Bench notice {i}",
                    body="A notice from bench/notices.py.\n",
                    idempotency_key=f"bench:{run}:{i}",
                )
        queued = time.perf_counter()
        pending = Notice.objects.filter(idempotency_key__startswith=f"bench:{run}:").exclude(status="SENT")
        while pending.exists():
            if time.perf_counter() - started > 600:
                raise SystemExit(f"timed out with {pending.count()} notices unsent")
            time.sleep(0.05)
        finished = time.perf_counter()
        load_after = os.getloadavg()
        rows = Notice.objects.filter(idempotency_key__startswith=f"bench:{run}:")
        window = rows.aggregate(first=Min("claimed_at"), last=Max("sent_at"))
        flagged = set(rows.filter(possible_duplicate=True).values_list("provider_message_id", flat=True))
        expected = set(rows.values_list("provider_message_id", flat=True))
        database_cpu = worker_backends_cpu(DB_NAME)
        worker_cpu = group_cpu(worker.pid) - worker_cpu_before
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        controller.stop()
        redis.kill()
        redis.wait(timeout=10)

    elapsed = finished - started
    sending = (window["last"] - window["first"]).total_seconds()
    received = Counter(handler.message_ids)
    duplicates = {mid for mid, count in received.items() if count > 1}
    print(f"notices:            {args.notices} email notices, {args.concurrency} worker processes, SMTP on loopback")
    print(f"queued + committed: {queued - started:.2f} s (rows written, published on commit)")
    print(f"all SENT after:     {elapsed:.2f} s end to end: {args.notices / elapsed:.0f} notices/s")
    print(f"workers' rate:      {args.notices / sending:.0f} notices/s (first claim to last SENT, {sending:.2f} s)")
    print(f"received by SMTP:   {sum(received.values())} ({len(received)} distinct Message-IDs)")
    print(f"lost:               {len(expected - set(received))}")
    print(f"duplicates:         {len(duplicates)} ({len(duplicates - flagged)} unflagged)")
    print(f"worker CPU:         {worker_cpu * 1000 / args.notices:.2f} ms per notice (the worker and its processes)")
    print(f"database CPU:       {database_cpu * 1000 / args.notices:.2f} ms per notice (the workers' backends)")
    print(f"load average:       {load_before[0]:.2f} before, {load_after[0]:.2f} after (1 min, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
