"""What every write shares: the next reference of a kind, and the case timeline's event rows."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import F
from django.utils import timezone

from ..models import (
    Case,
    CaseEvent,
    Complaint,
    ReferenceCounter,
)

SCOPE = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
# Sequences known to exist (committed) on this process's database. Read without a lock: a miss
# only costs one idempotent CREATE SEQUENCE IF NOT EXISTS.
_sequences_ready: set[str] = set()


def reference_sequence(*, scope: str, year: int) -> str:
    """The PostgreSQL sequence that numbers one kind of reference in one year."""
    if not SCOPE.match(scope):
        raise ValueError(f"bad reference scope {scope!r}")
    return f"complaints_reference_{scope}_{year}"


def reference_format(*, label: str, year: int, value: int) -> str:
    parts = [settings.REFERENCE_PREFIX, label, str(year), f"{value:06d}"]
    return "-".join(p for p in parts if p)


def reference_sequences_ensure(*, scopes: tuple[str, ...], year: int | None = None) -> None:
    """Create this year's (and next year's) sequences for ``scopes`` if they do not exist yet.

    Call it outside any transaction where possible: then each CREATE commits at once, a race between
    two processes costs one of them a harmless error, and the sequence is remembered for the life of
    the process. Inside a transaction (a caller's, or a test's) it is not remembered, since a rollback
    would undo the CREATE; the next call issues the idempotent CREATE again.
    """
    if connection.vendor != "postgresql":
        return
    year = year or timezone.localdate().year
    for scope in scopes:
        for y in (year, year + 1):
            name = reference_sequence(scope=scope, year=y)
            if name in _sequences_ready:
                continue
            _sequence_create(name)


def _sequence_create(name: str) -> None:
    start = _counter_start(name)
    sql = f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {start}'  # noqa: S608 - name checked by SCOPE
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(sql)
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    except (IntegrityError, ProgrammingError):
        pass  # another process created it between our check and our CREATE
    _sequences_ready.add(name)


def _counter_start(name: str) -> int:
    """Where a new sequence starts: after any reference the old counter table already handed out."""
    scope, year = name.removeprefix("complaints_reference_").rsplit("_", 1)
    used = ReferenceCounter.objects.filter(scope=scope, year=int(year)).values_list("value", flat=True).first()
    return (used or 0) + 1


def reference_next(*, scope: str, label: str = "") -> str:
    """The next reference of a kind, e.g. PTA-2026-000123, unique however many requests race."""
    year = timezone.localdate().year
    return reference_format(label=label, year=year, value=reference_number_next(scope=scope, year=year))


def reference_number_next(*, scope: str, year: int) -> int:
    """The next number of a kind of reference in a year.

    On PostgreSQL it is one ``nextval`` on a sequence per kind and year: no row lock, so concurrent
    submissions do not queue behind each other. A rolled-back transaction leaves a gap, which is
    harmless (a reference is an identifier, not a count). SQLite (the embedded first look) keeps the
    counter row, which its single writer serialises anyway.
    """
    if connection.vendor == "postgresql":
        reference_sequences_ensure(scopes=(scope,), year=year)
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [reference_sequence(scope=scope, year=year)])
            (value,) = cursor.fetchone()
        return int(value)
    counter = ReferenceCounter.objects.filter(scope=scope, year=year)
    if not counter.update(value=F("value") + 1):
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(scope=scope, year=year, value=1)
        except IntegrityError:
            counter.update(value=F("value") + 1)
    return int(counter.values_list("value", flat=True).get())


def case_event_add(
    *,
    case: Case,
    kind: str,
    actor: User | None = None,
    complaint: Complaint | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, complaint=complaint, data=data or {})
