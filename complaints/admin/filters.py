"""Changelist filters for cases and complaints, each backed by an index."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
        open_cases = queryset.exclude(status=Case.Status.CLOSED)
        if self.value() == "yes":
            return open_cases.filter(due_at__lt=timezone.now())
        if self.value() == "no":
            return open_cases.exclude(due_at__lt=timezone.now())
        return queryset


class AssignedFilter(admin.SimpleListFilter):
    title = _("assigned to")
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("me", _("Me")), ("nobody", _("Nobody"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Case]) -> QuerySet[Case]:
        if self.value() == "me":
            return queryset.filter(assigned_to=request.user.pk)
        if self.value() == "nobody":
            return queryset.filter(assigned_to__isnull=True)
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
