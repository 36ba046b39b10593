"""The case's timeline and the PII access log: rows written beside the change they record."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import Case
from .complaints import Complaint


class CaseEvent(models.Model):
    """The case's timeline: one row for every change, written in the same transaction as the change."""

    class Kind(models.TextChoices):
        COMPLAINT_RECEIVED = "COMPLAINT_RECEIVED", _("Complaint received")
        COMPLAINT_ACCEPTED = "COMPLAINT_ACCEPTED", _("Complaint accepted")
        COMPLAINT_REJECTED = "COMPLAINT_REJECTED", _("Complaint rejected")
        COMPLAINT_DUPLICATE = "COMPLAINT_DUPLICATE", _("Complaint marked duplicate")
        REJECTION_NOTE_APPROVED = "REJECTION_NOTE_APPROVED", _("Rejection note approved")
        CASE_OPENED = "CASE_OPENED", _("Case opened")
        STATUS_CHANGED = "STATUS_CHANGED", _("Status changed")
        ASSIGNED = "ASSIGNED", _("Assigned")
        PRIORITY_CHANGED = "PRIORITY_CHANGED", _("Priority changed")
        NOTE = "NOTE", _("Internal note")
        MERGED = "MERGED", _("Merged")
        SPLIT = "SPLIT", _("Split")
        ESCALATED = "ESCALATED", _("Escalated as overdue")
        LETTER = "LETTER", _("Letter")
        REPLY = "REPLY", _("Platform reply")
        NOTICE = "NOTICE", _("Notice")
        EVIDENCE_CHECKED = "EVIDENCE_CHECKED", _("Evidence checked")

    # What the citizen's tracking page may show. Notes, assignments and staff names never leave.
    PUBLIC_KINDS: ClassVar[set[str]] = {
        Kind.COMPLAINT_RECEIVED,
        Kind.COMPLAINT_ACCEPTED,
        Kind.COMPLAINT_REJECTED,
        Kind.COMPLAINT_DUPLICATE,
        Kind.STATUS_CHANGED,
    }

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)  # event_case_idx
    complaint = models.ForeignKey(Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["case", "created_at"], name="event_case_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class PiiAccessLog(models.Model):
    """Who saw or exported complainants' PII, and when."""

    class Action(models.TextChoices):
        REVEAL = "REVEAL", _("Revealed in the admin")
        EXPORT = "EXPORT", _("Exported")
        EVIDENCE = "EVIDENCE", _("Downloaded evidence")
        # A search by CNIC or mobile; detail holds the kind of term only, never the value.
        SEARCH = "SEARCH", _("Searched by CNIC or mobile")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, null=True, blank=True, related_name="pii_access")
    action = models.CharField(max_length=10, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("PII access")
        verbose_name_plural = _("PII access log")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"
