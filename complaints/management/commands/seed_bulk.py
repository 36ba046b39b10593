"""Synthetic complaints at scale, for benchmarks and demos: a million rows in under two minutes.

The services are bypassed on purpose, for speed, so the rows are shaped as the services would shape
them (complaints/bulk/rows.py): a case per account with several complaints on many, an event per
case and per complaint, due dates, closed cases with outcomes, dates spread over two years. Every
complainant's details are encrypted row by row and their CNIC and mobile hashed, so the admin
decrypts them and finds them by search; no detail is ever written in clear, even in a benchmark.

References use their own labels (PTA-CB-..., PTA-B-...) built from the row ids, so they never
collide with the reference counters that live complaints draw from, and a second run appends.
PostgreSQL only: the rows go in with COPY.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from complaints.bulk.load import bulk_load
from complaints.bulk.rows import Plan
from complaints.models import Case, Complaint, Role, StaffProfile

from .seed_demo import CITIES, DISTRICTS, NAMES, NARRATIVES, demo_data_refuse_unless_allowed, platforms_seed


class Command(BaseCommand):
    help = "Append N synthetic complaints (and their cases and events) with COPY; for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--complaints", type=int, required=True)
        parser.add_argument("--complaints-per-case", type=float, default=1.4, help="Average complaints per case.")
        parser.add_argument("--seed", type=int, default=2019)
        parser.add_argument(
            "--caseworkers", type=int, default=30, help="Share the cases among at least this many caseworkers."
        )
        parser.add_argument(
            "--processes", type=int, default=2, help="Processes that generate and encrypt rows (default 2)."
        )

    def handle(
        self,
        *args: Any,
        complaints: int,
        complaints_per_case: float,
        seed: int,
        caseworkers: int,
        processes: int,
        **options: Any,
    ) -> None:
        demo_data_refuse_unless_allowed("seed_bulk")
        if connection.vendor != "postgresql":
            raise CommandError("seed_bulk writes with PostgreSQL's COPY: set DATABASE_URL to a PostgreSQL database.")
        if complaints < 1 or complaints_per_case < 1 or processes < 1:
            raise CommandError("--complaints, --complaints-per-case and --processes must be at least 1.")
        started = time.monotonic()
        plan = Plan(
            seed=seed,
            now=timezone.now(),
            prefix=settings.REFERENCE_PREFIX,
            platforms=[(p.pk, p.response_hours) for p in platforms_seed().values()],
            caseworkers=self._caseworkers(caseworkers),
            case_base=(Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1,
            cases=max(1, int(complaints / complaints_per_case)),
            complaint_base=(Complaint.objects.aggregate(m=Max("pk"))["m"] or 0) + 1,
            complaints=complaints,
            names=NAMES,
            narratives=NARRATIVES,
            districts=DISTRICTS,
            cities=CITIES,
            hash_key=settings.PII_HASH_KEY.encode(),
        )
        bulk_load(plan=plan, processes=processes, say=lambda line: self.stdout.write(f"  {line}"))
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Added {complaints} complaints in {plan.cases} cases in {elapsed:.1f} s "
            f"({complaints / elapsed:,.0f} per second; {Complaint.objects.count()} complaints in total)."
        )

    def _caseworkers(self, n: int) -> list[int]:
        """At least ``n`` caseworkers, as a real team would have: placeholders that cannot sign in."""
        group = Group.objects.get(name=Role.CASEWORKER)
        existing = User.objects.filter(groups=group, is_active=True)
        for i in range(existing.count(), n):
            user, created = User.objects.get_or_create(username=f"bulk-caseworker-{i:02d}", defaults={"is_staff": True})
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            user.groups.add(group)
            StaffProfile.objects.get_or_create(user=user)
        return list(existing.values_list("pk", flat=True))
