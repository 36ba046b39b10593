"""Changelist filters for cases and complaints, each backed by an index."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import selectors, selectors_staff
from ..models import (
    Case,
    Complaint,
    Province,
)


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Overdue")), ("no", _("On time"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() == "yes":
            return queryset.filter(selectors.case_overdue_q(timezone.now()))
        if self.value() == "no":
            return queryset.filter(selectors.case_open_q()).exclude(due_at__lt=timezone.now())
        return queryset


class OpenWorkFilter(admin.SimpleListFilter):
    """The landing pages' case counts (selectors: the same Q for the count and for this list)."""

    title = _("open work")
    parameter_name = "work"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open")), ("soon", _("Due within 7 days")), ("unassigned", _("Unassigned queue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() == "open":
            return queryset.filter(selectors.case_open_q())
        if self.value() == "soon":
            return queryset.filter(selectors.case_due_soon_q(timezone.now()))
        if self.value() == "unassigned":
            return queryset.filter(selectors.case_unassigned_q())
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        choices: list[tuple[str, Any]] = [("me", _("Me")), ("nobody", _("Nobody"))]
        if request.user.has_perm("complaints.view_all_cases"):
            # The supervisor's workload table links to each caseworker's cases by their id.
            people = selectors_staff.caseworkers()
            choices += [(str(user.pk), user.get_full_name() or user.get_username()) for user in people]
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        value = self.value()
        if value == "me":
            return queryset.filter(assigned_to=request.user.pk)
        if value == "nobody":
            return queryset.filter(assigned_to__isnull=True)
        if value and value.isascii() and value.isdigit():
            # An id past the column's range matches nobody (and must not reach PostgreSQL as a 500).
            return queryset.filter(assigned_to=int(value)) if int(value) < 2**31 else queryset.none()
        return queryset


class ComplaintFieldFilter(admin.SimpleListFilter):
    """A case filter on a field of its complaints, as EXISTS so that no case appears twice."""

    field = ""
    values: list[tuple[str, Any]] = []

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(str(value), str(label)) for value, label in self.values]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() not in dict(self.values):
            return queryset
        matching = Complaint.objects.filter(case=OuterRef("pk"), **{self.field: self.value()})
        return queryset.filter(Exists(matching))


class CaseCategoryFilter(ComplaintFieldFilter):
    title = _("category")
    parameter_name = "category"
    field = "category"
    values = Complaint.Category.choices


class CaseProvinceFilter(ComplaintFieldFilter):
    title = _("province")
    parameter_name = "province"
    field = "province"
    values = Province.choices
