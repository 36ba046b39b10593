"""Exports of complaints, cases, letters and the PII access log, and the log of every one of them.

Every export writes an ExportLog row before a single data row leaves the portal; an export too
large to stream also gets an ExportJob, which a worker on the `long` queue runs into the private
storage, where the file waits until it expires.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedJSONField


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
