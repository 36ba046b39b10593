"""The public statistics and the open data: one row per platform and month, small counts suppressed.

The schema (docs/reports.md) is stable: ``platform``, ``month`` and then COLUMNS, in this order.
Only the published rows are cached; the raw counts never leave this module.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from complaints.models import Case

from . import selectors
from .selectors import Period
from .suppression import Rules, suppressed_keys

SCHEMA_VERSION = 1
OUTCOME_COLUMNS = [f"closed_{outcome.lower()}" for outcome in Case.Outcome.values]
COLUMNS = [
    "complaints_received",
    "cases_closed",
    *OUTCOME_COLUMNS,
    "letters_sent",
    "accounts_referred",
    "accounts_restored",
    "restoration_rate",
    "reply_rate",
    "median_days_to_reply",
    "replies_on_time_share",
    "no_reply_by_deadline_share",
    "notices_received",
    "median_notice_period_days",
    "answered_in_time_share",
    "objections_respected_share",
    "suspensions_without_notice",
]
RULES = Rules(
    counts=[
        "complaints_received",
        "letters_sent",
        "accounts_referred",
        "accounts_restored",
        "notices_received",
        "suspensions_without_notice",
    ],
    partitions=[("cases_closed", OUTCOME_COLUMNS)],
    rates=[
        ("restoration_rate", "accounts_restored", "accounts_closed"),
        ("reply_rate", "letters_replied", "letters_sent"),
        ("replies_on_time_share", "letters_replied_on_time", "letters_replied"),
        ("no_reply_by_deadline_share", "letters_no_reply_by_deadline", "letters_due"),
        ("answered_in_time_share", "notices_answered_in_time", "notices_due"),
        ("objections_respected_share", "objections_respected", "objections_settled"),
    ],
    medians=[("median_days_to_reply", "letters_replied"), ("median_notice_period_days", "notices_received")],
)


def suppressed_marker() -> str:
    """How a withheld value reads in the CSV file and on the page: "<5" with the default threshold."""
    return f"<{settings.REPORTS_SUPPRESS_BELOW}"


class Suppressed:
    """A published value withheld because it is, or would reveal, a count from 1 to 4."""

    def __str__(self) -> str:
        return suppressed_marker()


SUPPRESSED = Suppressed()


def months(*, today: date, count: int) -> list[date]:
    """The last ``count`` months, the current one included, oldest first."""
    first = today.replace(day=1)
    out = [first]
    while len(out) < count:
        out.append((out[-1] - timedelta(days=1)).replace(day=1))
    return out[::-1]


def published_rows(*, today: date | None = None) -> list[dict[str, Any]]:
    """Every platform and month, suppressed; served from the cache for REPORTS_PUBLIC_CACHE_SECONDS."""
    today = today or timezone.localdate()
    # The column count is in the key: rows cached before columns were added lack them.
    key = f"reports:public:v{SCHEMA_VERSION}.{len(COLUMNS)}:{today.isoformat()}"
    rows = cache.get(key)
    if rows is None:
        rows = _build(today=today)
        cache.set(key, rows, settings.REPORTS_PUBLIC_CACHE_SECONDS)
    marker = suppressed_marker()
    return [{k: SUPPRESSED if k in COLUMNS and v == marker else v for k, v in row.items()} for row in rows]


def _build(*, today: date) -> list[dict[str, Any]]:
    window = months(today=today, count=settings.REPORTS_PUBLIC_MONTHS)
    period = Period(window[0], today)
    complaints = selectors.complaints_by_platform_month(period=period)
    closed = selectors.cases_closed_by_platform_month(period=period)
    platforms = selectors.platforms()
    card = selectors.scorecard(period=period, by_month=True, platforms_by_id=platforms)
    rows = []
    for platform in platforms.values():
        for month in window:
            outcomes = closed.get((platform.pk, month), {})
            raw: dict[str, Any] = {
                "complaints_received": complaints.get((platform.pk, month), 0),
                "cases_closed": sum(outcomes.values()),
                **{f"closed_{o.lower()}": outcomes.get(o, 0) for o in Case.Outcome.values},
                **(
                    card.get((platform.pk, month)) or selectors.scorecard_row_empty(platform=platform, month=month)
                ).figures(),
            }
            if not platform.is_active and not any(raw[c] for c in COLUMNS if not c.endswith(("_rate", "_share"))):
                continue
            hidden = suppressed_keys(raw, RULES)
            # Stored as the marker string so the cached rows stay plain data.
            row = {"platform": platform.slug, "platform_name": platform.name, "month": f"{month:%Y-%m}"}
            row.update({c: suppressed_marker() if c in hidden else raw[c] for c in COLUMNS})
            rows.append(row)
    return rows


def as_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["platform", "month", *COLUMNS])
    for row in rows:
        writer.writerow([row["platform"], row["month"], *("" if row[c] is None else str(row[c]) for c in COLUMNS)])
    return out.getvalue()


def as_json(rows: list[dict[str, Any]]) -> str:
    data = {
        "schema_version": SCHEMA_VERSION,
        "columns": ["platform", "month", *COLUMNS],
        "suppressed_below": settings.REPORTS_SUPPRESS_BELOW,
        "rows": [
            {
                "platform": row["platform"],
                "month": row["month"],
                **{c: None if isinstance(row[c], Suppressed) else row[c] for c in COLUMNS},
            }
            for row in rows
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1)
