"""Server time and query count of the main admin pages at a million complaints.

    .venv/bin/python bench/admin_changelist.py [--complaints 1000000] [--requests 30]

It uses its own PostgreSQL database (BENCH_DATABASE_URL, default portal_bench), creating, migrating
and seeding it (seed_demo for the staff, then seed_bulk) when it holds fewer complaints than asked.
Each page is requested through Django's test client as a verified supervisor (and the caseworker
pages as a caseworker): a few warm-up requests, then --requests timed ones. Server time is the
time the client takes for the whole request/response cycle in-process: no network, no browser.
Target on this machine: p95 <= 300 ms and <= 12 queries per page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.database import database_prepare  # noqa: E402

DEFAULT_URL = "postgres://root@127.0.0.1:5432/portal_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.pop("REDIS_URL", None)  # eager Celery and a local cache: nothing leaves the process
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulator_portal.settings.local")
    import django

    django.setup()
    database_prepare(url, args.complaints)

    from django.contrib.auth.models import User
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY

    from complaints.models import Case, Complaint
    from complaints.services import staff_totp_enrol

    def client_for(username: str) -> Client:
        user = User.objects.get(username=username)
        client = Client(HTTP_HOST="localhost")
        client.force_login(user, backend="regulator_portal.backends.PortalModelBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = staff_totp_enrol(user=user).persistent_id
        session.save()
        return client

    case = Case.objects.order_by("-opened_at", "-id").first()
    complaint = Complaint.objects.order_by("-received_at", "-id").first()
    assert case is not None and complaint is not None
    some = Complaint.objects.order_by("pk")[5000]
    cnic, mobile = some.cnic, some.mobile
    month = timezone.localdate().replace(day=1)
    this_month = urlencode(
        {
            "opened_at__gte": f"{month} 00:00:00+05:00",
            "opened_at__lt": f"{(month + timedelta(days=32)).replace(day=1)} 00:00:00+05:00",
        }
    )
    pages = [
        ("sana", "case changelist", "/admin/complaints/case/"),
        ("sana", "case changelist, last page (20)", "/admin/complaints/case/?p=19"),
        ("sana", "cases: status=IN_REVIEW", "/admin/complaints/case/?status__exact=IN_REVIEW"),
        ("sana", "cases: overdue", "/admin/complaints/case/?overdue=yes"),
        ("sana", "cases: platform+priority", "/admin/complaints/case/?platform__id__exact=1&priority__exact=EMERGENCY"),
        ("sana", "cases: category+province", "/admin/complaints/case/?category=JOURNALISM&province=PK-SD"),
        ("sana", "cases: opened this month", f"/admin/complaints/case/?{this_month}"),
        ("sana", "cases: search handle", "/admin/complaints/case/?q=kashmir_v"),
        ("sana", "cases: search reference", f"/admin/complaints/case/?q={case.reference}"),
        ("sana", "cases: search CNIC", f"/admin/complaints/case/?q={cnic[:5]}-{cnic[5:12]}-{cnic[12:]}"),
        ("sana", "cases: search mobile 03XX", f"/admin/complaints/case/?q=0{mobile[3:]}"),
        ("ayesha", "cases: caseworker, assigned to me", "/admin/complaints/case/?assigned=me"),
        ("ayesha", "cases: caseworker default", "/admin/complaints/case/"),
        ("ayesha", "my cases", "/admin/complaints/case/my/"),
        ("sana", "case change page", f"/admin/complaints/case/{case.pk}/change/"),
        ("sana", "complaint changelist", "/admin/complaints/complaint/"),
        (
            "sana",
            "complaints: status+platform",
            "/admin/complaints/complaint/?status__exact=REJECTED&platform__id__exact=2",
        ),
        ("sana", "complaints: category", "/admin/complaints/complaint/?category=POLITICAL_SPEECH"),
        ("sana", "complaints: search CNIC", f"/admin/complaints/complaint/?q={cnic}"),
        ("sana", "complaints: search handle", "/admin/complaints/complaint/?q=azadi_"),
        ("sana", "complaint change page", f"/admin/complaints/complaint/{complaint.pk}/change/"),
    ]
    clients = {name: client_for(name) for name in {user for user, _, _ in pages}}
    totals = f"{Complaint.objects.count():,} complaints, {Case.objects.count():,} cases"
    print(f"\n{totals}; {args.requests} requests per page\n")
    print(f"{'page':<36} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
    worst_p95, worst_queries = 0.0, 0
    for username, label, url in pages:
        client = clients[username]
        for _ in range(3):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        # DEBUG keeps the previous request's queries in the log until the next request starts.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        times = []
        for _ in range(args.requests):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        p50 = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[18]
        worst_p95, worst_queries = max(worst_p95, p95), max(worst_queries, len(queries))
        print(f"{label:<36} {p50:>8.1f} {p95:>8.1f} {len(queries):>8}", flush=True)
    verdict = "met" if worst_p95 <= 300 and worst_queries <= 12 else "NOT met"
    print(
        f"\nworst p95 {worst_p95:.0f} ms, most queries {worst_queries}: target (p95 <= 300 ms, <= 12 queries) {verdict}"
    )


if __name__ == "__main__":
    main()
