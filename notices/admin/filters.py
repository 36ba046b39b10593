"""Case-list filters that need the letters: complaints' own filters may not import notices."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from complaints.models import Case

from ..selectors_landing import case_ready_to_refer_q


class ReadyToReferFilter(admin.SimpleListFilter):
    """The correspondence officer's landing count "Cases ready to refer", as a list."""

    title = _("letter")
    parameter_name = "refer"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("ready", _("Ready to refer, no letter yet"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() == "ready":
            return queryset.filter(case_ready_to_refer_q())
        return queryset
