"""The statistics' own rows: a daily summary of complaints, and the monthly reports as sent.

Everything else the dashboard, the scorecard and the public statistics show is read live from
complaints and notices (reports/selectors.py); see docs/reports.md for every figure's definition.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Platform, private_storage


class ComplaintDaySummary(models.Model):
    """Complaints received per local day (Asia/Karachi) and platform, counted once along each dimension.

    Each complaint adds one to its action type's row, one to its category's and one to its
    province's, so a day holds at most platforms x 20 rows however many complaints arrived. Beat
    rebuilds the last few days every ten minutes and ``manage.py statistics_rebuild`` any range: the
    dashboard groups a few thousand rows instead of a million complaints.
    """

    class Dimension(models.TextChoices):
        ACTION_TYPE = "action_type", _("what the platform did")
        CATEGORY = "category", _("what the content was about")
        PROVINCE = "province", _("province or territory")

    day = models.DateField(_("day"))
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+", verbose_name=_("platform"))
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    value = models.CharField(_("value"), max_length=30)
    complaints = models.PositiveIntegerField(_("complaints"))
    refreshed_at = models.DateTimeField(_("refreshed"), default=timezone.now)

    class Meta:
        verbose_name = _("statistics")
        verbose_name_plural = _("statistics")
        permissions = [("view_dashboard", "Can see the statistics dashboard, the scorecard and the reports")]
        constraints = [
            models.UniqueConstraint(fields=["day", "platform", "dimension", "value"], name="unique_complaint_day_cell")
        ]
        indexes = [models.Index(fields=["dimension", "day", "platform"], name="summary_dimension_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.platform_id} {self.dimension}={self.value}: {self.complaints}"


def report_upload_to(instance: MonthlyReport, filename: str) -> str:
    # The suffix is ours (".xlsx" or ".pdf"); the rest is random, like evidence paths.
    suffix = filename.rpartition(".")[2]
    return f"reports/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{suffix}"


class MonthlyReport(models.Model):
    """One month's report as it went out: its files stay in private storage so every retry of an
    email attaches the same bytes, and the notices that carry it point back here."""

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month reported on."))
    xlsx = models.FileField(upload_to=report_upload_to, storage=private_storage, max_length=200)
    pdf = models.FileField(upload_to=report_upload_to, storage=private_storage, max_length=200)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    notices = models.ManyToManyField("notices.Notice", blank=True, related_name="+")

    class Meta:
        ordering = ["-month"]
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        constraints = [models.CheckConstraint(condition=Q(month__day=1), name="monthly_report_first_of_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
