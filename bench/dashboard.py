"""Server time and query count of the statistics dashboard, the report download and the public
statistics, at scale.

    .venv/bin/python bench/dashboard.py [--complaints 1000000] [--requests 20]

It uses its own PostgreSQL database (BENCH_DATABASE_URL, default rp_stats_bench), creating,
migrating and seeding it when it holds fewer complaints than asked: seed_demo for the staff,
seed_bulk for the complaints and cases, then letters to the platforms for about a third of the
cases (seed_bulk writes none), with replies of every kind. It then rebuilds the daily summary
(statistics_rebuild) and times, through Django's test client as the analyst Omar, each page:
three warm-up requests, then --requests timed ones. Pages marked "miss" are timed with the cache
cleared before every request; the landing view is also timed as analysts get it, from the cache
that beat keeps warm.
Target: p95 <= 1000 ms and <= 20 queries per dashboard page.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.database import database_prepare  # noqa: E402

DEFAULT_URL = "postgres://root@127.0.0.1:5432/rp_stats_bench"


def letters_seed(rng: random.Random) -> None:
    """Batch letters of 50 cases for about a third of the cases, with acknowledgements, decisions
    and silences, as the scorecard sees them. Written directly, for speed, like seed_bulk."""
    from django.db import transaction

    from complaints.models import Case
    from notices.models import Letter, LetterCase, LetterType, Reply

    if Letter.objects.exists():
        return
    started = time.monotonic()
    cases = list(Case.objects.order_by("platform_id", "opened_at").values_list("pk", "platform_id", "opened_at"))
    chosen = [c for c in cases if rng.random() < 0.33]
    by_platform: dict[int, list] = {}
    for case in chosen:
        by_platform.setdefault(case[1], []).append(case)
    with transaction.atomic():
        for platform_id, platform_cases in by_platform.items():
            for i in range(0, len(platform_cases), 50):
                batch = platform_cases[i : i + 50]
                sent = max(c[2] for c in batch) + timedelta(days=rng.randrange(1, 10))
                letter = Letter.objects.create(
                    letter_type=LetterType.REINSTATEMENT_REQUEST,
                    our_reference=f"PTA-LB-{platform_id}-{i:07d}",
                    platform_id=platform_id,
                    legal_basis="PECA 2016 s.37",
                    subject="Reinstatement request",
                    body="…",
                    status=Letter.Status.SENT,
                    date_sent=sent,
                    response_due_at=sent + timedelta(hours=72),
                )
                LetterCase.objects.bulk_create([LetterCase(letter=letter, case_id=c[0]) for c in batch])
                if rng.random() < 0.5:
                    letter.replies.create(
                        received_at=sent + timedelta(hours=20), kind=Reply.Kind.ACKNOWLEDGEMENT, text="…"
                    )
                if rng.random() < 0.7:
                    days = rng.choice([1, 2, 3, 3, 5, 8, 13, 21])
                    letter.replies.create(received_at=sent + timedelta(days=days), kind=Reply.Kind.DECISION, text="…")
    print(f"letters: {Letter.objects.count():,} covering {len(chosen):,} cases in {time.monotonic() - started:.0f} s")


def timed(client, url: str, requests: int, before=None) -> tuple[float, float, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        if before:
            before()
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    reset_queries()
    if before:
        before()
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times = []
    for _ in range(requests):
        if before:
            before()
        start = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[18], len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # eager Celery and a local cache: nothing leaves the process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulator_portal.settings.local")
    import django

    django.setup()
    database_prepare(url, args.complaints)
    letters_seed(random.Random(2019))

    from django.contrib.auth.models import User
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY

    from complaints.models import Case, Complaint
    from complaints.services import staff_totp_enrol
    from notices.models import LetterCase
    from reports.services import summary_refresh_recent

    started = time.monotonic()
    call_command("statistics_rebuild", verbosity=0)
    rebuild = time.monotonic() - started
    started = time.monotonic()
    summary_refresh_recent()
    refresh = time.monotonic() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")

    omar = User.objects.get(username="omar")
    client = Client(HTTP_HOST="localhost")
    client.force_login(omar, backend="regulator_portal.backends.PortalModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = staff_totp_enrol(user=omar).persistent_id
    session.save()

    today = timezone.localdate()
    two_years = f"start={today - timedelta(days=2 * 366 - 1)}&end={today}"
    dashboard = "/admin/reports/complaintdaysummary/"
    pages = [
        ("dashboard landing, warm cache", dashboard, None),
        ("dashboard, last 13 weeks, cache miss", dashboard, cache.clear),
        ("dashboard, two years, per week, miss", f"{dashboard}?{two_years}", cache.clear),
        ("dashboard, two years, per day, miss", f"{dashboard}?{two_years}&granularity=day", cache.clear),
        ("dashboard, one platform, 13 weeks, miss", f"{dashboard}?platform=x", cache.clear),
        ("public statistics, cache miss", "/en/statistics/", cache.clear),
        ("open data JSON, cache miss", "/en/statistics/data.json", cache.clear),
    ]
    totals = (
        f"{Complaint.objects.count():,} complaints, {Case.objects.count():,} cases, "
        f"{LetterCase.objects.count():,} referrals"
    )
    print(f"\n{totals}; summary rebuilt in {rebuild:.1f} s, last days refreshed in {refresh * 1000:.0f} ms")
    print(f"{args.requests} requests per page\n")
    print(f"{'page':<40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    worst_p95, worst_queries = 0.0, 0
    for label, page_url, before in pages:
        p50, p95, queries = timed(client, page_url, args.requests, before)
        if label.startswith("dashboard"):
            worst_p95, worst_queries = max(worst_p95, p95), max(worst_queries, queries)
        print(f"{label:<40} {p50:>8.1f} {p95:>8.1f} {queries:>8}", flush=True)
    verdict = "met" if worst_p95 <= 1000 and worst_queries <= 20 else "NOT met"
    print(
        f"\ndashboard: worst p95 {worst_p95:.0f} ms, most queries {worst_queries}: target (1 s, 20 queries) {verdict}"
    )


if __name__ == "__main__":
    main()
