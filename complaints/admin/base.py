"""What every admin of the app shares: a paginator that never counts a million rows, the signed-in
member of staff, and the refusals that become admin messages."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any, cast

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django_ratelimit.core import is_ratelimited

from .. import selectors, services
from ..handles import handle_display
from ..models import (
    CaseActionError,
    InvalidTransition,
)

logger = logging.getLogger(__name__)

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


def when(moment: datetime | None) -> str:
    """A moment as the whole admin writes it ("3 Dec 2026, 14:05", Pakistan time), or a dash."""
    if moment is None:
        return "—"
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def account_cell(platform: object, handle: str) -> SafeString:
    """The account column of a list: the handle, and the platform under it, in one narrow cell."""
    return format_html(
        '<span class="handle">{}</span><span class="platform">{}</span>', handle_display(handle), platform
    )


def staff(request: HttpRequest) -> User:
    """The signed-in member of staff: admin_view lets nobody else reach the admin's views."""
    return cast(User, request.user)


@dataclass(frozen=True)
class ComplainantSearch:
    """What a search term may be matched against: ``by_complainant`` lets a CNIC or mobile match
    complainants; ``refused`` means nothing is searched at all (the cap was reached)."""

    by_complainant: bool
    refused: bool = False


def complainant_search_permit(request: HttpRequest, term: str) -> ComplainantSearch:
    """Decide, for this request only, whether a CNIC or mobile in the search box is searched as one.

    Without view_complainant_pii the term is not a CNIC or mobile at all (it is searched as a handle),
    so the answer never depends on whether someone with that number has complained. With it, each
    search is logged and capped per user (PII_SEARCH_RATE_PER_USER).
    """
    kind = selectors.complainant_term_kind(term)
    if kind is None or not request.user.has_perm("complaints.view_complainant_pii"):
        return ComplainantSearch(by_complainant=False)
    limited = is_ratelimited(
        request, group="pii-search", key="user", rate=settings.PII_SEARCH_RATE_PER_USER, increment=True
    )
    if limited:
        # The user and the kind of term, never the term: operators see the pattern, not the person.
        logger.warning("PII search refused: user %s is over PII_SEARCH_RATE_PER_USER (%s)", request.user.pk, kind)
        messages.error(
            request,
            gettext("You have searched by CNIC or mobile too often. Nothing was searched; try again within the hour."),
        )
        return ComplainantSearch(by_complainant=False, refused=True)
    services.complainant_search_record(actor=staff(request), kind=kind)
    return ComplainantSearch(by_complainant=True)
