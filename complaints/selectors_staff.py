"""Who new work can go to: caseworkers and supervisors, who is present, and how loaded each one is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from .models import Role, StaffProfile


def caseworkers() -> QuerySet[User]:
    """Active staff in the Caseworker group: who a case can be assigned to."""
    return User.objects.filter(is_active=True, is_staff=True, groups__name=Role.CASEWORKER).order_by("username")


def staff_present(*, role: str) -> QuerySet[User]:
    """Active staff in a role who are not away: who new work can be assigned to."""
    present = Q(staff_profile__is_away=False) | Q(staff_profile__isnull=True)
    return User.objects.filter(present, is_active=True, is_staff=True, groups__name=role)


def staff_by_load(*, candidates: QuerySet[User], open_items: QuerySet[Any], assignee_field: str) -> QuerySet[User]:
    """The candidates, fewest of ``open_items`` first (annotated ``open_items``); ties go to whoever was
    assigned anything least recently (StaffProfile.last_assigned_at), then to the lowest id."""
    # A correlated count per candidate, so each reads only its own open rows (an index on the assignee).
    counts = (
        open_items.filter(**{assignee_field: OuterRef("pk")})
        .order_by()
        .values(assignee_field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return candidates.annotate(open_items=Coalesce(Subquery(counts), 0)).order_by(
        "open_items", F("staff_profile__last_assigned_at").asc(nulls_first=True), "pk"
    )


def staff_least_loaded(*, candidates: QuerySet[User], open_items: QuerySet[Any], assignee_field: str) -> User | None:
    """The candidate staff_by_load puts first. Advance notices are assigned this way; new cases, many
    at a time, by complaints.services.assignment."""
    return staff_by_load(candidates=candidates, open_items=open_items, assignee_field=assignee_field).first()


def staff_teams(*, user_ids: list[int]) -> dict[int, set[int]]:
    """The platforms each of these members of staff takes cases for (none: every platform)."""
    teams: dict[int, set[int]] = {}
    rows = StaffProfile.platforms.through.objects.filter(staffprofile__user__in=user_ids).values_list(
        "staffprofile__user", "platform"
    )
    for user_id, platform_id in rows:
        teams.setdefault(user_id, set()).add(platform_id)
    return teams


def supervisors() -> list[User]:
    return list(User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR).order_by("username"))
