"""Exports of complaints, cases, letters and the PII access log, and the log of every one of them.

Every export writes an ExportLog row before a single data row leaves the portal; an export too
large to stream also gets an ExportJob, which a worker on the `long` queue runs into the private
storage, where the file waits until it expires.
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.fields import EncryptedJSONField
from complaints.models import Platform, private_storage


class Dataset(models.TextChoices):
    COMPLAINTS = "complaints", _("Complaints")
    CASES = "cases", _("Cases")
    LETTERS = "letters", _("Letters")
    PII_ACCESS = "pii_access", _("PII access log")


class Format(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportLog(models.Model):
    """Who exported which rows, with which filters, and whether the file held complainants' PII."""

    class Via(models.TextChoices):
        ADMIN = "ADMIN", _("Admin, streamed")
        JOB = "JOB", _("Admin, background job")
        COMMAND = "COMMAND", _("Command (scheduled)")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    dataset = models.CharField(_("dataset"), max_length=20, choices=Dataset.choices)
    format = models.CharField(_("format"), max_length=4, choices=Format.choices)
    via = models.CharField(_("via"), max_length=10, choices=Via.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"))
    with_pii = models.BooleanField(_("held PII"))
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("export")
        verbose_name_plural = _("export log")
        permissions = [("export_data", "Can export complaints, cases, letters and logs")]

    def __str__(self) -> str:
        return f"{self.get_dataset_display()} {self.get_format_display()} {self.at:%Y-%m-%d %H:%M}"


def export_storage() -> Storage:
    """The private storage: an export file has no URL and leaves only through the owner's download view."""
    return storages["private"]


class ExportJob(models.Model):
    """An export run by a worker: its progress, then its file until it expires."""

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        RUNNING = "RUNNING", _("Running")
        DONE = "DONE", _("Done")
        FAILED = "FAILED", _("Failed")
        EXPIRED = "EXPIRED", _("Expired")

    FINISHED: ClassVar[set[str]] = {Status.DONE, Status.FAILED, Status.EXPIRED}

    log = models.OneToOneField(ExportLog, on_delete=models.PROTECT, related_name="job")
    # What to export: the changelist query string (filters and search) or the ticked ids. A search
    # can be a CNIC or a mobile number, so it is encrypted, and emptied once the job has run.
    source = EncryptedJSONField(default=dict)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(_("rows"))
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    file = models.FileField(storage=export_storage, max_length=200, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [models.Index(fields=["expires_at"], name="exportjob_expiry_idx", condition=models.Q(status="DONE"))]

    def __str__(self) -> str:
        return f"{self.log} ({self.get_status_display()})"

    @property
    def filename(self) -> str:
        return f"{self.log.dataset}-{self.log.at:%Y%m%d-%H%M%S}.{self.log.format}"


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


class ReferralDaySummary(models.Model):
    """Referrals (a case named in a letter sent to a platform, reminders aside) by the letter's local
    day of sending and platform, each with the day the same case was last referred to that platform
    before, and whether the case is now closed, and closed as restored.

    A case referred twice in a period counts once there, so referral counts cannot simply be added up
    over days. Keeping the previous referral's day makes them additive again: a case counts in a
    period through its first referral in it, the one whose previous referral was before the period
    (or never). Beat rebuilds the table with the day summary; the dashboard then reads a few thousand
    rows instead of joining every referral of the period to its case.
    """

    day = models.DateField(_("day"))
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="+", verbose_name=_("platform"))
    previous_day = models.DateField(_("previous referral"), null=True)
    closed = models.BooleanField(_("case closed"))
    restored = models.BooleanField(_("case closed as restored"))
    referrals = models.PositiveIntegerField(_("referrals"))
    refreshed_at = models.DateTimeField(_("refreshed"), default=timezone.now)

    class Meta:
        verbose_name = _("referral statistics")
        verbose_name_plural = _("referral statistics")
        indexes = [models.Index(fields=["day", "platform"], name="referral_summary_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.platform_id}: {self.referrals}"


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
