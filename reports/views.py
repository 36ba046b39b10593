"""The public statistics page and the open data files. Anonymous, read-only, cached, suppressed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from complaints.models import Case

from . import public
from .dashboard import figure_display
from .definitions import CASES_CLOSED, COMPLAINTS_RECEIVED, SCORECARD
from .forms import month_parse


def _display(key: str, value: Any) -> str:
    return str(value) if isinstance(value, public.Suppressed) else figure_display(key, value)


@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    window = public.months(today=today, count=settings.REPORTS_PUBLIC_MONTHS)
    # The latest complete month, unless the reader picks another (the current one is still filling).
    default = window[-2] if len(window) > 1 else window[-1]
    error = ""
    month: date | None = default
    if "month" in request.GET:
        month = month_parse(request.GET["month"])
        if month is None:
            error = _("Choose one of the months in the list.")
            month = default
    key = f"{month:%Y-%m}"
    outcome_labels = dict(Case.Outcome.choices)
    platforms = []
    for row in public.published_rows(today=today):
        if row["month"] != key:
            continue
        platforms.append(
            {
                "name": row["platform_name"],
                "complaints_received": _display("complaints_received", row["complaints_received"]),
                "cases_closed": _display("cases_closed", row["cases_closed"]),
                "outcomes": [
                    (outcome_labels[o], _display(c, row[c]))
                    for o, c in zip(Case.Outcome.values, public.OUTCOME_COLUMNS, strict=True)
                ],
                "scorecard": [(f.key, f.label, _display(f.key, row[f.key])) for f in SCORECARD],
            }
        )
    context = {
        "month": month,
        "month_key": key,
        "months": [(f"{m:%Y-%m}", m) for m in reversed(window)],
        "platforms": platforms,
        "error": error,
        "definitions": [COMPLAINTS_RECEIVED, CASES_CLOSED, *SCORECARD],
        "suppress_below": settings.REPORTS_SUPPRESS_BELOW,
    }
    return render(request, "reports/statistics.html", context, status=400 if error else 200)


def _data_response(content: str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = f"public, max-age={settings.REPORTS_PUBLIC_CACHE_SECONDS}"
    return response


@require_GET
def statistics_csv(request: HttpRequest) -> HttpResponse:
    return _data_response(public.as_csv(public.published_rows()), "text/csv; charset=utf-8", "statistics.csv")


@require_GET
def statistics_json(request: HttpRequest) -> HttpResponse:
    return _data_response(public.as_json(public.published_rows()), "application/json", "statistics.json")
