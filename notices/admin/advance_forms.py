"""The forms and the filter behind the advance notice admin's list and buttons."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Platform

from ..models import (
    AdvanceNotice,
    AutomatedDecision,
    DecisionAccount,
    DecisionGround,
    DecisionVisibility,
)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("24h", str(_("Due in the next 24 hours"))),
            ("overdue", str(_("Past due, not answered"))),
            ("lapsed", str(_("Lapsed"))),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AdvanceNotice]) -> QuerySet[AdvanceNotice]:
        now = timezone.now()
        if self.value() == "24h":
            return queryset.filter(
                status__in=AdvanceNotice.OPEN_STATUSES, response_due_at__gt=now, response_due_at__lte=now + timedelta(1)
            )
        if self.value() == "overdue":
            return queryset.filter(
                Q(status=AdvanceNotice.Status.LAPSED)
                | Q(status__in=AdvanceNotice.OPEN_STATUSES, response_due_at__lte=now)
            )
        if self.value() == "lapsed":
            return queryset.filter(status=AdvanceNotice.Status.LAPSED)
        return queryset


class RespondForm(forms.Form):
    response = forms.ChoiceField(label=_("response"), choices=AdvanceNotice.Response.choices)
    reasons = forms.CharField(label=_("reasons"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    rule = forms.CharField(label=_("rule relied on"), max_length=300, required=False)


class ApproveForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


class FinalActionForm(forms.Form):
    action = forms.ChoiceField(label=_("what the platform did"), choices=AdvanceNotice.FinalAction.choices)
    date = forms.DateField(label=_("date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000)


def _split(value: str, sep: str | None = None) -> list[str]:
    return [part.strip() for part in value.split(sep) if part.strip()]


class EmailedNoticeForm(forms.Form):
    """An advance notice that arrived by email, copied in by a correspondence officer."""

    platform = forms.ModelChoiceField(label=_("platform"), queryset=Platform.objects.filter(is_active=True))
    account_handle = forms.CharField(label=_("account handle or profile link"), max_length=200)
    puid = forms.CharField(label=_("platform's account ID"), max_length=100)
    platform_reference = forms.CharField(label=_("platform's reference"), max_length=100, required=False)
    received_at = forms.DateTimeField(
        label=_("received"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    emergency = forms.BooleanField(label=_("emergency"), required=False)
    decision_account = forms.ChoiceField(
        label=_("account decision"), choices=[("", "—"), *DecisionAccount.choices], required=False
    )
    decision_visibility = forms.MultipleChoiceField(
        label=_("visibility decisions"),
        choices=DecisionVisibility.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    territorial_scope = forms.CharField(
        label=_("territorial scope"), help_text=_("Country codes, e.g. PK, IN. Empty means worldwide."), required=False
    )
    decision_ground = forms.ChoiceField(label=_("ground"), choices=DecisionGround.choices)
    legal_ground = forms.CharField(label=_("legal ground"), required=False, max_length=2000)
    tos_ground = forms.CharField(label=_("terms-of-service ground"), required=False, max_length=2000)
    explanation = forms.CharField(label=_("explanation"), widget=forms.Textarea(attrs={"rows": 4}))
    content_urls = forms.CharField(
        label=_("content links"), widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text=_("One a line.")
    )
    content_text = forms.CharField(
        label=_("content at issue"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    automated_detection = forms.BooleanField(label=_("detected automatically"), required=False)
    automated_decision = forms.ChoiceField(
        label=_("automated decision"), choices=AutomatedDecision.choices, initial=AutomatedDecision.NOT_AUTOMATED
    )
    proposed_effective_date = forms.DateTimeField(
        label=_("proposed effective date"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end_date = forms.DateTimeField(
        label=_("end date"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    authority_request = forms.BooleanField(label=_("at a public authority's request"), required=False)
    authority_name = forms.CharField(label=_("requesting authority"), required=False, max_length=200)

    def service_data(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "platform"}
        data["territorial_scope"] = [code.upper() for code in _split(data["territorial_scope"].replace(",", " "))]
        data["content_urls"] = _split(data["content_urls"], "\n")
        return data
