"""The dashboard's figures as plain data, for the admin page, the XLSX and the PDF alike.

Templates get dicts and strings built here, never model objects (docs/reports.md lists the figures).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import selectors
from .definitions import COMPLAINTS_RECEIVED, SCORECARD
from .selectors import Period


def figure_display(key: str, value: Any) -> str:
    """How a figure reads on a page: rates as whole percentages, medians to one decimal."""
    if value is None:
        return "–"
    if key.endswith(("_rate", "_share")):
        return f"{round(value * 100)}%"
    if key.startswith("median_"):
        return f"{value:g}"
    return str(value)


def chart(*, chart_id: str, title: str, rows: list[tuple[str, int]]) -> dict[str, Any]:
    """A bar chart and the table behind it: each bar's length is its share of the largest value."""
    top = max((value for _label, value in rows), default=0) or 1
    return {
        "id": chart_id,
        "title": title,
        "height": 28 * len(rows) + 8,
        "rows": [
            {
                "label": str(label),
                "value": value,
                "pct": round(100 * value / top, 1),
                "y": 28 * i + 4,
                "text_y": 28 * i + 22,
            }
            for i, (label, value) in enumerate(rows)
        ],
    }


def _timeline(period: Period, platform_ids: list[int] | None, granularity: str) -> list[tuple[str, int]]:
    by_day = dict(selectors.complaints_by(period=period, platform_ids=platform_ids, group="day"))
    buckets: dict[date, int] = {}
    day = period.start
    while day <= period.end:
        bucket = day - timedelta(days=day.weekday()) if granularity == "week" else day
        buckets[bucket] = buckets.get(bucket, 0) + by_day.get(day, 0)
        day += timedelta(days=1)
    return [(bucket.isoformat(), n) for bucket, n in buckets.items()]


def scorecard_table(rows: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Figures as columns, with their definitions; one row per (label, figures)."""
    return {
        "figures": [{"key": f.key, "label": str(f.label), "definition": str(f.definition)} for f in SCORECARD],
        "rows": [
            {
                "label": label,
                "values": [figures[f.key] for f in SCORECARD],
                "cells": [figure_display(f.key, figures[f.key]) for f in SCORECARD],
            }
            for label, figures in rows
        ],
    }


def dashboard_figures(*, period: Period, platform_ids: list[int] | None, granularity: str = "week") -> dict[str, Any]:
    platforms = selectors.platforms()
    labels = selectors.complaint_labels()
    now = timezone.now()

    def by(group: str, names: dict[Any, str]) -> list[tuple[str, int]]:
        rows = selectors.complaints_by(period=period, platform_ids=platform_ids, group=group)
        return sorted(((names.get(key, str(key)), n) for key, n in rows), key=lambda r: -r[1])

    platform_names = {pk: p.name for pk, p in platforms.items()}
    timeline = _timeline(period, platform_ids, granularity)
    cases = selectors.open_cases(platform_ids=platform_ids, now=now)
    card = selectors.scorecard(
        period=period, platform_ids=platform_ids, now=now, platforms_by_id=platforms, referrals_from_summary=True
    )
    return {
        "period": {"start": period.start.isoformat(), "end": period.end.isoformat()},
        "platforms": ", ".join(platform_names[pk] for pk in platform_ids or [] if pk in platform_names)
        or _("All platforms"),
        "complaints_total": sum(n for _label, n in timeline),
        "complaints_definition": str(COMPLAINTS_RECEIVED.definition),
        "granularity": granularity,
        "charts": [
            chart(
                chart_id="timeline",
                title=_("Complaints received per week") if granularity == "week" else _("Complaints received per day"),
                rows=timeline,
            ),
            chart(chart_id="by-platform", title=_("Complaints by platform"), rows=by("platform_id", platform_names)),
            chart(
                chart_id="by-action",
                title=_("Complaints by what the platform did"),
                rows=by("action_type", labels["action_type"]),
            ),
            chart(
                chart_id="by-category",
                title=_("Complaints by what the content was about"),
                rows=by("category", labels["category"]),
            ),
            chart(chart_id="by-province", title=_("Complaints by province"), rows=by("province", labels["province"])),
            chart(
                chart_id="cases-by-status",
                title=_("Open cases now, by status"),
                rows=[(labels["status"][s], n) for s, n in cases.by_status.items()],
            ),
        ],
        "backlog": [
            {"name": b.name or _("Unassigned"), "open_cases": b.open_cases, "overdue": b.overdue} for b in cases.backlog
        ],
        "scorecard": scorecard_table(
            [(platform_names.get(row.platform_id, "?"), row.figures()) for row in _sorted(card, platform_names)]
        ),
    }


def dashboard_figures_cached(
    *, period: Period, platform_ids: list[int] | None, granularity: str = "week", refresh: bool = False
) -> dict[str, Any]:
    """dashboard_figures, kept in the cache for REPORTS_DASHBOARD_CACHE_SECONDS per filter and language.

    The complaint counts already lag by up to the summary's refresh interval; holding the figures as
    long costs nothing in freshness and spares the referrals join (the page's dearest query at a
    million complaints) on every reload. Beat warms the default view (summary_refresh_task).
    """
    platforms = ",".join(str(pk) for pk in sorted(platform_ids or []))
    key = f"reports:dashboard:v2:{get_language()}:{period.start}:{period.end}:{platforms}:{granularity}"
    figures = None if refresh else cache.get(key)
    if figures is None:
        figures = dashboard_figures(period=period, platform_ids=platform_ids, granularity=granularity)
        # Shown on the page: some figures come from summaries that beat rebuilds, so an analyst must
        # know how old the page is before comparing it with a list that counts live.
        figures["computed_at"] = timezone.now()
        cache.set(key, figures, settings.REPORTS_DASHBOARD_CACHE_SECONDS)
    return figures


def _sorted(card: dict[Any, selectors.ScorecardRow], names: dict[int, str]) -> list[selectors.ScorecardRow]:
    return sorted(card.values(), key=lambda row: (names.get(row.platform_id, ""), row.month or date.min))
