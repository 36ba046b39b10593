"""Reads for exports: the rows a dataset covers, from the reports database, and who may see a job."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Model, QuerySet
from django.utils import timezone

from complaints.selectors import complainant_search_q
from regulator_portal.routers import reports_alias

from ..datasets import DatasetSpec
from ..models import Dataset, ExportJob

PII_PERMISSION = "complaints.view_complainant_pii"
EXPORT_PERMISSION = "reports.export_data"

# The field a dataset's period and platform filters apply to, and the order it is written in.
PERIOD_FIELD: dict[str, str] = {
    Dataset.COMPLAINTS: "received_at",
    Dataset.CASES: "opened_at",
    Dataset.LETTERS: "created_at",
    Dataset.PII_ACCESS: "at",
}
PLATFORM_FIELD: dict[str, str] = {
    Dataset.COMPLAINTS: "platform__slug",
    Dataset.CASES: "platform__slug",
    Dataset.LETTERS: "platform__slug",
}


def user_may_export(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and user.has_perm(EXPORT_PERMISSION)


def export_with_pii(user: User | AnonymousUser, spec: DatasetSpec) -> bool:
    """PII columns go to those cleared for PII, and only in a dataset that has them."""
    return spec.has_pii and user.is_authenticated and user.has_perm(PII_PERMISSION)


def export_rows_source(queryset: QuerySet[Model]) -> QuerySet[Model]:
    """The same rows, read from the reports database (a replica, when there is one)."""
    return queryset.using(reports_alias())


def dataset_queryset(
    spec: DatasetSpec,
    *,
    since: date | None = None,
    until: date | None = None,
    platform: str | None = None,
) -> QuerySet[Model]:
    """Every row of a dataset in a period (days in Pakistan time, both ends included), oldest first."""
    field = PERIOD_FIELD[spec.name]
    rows = spec.model._default_manager.all()
    if since is not None:
        rows = rows.filter(**{f"{field}__gte": _day_start(since)})
    if until is not None:
        rows = rows.filter(**{f"{field}__lt": _day_start(until, next_day=True)})
    if platform is not None:
        rows = rows.filter(**{PLATFORM_FIELD[spec.name]: platform})
    return export_rows_source(rows.order_by(field, "pk"))


def _day_start(day: date, *, next_day: bool = False) -> datetime:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start + timedelta(days=1) if next_day else start


def filters_for_log(query: dict[str, list[str]]) -> dict[str, list[str]]:
    """The changelist's filters as the log keeps them: a search for a CNIC or a mobile is not copied."""
    logged = dict(query)
    if any(complainant_search_q(term) is not None for term in logged.get("q", [])):
        logged["q"] = ["(a CNIC or mobile number)"]
    return logged


def export_job_for_user(*, user: User | AnonymousUser, job_id: int) -> ExportJob | None:
    """The job if it is this user's: nobody else, not even a supervisor, downloads someone's export."""
    if not user.is_authenticated:
        return None
    return ExportJob.objects.using("default").select_related("log").filter(pk=job_id, log__user=user.pk).first()
