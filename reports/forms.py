"""Filters for the dashboard and the report download, and the public page's month choice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Platform

from .selectors import Period, db

MAX_DAYS = 2 * 366
DEFAULT_DAYS = 91


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    platform = forms.ModelMultipleChoiceField(
        label=_("Platforms"), queryset=Platform.objects.none(), required=False, to_field_name="slug"
    )
    granularity = forms.ChoiceField(
        label=_("Complaints per"), choices=[("week", _("week")), ("day", _("day"))], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = Platform.objects.using(db()).order_by("name")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days >= MAX_DAYS:
            raise forms.ValidationError(_("Choose at most two years."))
        data["period"] = Period(start, end)
        data["platform_ids"] = [p.pk for p in data.get("platform") or []] or None
        data["granularity"] = data.get("granularity") or "week"
        return data


def month_parse(value: str) -> date | None:
    """'2026-10' as the first of October 2026, or None if it is not a month the page publishes."""
    try:
        year, month = (int(part) for part in value.split("-"))
        first = date(year, month, 1)
    except ValueError:
        return None
    today = timezone.localdate().replace(day=1)
    earliest = today
    for _i in range(settings.REPORTS_PUBLIC_MONTHS - 1):
        earliest = (earliest - timedelta(days=1)).replace(day=1)
    return first if earliest <= first <= today else None
