"""What every admin of the app shares: a paginator that never counts a million rows, the signed-in
member of staff, and the refusals that become admin messages."""

from __future__ import annotations

from functools import cached_property
from typing import Any, cast

from django.contrib import admin
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

from ..models import (
    CaseActionError,
    InvalidTransition,
)

# Errors a service raises for a request that the state of the rows does not allow: shown to the
# user as an admin error message, never a 500.
DOMAIN_ERRORS = (InvalidTransition, CaseActionError)


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows: a changelist page must not COUNT(*) a million-row table.

    The count is a subquery with a LIMIT, so it stops early, and the list shows "1000+". That is
    twenty pages; past them nobody pages, they filter or search (and the pages stop there).
    """

    CAP = 1_000

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return cast(QuerySet[Any], self.object_list)[: self.CAP].count()


class ScaledModelAdmin(admin.ModelAdmin):
    paginator = CappedCountPaginator
    show_full_result_count = False
    # Facet counts are a COUNT per filter choice over the whole table: never at this size.
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50


def staff(request: HttpRequest) -> User:
    """The signed-in member of staff: admin_view lets nobody else reach the admin's views."""
    return cast(User, request.user)
