"""What every write shares: the next reference of a kind, and the case timeline's event rows."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from ..models import (
    Case,
    CaseEvent,
    Complaint,
    ReferenceCounter,
)


def reference_next(*, scope: str, label: str = "") -> str:
    """The next reference of a kind, e.g. PTA-2026-000123, unique however many requests race.

    The counter row stays locked until the caller's transaction ends, so call this as late in the
    transaction as possible.
    """
    year = timezone.localdate().year
    counter = ReferenceCounter.objects.filter(scope=scope, year=year)
    if not counter.update(value=F("value") + 1):
        try:
            with transaction.atomic():
                ReferenceCounter.objects.create(scope=scope, year=year, value=1)
        except IntegrityError:
            # Another request created this year's row first; its lock orders us after it.
            counter.update(value=F("value") + 1)
    value = counter.values_list("value", flat=True).get()
    parts = [settings.REFERENCE_PREFIX, label, str(year), f"{value:06d}"]
    return "-".join(p for p in parts if p)


def case_event_add(
    *,
    case: Case,
    kind: str,
    actor: User | None = None,
    complaint: Complaint | None = None,
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, complaint=complaint, data=data or {})
