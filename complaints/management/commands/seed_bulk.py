"""Synthetic complaints at scale, for the admin benchmark: a million rows in minutes on PostgreSQL.

Rows are generated in Python and streamed with COPY (psycopg 3's cursor.copy); on other databases
they go in as large executemany batches. The services are bypassed on purpose, for speed, so the
rows are shaped here as the services would shape them: a case per account, an event per complaint,
due dates, closed cases with outcomes.

Encrypting a million complainants with Fernet would take longer than everything else together, so a
small pool of complainants (name, CNIC, mobile, email) and of narratives is encrypted once and
reused: each ciphertext is still valid and decrypts, and the keyed hashes make CNIC and mobile
searches hit real rows. No complainant's detail is ever written in clear, even in a benchmark.

References use their own labels (PTA-CB-..., PTA-B-...) built from the row ids, so they never
collide with the reference counters that live complaints draw from, and a second run appends.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from complaints.models import Case, CaseEvent, Complaint, Platform, Province, Role, StaffProfile
from complaints.pii import pii_hash
from complaints.sla import sla_due_at

from .seed_demo import CITIES, DISTRICTS, NAMES, NARRATIVES, demo_data_refuse_unless_allowed, platforms_seed

PLATFORM_NOTICES = ["", "Your account violated our rules.", "Your account was suspended for platform manipulation."]
WORDS = ["kashmir", "voice", "news", "valley", "azadi", "lahore", "karachi", "pti", "desk", "today", "live", "urdu"]
BATCH = 20_000


class Command(BaseCommand):
    help = "Append N synthetic complaints (and their cases and events) with COPY; for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--complaints", type=int, required=True)
        parser.add_argument("--complaints-per-case", type=float, default=1.4, help="Average complaints per case.")
        parser.add_argument("--seed", type=int, default=2019)
        parser.add_argument(
            "--caseworkers", type=int, default=30, help="Share the cases among at least this many caseworkers."
        )

    def handle(
        self, *args: Any, complaints: int, complaints_per_case: float, seed: int, caseworkers: int, **options: Any
    ) -> None:
        demo_data_refuse_unless_allowed("seed_bulk")
        started = time.monotonic()
        rng = random.Random(seed)
        platforms = list(platforms_seed().values())
        workers = self._caseworkers(caseworkers)
        n_cases = max(1, int(complaints / complaints_per_case))
        case_base = (Case.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        complaint_base = (Complaint.objects.aggregate(m=Max("pk"))["m"] or 0) + 1
        now = timezone.now()
        cases = [self._case(rng, case_base + i, platforms, workers, now) for i in range(n_cases)]
        self.stdout.write(f"{n_cases} cases generated in {time.monotonic() - started:.0f}s")
        people = self._complainants(rng)
        with transaction.atomic():
            self._write(Case, (c.row for c in cases))
            self._write(
                CaseEvent,
                (
                    {
                        "case_id": c.pk,
                        "kind": CaseEvent.Kind.CASE_OPENED,
                        "data": '{"new": "NEW"}',
                        "created_at": c.opened,
                    }
                    for c in cases
                ),
            )
            self.stdout.write(f"cases written at {time.monotonic() - started:.0f}s")
            rows = self._complaints(rng, complaints, complaint_base, cases, people)
            self._write_complaints_and_events(rows)
            self._sequences_reset([Case, Complaint, CaseEvent])
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # VACUUM sets the visibility map, so index-only scans work at once, as they would
                # after autovacuum on a live database. It cannot run inside a transaction (a test's).
                verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
                cursor.execute(f"{verb} complaints_case, complaints_complaint, complaints_caseevent")
        self.stdout.write(
            f"Added {complaints} complaints in {n_cases} cases in {time.monotonic() - started:.0f}s "
            f"({Complaint.objects.count()} complaints in total)."
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

    # Generation ---------------------------------------------------------------------------------

    def _case(self, rng: random.Random, pk: int, platforms: list[Platform], workers: list[int], now: datetime) -> _Case:
        platform = rng.choice(platforms)
        opened = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        # Older cases are mostly closed; the last few weeks are mostly open: like a real queue.
        age_days = (now - opened).days
        closed = rng.random() < (0.95 if age_days > 60 else 0.2)
        status = Case.Status.CLOSED if closed else rng.choice(Case.OPEN_STATUSES)
        priority = Case.Priority.EMERGENCY if rng.random() < 0.05 else Case.Priority.ROUTINE
        changed = opened + (now - opened) * rng.random() * 0.5
        handle = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}{pk}"
        row: dict[str, Any] = {
            "id": pk,
            "reference": f"{settings.REFERENCE_PREFIX}-CB-{opened.year}-{pk:07d}",
            "platform_id": platform.pk,
            "account_handle": handle,
            "account_handle_normalized": handle.lower(),
            "status": status,
            "priority": priority,
            "assigned_to_id": rng.choice(workers) if workers and rng.random() < 0.9 else None,
            "opened_at": opened,
            "status_changed_at": changed,
            "due_at": None if closed else sla_due_at(status=status, priority=priority, start=changed),
            "outcome": rng.choice(Case.Outcome.values) if closed else "",
            "closed_at": changed if closed else None,
        }
        if status == Case.Status.AWAITING_PLATFORM:
            row["sent_to_platform_at"] = changed
            row["due_at"] = row["response_due_at"] = changed + timedelta(hours=platform.response_hours)
        return _Case(pk=pk, platform_id=platform.pk, handle=handle, opened=opened, row=row)

    def _complainants(self, rng: random.Random) -> list[tuple[str, str, str, str, str, str]]:
        """(name, cnic, cnic hash, mobile, mobile hash, email), encrypted, for a pool of people."""
        people = []
        for i in range(2000):
            cnic = f"{rng.choice(DISTRICTS)}{rng.randrange(10**7):07d}{rng.randrange(10)}"
            mobile = f"+923{rng.randrange(10**9):09d}"
            people.append(
                (
                    _encrypted("full_name", rng.choice(NAMES)),
                    _encrypted("cnic", cnic),
                    pii_hash(cnic),
                    _encrypted("mobile", mobile),
                    pii_hash(mobile),
                    _encrypted("email", f"citizen{i}@example.pk" if i % 3 else ""),
                )
            )
        return people

    def _complaints(
        self, rng: random.Random, n: int, base: int, cases: list[_Case], people: Sequence[tuple[str, ...]]
    ) -> Iterator[dict[str, Any]]:
        provinces = Province.values
        narratives = [_encrypted("narrative", text) for text in NARRATIVES]
        notices = [_encrypted("platform_notice_text", text) for text in PLATFORM_NOTICES]
        for i in range(n):
            # Every case gets its first complaint; the rest pile onto random cases.
            case = cases[i] if i < len(cases) else rng.choice(cases)
            name, cnic, cnic_hash, mobile, mobile_hash, email = rng.choice(people)
            province = rng.choice(provinces)
            received = case.opened if i < len(cases) else case.opened + timedelta(hours=rng.randrange(1, 200))
            pk = base + i
            yield {
                "id": pk,
                "reference": f"{settings.REFERENCE_PREFIX}-B-{received.year}-{pk:07d}",
                "received_at": received,
                "submitted_via": Complaint.SubmittedVia.WEB
                if rng.random() < 0.9
                else rng.choice(Complaint.SubmittedVia.values),
                "status": rng.choice(Complaint.Status.values) if rng.random() < 0.3 else Complaint.Status.ACCEPTED,
                "case_id": case.pk,
                "full_name": name,
                "cnic": cnic,
                "cnic_hash": cnic_hash,
                "mobile": mobile,
                "mobile_hash": mobile_hash,
                "email": email,
                "province": province,
                "city": CITIES[province],
                "preferred_language": "ur" if rng.random() < 0.6 else "en",
                "platform_id": case.platform_id,
                "account_handle": case.handle,
                "account_handle_normalized": case.handle.lower(),
                "action_type": rng.choice(Complaint.ActionType.values),
                "action_date": (received - timedelta(days=rng.randrange(1, 30))).date(),
                "appealed_to_platform": rng.random() < 0.5,
                "category": rng.choice(Complaint.Category.values),
                "platform_notice_text": rng.choice(notices),
                "narrative": rng.choice(narratives),
                "consent_share_with_platform": rng.random() < 0.8,
            }

    # Writing ------------------------------------------------------------------------------------

    def _write_complaints_and_events(self, rows: Iterable[dict[str, Any]]) -> None:
        complaints: list[dict[str, Any]] = []
        for row in rows:
            complaints.append(row)
            if len(complaints) == BATCH:
                self._flush(complaints)
                complaints = []
        self._flush(complaints)

    def _flush(self, complaints: list[dict[str, Any]]) -> None:
        if not complaints:
            return
        self._write(Complaint, complaints)
        self._write(
            CaseEvent,
            (
                {
                    "case_id": c["case_id"],
                    "complaint_id": c["id"],
                    "kind": CaseEvent.Kind.COMPLAINT_RECEIVED,
                    "data": json.dumps({"reference": c["reference"], "evidence": 0}),
                    "created_at": c["received_at"],
                }
                for c in complaints
            ),
        )

    def _write(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> None:
        fields = [f for f in model._meta.concrete_fields if not (f.primary_key and model is CaseEvent)]
        columns = [f.column or f.attname for f in fields]
        defaults = {f.attname: _default(f) for f in fields}
        table = model._meta.db_table
        tuples = (tuple(row.get(f.attname, defaults[f.attname]) for f in fields) for row in rows)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for values in tuples:
                        copy.write_row(values)
            else:
                # Table and column names come from the models, never from input.
                placeholders = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
                batch: list[Sequence[Any]] = []
                for values in tuples:
                    batch.append(values)
                    if len(batch) == 1000:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)

    def _sequences_reset(self, models_: list[type[models.Model]]) -> None:
        if connection.vendor != "postgresql":
            return  # SQLite takes the next id from the table itself
        with connection.cursor() as cursor:
            for model in models_:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))",  # noqa: S608
                    [table],
                )


class _Case:
    __slots__ = ("pk", "platform_id", "handle", "opened", "row")

    def __init__(self, *, pk: int, platform_id: int, handle: str, opened: datetime, row: dict[str, Any]) -> None:
        self.pk, self.platform_id, self.handle, self.opened, self.row = pk, platform_id, handle, opened, row


def _encrypted(name: str, value: str) -> str:
    """The value as the complaint's encrypted field stores it."""
    return cast(models.Field, Complaint._meta.get_field(name)).get_prep_value(value)


def _default(field: models.Field) -> Any:
    if field.has_default():
        value = field.get_default()
        return json.dumps(value) if isinstance(field, models.JSONField) else value
    return None if field.null else ""
