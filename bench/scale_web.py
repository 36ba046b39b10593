"""Web CPU per submission under gunicorn with the production settings: the sizing input of docs/deploy.md.

    .venv/bin/python bench/scale_web.py [--seconds 20] [--clients 4] [--workers 2] [--port 8840]

Uses its own database (portal_bench_scale on the local PostgreSQL, recreated each run) and the Redis
database of TEST_REDIS_URL. A closed loop of clients each GETs the public form and POSTs a new
complaint about a new account (no evidence). It prints submissions per second, p50/p95 of the POST,
and the CPU that gunicorn's workers and their PostgreSQL backends spent per form + submission (from
/proc), hence submissions per second per web core and per database core. On a shared machine the
rate follows the load; the CPU per submission much less so: size from that.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.intake.test_deploy_check import production_env  # noqa: E402

DB_NAME = "portal_bench_scale"
KARACHI = ZoneInfo("Asia/Karachi")
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def backends() -> list[int]:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "root", "-d", "postgres", "-XAtc"]
        + [f"SELECT pid FROM pg_stat_activity WHERE datname = '{DB_NAME}'"],  # noqa: S608 - a constant
        capture_output=True,
        text=True,
    ).stdout
    return [int(p) for p in out.split()]


def form_data(platform_id: int, handle: str) -> dict[str, str]:
    """What tests/intake/conftest.py's form_data sends: a citizen's complete form, without evidence."""
    return {
        "full_name": "Farah Qureshi",
        "cnic": "35202-1234567-2",
        "mobile": "0300 1234567",
        "email": "farah@example.pk",
        "province": "PK-PB",
        "city": "Lahore",
        "preferred_language": "ur",
        "platform": str(platform_id),
        "account_handle": handle,
        "action_type": "ACCOUNT_SUSPENDED",
        "action_date": (datetime.now(KARACHI).date() - timedelta(days=3)).isoformat(),
        "platform_notice_text": "Your account was suspended for violating the X Rules.",
        "appealed_to_platform": "yes",
        "platform_appeal_ref": "0123456789",
        "category": "KASHMIR_SOLIDARITY",
        "narrative": "My account was suspended after I posted about Kashmir Solidarity Day.",
        "consent_share_with_platform": "on",
        "declaration": "on",
        "homepage": "",
    }


def screenshot() -> bytes:
    """A PNG of about 28 KB (issue 11 measured with 26 KB): random pixels, which PNG cannot shrink."""
    import io
    import random

    from PIL import Image

    rng = random.Random(11)
    image = Image.new("RGB", (120, 80))
    image.putdata([(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(120 * 80)])
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def client_loop(
    url: str, platform: int, stop: float, latencies: list[float], counts: dict, n: int, png: bytes | None = None
) -> None:
    session = requests.Session()
    i = 0
    while time.monotonic() < stop:
        i += 1
        page = session.get(f"{url}/en/complaints/new/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        cookie = page.cookies.get("csrftoken") or session.cookies.get("csrftoken")
        data = form_data(platform, f"@bench{n}x{i}x{time.monotonic_ns()}")
        data["csrfmiddlewaretoken"] = token
        started = time.perf_counter()
        response = session.post(
            f"{url}/en/complaints/new/",
            data=data,
            files={"evidence": ("screenshot.png", png, "image/png")} if png else None,
            headers={"Cookie": f"csrftoken={cookie}"},
            allow_redirects=False,
            timeout=30,
        )
        latencies.append(time.perf_counter() - started)
        counts[response.status_code] = counts.get(response.status_code, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8840)
    parser.add_argument("--png", action="store_true", help="attach one PNG of about 28 KB to every complaint")
    args = parser.parse_args()

    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "root", "--if-exists", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "root", DB_NAME], check=True)
    static = tempfile.mkdtemp(prefix="rp-bench-static-")
    env = production_env(
        DATABASE_URL=f"postgres://root@127.0.0.1:5432/{DB_NAME}",
        REDIS_URL=os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14"),
        CELERY_BROKER_URL="memory://",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SMS_BACKEND="notices.sms.FileBackend",
        COMPLAINT_RATE_PER_IP="1000000/h",
        COMPLAINT_FLOOD_RATE_PER_IP="1000000/h",
        COMPLAINT_RATE_PER_CNIC="1000000/d",
        STATIC_ROOT=static,
        LOG_LEVEL="WARNING",
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
    collect_env = {**env, "DJANGO_SETTINGS_MODULE": "tests.scale.collectstatic_settings"}
    subprocess.run([*manage, "collectstatic", "--no-input", "-v", "0"], env=collect_env, check=True, cwd=ROOT)
    out = subprocess.run(
        [*manage, "shell", "-c", "from tests.factories import platform_get; print('PK', platform_get('x').pk)"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    platform = int(out.split("PK")[-1])

    url = f"http://127.0.0.1:{args.port}"
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "regulator_portal.wsgi", "-b", f"127.0.0.1:{args.port}"]
        + ["-w", str(args.workers)],
        env=env,
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                if requests.get(f"{url}/en/complaints/new/", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        png = screenshot() if args.png else None
        # Warm every worker and its database connection before the clock starts.
        warm: list[float] = []
        client_loop(url, platform, time.monotonic() + 2, warm, {}, -1)

        workers = children(gunicorn.pid)
        db = backends()
        web_before, db_before = cpu_seconds(workers), cpu_seconds(db)
        latencies: list[float] = []
        counts: dict[int, int] = {}
        stop = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=client_loop, args=(url, platform, stop, latencies, counts, n, png))
            for n in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        db = sorted(set(db) | set(backends()))
        web_cpu = cpu_seconds(workers) - web_before
        db_cpu = cpu_seconds(db) - db_before
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=20)
        shutil.rmtree(static, ignore_errors=True)
    filed = counts.get(303, 0)
    latencies.sort()
    p50, p95 = statistics.median(latencies) * 1000, latencies[int(len(latencies) * 0.95)] * 1000
    print(f"responses: {counts}" + (f", one {len(png) // 1024} KB PNG each" if png else ", no evidence"))
    print(f"submissions per second: {filed / elapsed:.1f} ({args.clients} clients, {args.workers} gunicorn workers)")
    print(f"POST p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    print(
        f"web CPU per form + submission: {web_cpu / filed * 1000:.1f} ms -> {filed / web_cpu:.1f} per web core-second"
    )
    print(f"PostgreSQL CPU per submission: {db_cpu / filed * 1000:.1f} ms -> {filed / db_cpu:.1f} per db core-second")
    print(f"load: {Path('/proc/loadavg').read_text().strip()}")


if __name__ == "__main__":
    main()
