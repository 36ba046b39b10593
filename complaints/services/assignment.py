"""Automatic assignment of new cases: published after a submission commits, run by a worker in batches.

The citizen's request assigns nobody (docs/intake.md). After its commit it publishes, about once
per CASE_AUTOASSIGN_BATCH_SECONDS for all web processes together (publish.py), a task that runs
that long after and assigns every new case still unassigned, oldest first, by the fair rule: fewest
open cases, then whoever was assigned least recently; away and off-team caseworkers excluded.
Beat's sweep does the same for a case whose publish was lost. A batch reads the caseworkers and
their loads once and writes its assignments together, so a campaign of thousands of complaints costs
a handful of statements per batch, not seven per case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ..models import Case, CaseEvent, Role, StaffProfile
from ..selectors_staff import staff_by_load, staff_present, staff_teams
from .publish import batch_task_publish

logger = logging.getLogger(__name__)

BATCH_LIMIT = 500


def case_autoassign_publish(*, case_id: int) -> None:
    """After a submission commits: have a worker assign its new case. Never raises, never holds the citizen.

    The task runs CASE_AUTOASSIGN_BATCH_SECONDS after its publish, so it finds this case, committed
    before the decision, and the cases of the submissions, in any web process, that skip publishing
    until then (regulator_portal.batching). With the broker down, one quick connection attempt fails
    and publishing pauses for a few seconds; the case stays unassigned until case_autoassign_sweep
    (beat) picks it up.
    """
    # Imported here because tasks.py imports this package.
    from ..tasks import cases_autoassign_task

    batch_task_publish(
        cases_autoassign_task,
        name="autoassign",
        window=settings.CASE_AUTOASSIGN_BATCH_SECONDS,
        unpublished=f"case {case_id} not published for assignment; the sweep will assign it",
    )


def case_autoassign_sweep(*, older_than_seconds: float) -> int:
    """Assign the new cases still unassigned after ``older_than_seconds``: their publish was lost.

    A case nobody could take (every caseworker away) is tried again on each run, so it is assigned
    as soon as someone is back. Returns how many cases were assigned.
    """
    return cases_autoassign(opened_before=timezone.now() - timedelta(seconds=older_than_seconds))


@dataclass
class _Caseworker:
    pk: int
    username: str
    open_cases: int
    # (0,) for never assigned, sorts first; (1, when, n) after, n ordering this batch's own assignments.
    last_assigned: tuple[Any, ...]
    platforms: set[int] = field(default_factory=set)

    def rank(self) -> tuple[Any, ...]:
        return (self.open_cases, self.last_assigned, self.pk)


@transaction.atomic
def cases_autoassign(
    *, case_ids: list[int] | None = None, opened_before: datetime | None = None, limit: int = BATCH_LIMIT
) -> int:
    """Assign the NEW, unassigned cases (these ones, or those opened before a time), oldest first.

    The rows are locked with SKIP LOCKED: two batches running at once split the cases between them,
    and a case someone else holds or took meanwhile is left alone, so a run repeated changes nothing.
    Returns how many cases were assigned.
    """
    pending = Case.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        status=Case.Status.NEW, assigned_to__isnull=True
    )
    if case_ids is not None:
        pending = pending.filter(pk__in=case_ids)
    if opened_before is not None:
        pending = pending.filter(opened_at__lt=opened_before)
    cases = list(pending.order_by("opened_at", "pk").only("pk", "platform_id")[:limit])
    if not cases:
        return 0
    # Two batches at the same moment may load the same caseworker: one case of imbalance, which the
    # next assignment evens out. Serialising the batches would cost more.
    by_load = staff_by_load(
        candidates=staff_present(role=Role.CASEWORKER),
        open_items=Case.objects.exclude(status=Case.Status.CLOSED),
        assignee_field="assigned_to",
    )
    # open_items is staff_by_load's annotation, which the type plugin cannot see through its return type.
    rows = by_load.values_list("pk", "username", "open_items", "staff_profile__last_assigned_at")  # type: ignore[misc]
    people = [
        _Caseworker(pk, username, open_cases, (0,) if last is None else (1, last, 0))
        for pk, username, open_cases, last in rows
    ]
    for user_id, platforms in staff_teams(user_ids=[person.pk for person in people]).items():
        next(person for person in people if person.pk == user_id).platforms = platforms
    now = timezone.now()
    assigned: list[tuple[Case, str]] = []
    chosen_ids: set[int] = set()
    for case in cases:
        eligible = people
        if settings.CASE_ASSIGN_BY_PLATFORM_TEAM:
            eligible = [p for p in people if case.platform_id in p.platforms] or [p for p in people if not p.platforms]
        if not eligible:
            continue  # nobody present: it waits in the unassigned queue for the sweep
        chosen = min(eligible, key=_Caseworker.rank)
        chosen.open_cases += 1
        chosen.last_assigned = (1, now, len(assigned) + 1)
        case.assigned_to_id = chosen.pk
        assigned.append((case, chosen.username))
        chosen_ids.add(chosen.pk)
    if not assigned:
        return 0
    Case.objects.bulk_update([case for case, _name in assigned], ["assigned_to"])
    for user_id in chosen_ids:
        StaffProfile.objects.update_or_create(user_id=user_id, defaults={"last_assigned_at": now})
    CaseEvent.objects.bulk_create(
        CaseEvent(case=case, kind=CaseEvent.Kind.ASSIGNED, actor=None, data={"old": None, "new": name})
        for case, name in assigned
    )
    return len(assigned)
