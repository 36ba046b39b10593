"""Server time and query count of each role's landing page, and of every list its counts link to.

    .venv/bin/python bench/landing.py [--complaints 1000000] [--requests 20]

The database is bench/admin_changelist.py's (BENCH_DATABASE_URL, seeded the same way), plus a few
thousand synthetic letters in every status when it has none, so that the letter counts have rows
to count. Each page is requested as its role (sana, zara, ayesha) through Django's test client,
after warm-up requests; every count link on it is requested too, and its changelist must show the
number the landing page showed (the same check as tests/cases/test_landing.py, at scale).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.admin_changelist import DEFAULT_URL, database_prepare  # noqa: E402


def letters_seed(n: int) -> None:
    """Letters in every status across the platforms, a third of the sent ones past their reply-by date."""
    from datetime import timedelta

    from django.utils import timezone

    from complaints.models import Platform
    from notices.models import Letter, LetterType

    if Letter.objects.exists():
        return
    now = timezone.now()
    platforms = list(Platform.objects.all())
    statuses = [Letter.Status.DRAFT, Letter.Status.APPROVED, Letter.Status.SENT, Letter.Status.REPLIED]
    Letter.objects.bulk_create(
        [
            Letter(
                letter_type=LetterType.REINSTATEMENT_REQUEST,
                our_reference=f"PTA-LB-2026-{i:07d}",
                platform=platforms[i % len(platforms)],
                legal_basis="PECA 2016 s.37",
                subject="Reinstatement request",
                body="Please restore the accounts listed.",
                status=statuses[i % len(statuses)],
                date_sent=now - timedelta(days=i % 30),
                response_due_at=now + timedelta(days=(i % 9) - 6),
            )
            for i in range(n)
        ],
        batch_size=1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--letters", type=int, default=4000)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # eager Celery and a local cache: nothing leaves the process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulator_portal.settings.local")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the responses carry their context: the changelist's result count
    database_prepare(url, args.complaints)
    letters_seed(args.letters)

    from django.contrib.auth.models import User
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY

    from complaints.models import Case, Complaint
    from complaints.services import staff_totp_enrol
    from tests.cases.test_landing import count_links

    def client_for(username: str) -> Client:
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="regulator_portal.backends.PortalModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = staff_totp_enrol(user=user).persistent_id
        session.save()
        return client

    pages = [
        ("sana", "supervisor landing", "/admin/"),
        ("zara", "correspondence officer landing", "/admin/"),
        ("ayesha", "caseworker landing (my cases)", "/admin/complaints/case/my/"),
    ]
    print(f"\n{Complaint.objects.count():,} complaints, {Case.objects.count():,} cases; {args.requests} requests\n")
    print(f"{'page':<44} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    for username, label, url in pages:
        client = client_for(username)
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            html = client.get(url).content.decode()
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        p95 = statistics.quantiles(times, n=20)[18]
        print(f"{label:<44} {statistics.median(times):>8.1f} {p95:>8.1f} {len(queries):>8}", flush=True)
        for href, shown in count_links(html):
            start = time.perf_counter()
            response = client.get(href)
            assert response.status_code == 200, (href, response.status_code, response.get("Location"))
            listed = response.context["cl"].result_count
            took = (time.perf_counter() - start) * 1000
            verdict = "" if listed == min(shown, 1000) else f"  MISMATCH: list shows {listed}"
            print(f"  {shown:>7} {href[:60]:<60} {took:>7.1f} ms{verdict}", flush=True)


if __name__ == "__main__":
    main()
