"""The case: one platform account and every complaint about it, with its transition rules."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import InvalidTransition, Platform


class Case(models.Model):
    """One platform account, and every complaint about it."""

    class Status(models.TextChoices):
        NEW = "NEW", _("New")
        IN_REVIEW = "IN_REVIEW", _("In review")
        REFERRED_TO_PLATFORM = "REFERRED_TO_PLATFORM", _("Referred to platform")
        AWAITING_PLATFORM = "AWAITING_PLATFORM", _("Awaiting platform")
        PLATFORM_RESPONDED = "PLATFORM_RESPONDED", _("Platform responded")
        ESCALATED = "ESCALATED", _("Escalated")
        CLOSED = "CLOSED", _("Closed")

    class Priority(models.TextChoices):
        ROUTINE = "ROUTINE", _("Routine")
        EMERGENCY = "EMERGENCY", _("Emergency")

    class Outcome(models.TextChoices):
        REINSTATED = "REINSTATED", _("Restored")
        PARTIALLY_REINSTATED = "PARTIALLY_REINSTATED", _("Partly restored")
        RESTRICTION_UPHELD = "RESTRICTION_UPHELD", _("Restriction upheld")
        RESTRICTION_MODIFIED = "RESTRICTION_MODIFIED", _("Restriction modified")
        WITHHELD_IN_COUNTRY_ONLY = "WITHHELD_IN_COUNTRY_ONLY", _("Withheld in Pakistan only")
        NO_RESPONSE = "NO_RESPONSE", _("No response from the platform")
        WITHDRAWN = "WITHDRAWN", _("Withdrawn")
        NOT_PURSUED = "NOT_PURSUED", _("Not pursued")

    # The workflow. CLOSED -> IN_REVIEW is a reopening.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.NEW: {Status.IN_REVIEW, Status.CLOSED},
        Status.IN_REVIEW: {Status.REFERRED_TO_PLATFORM, Status.ESCALATED, Status.CLOSED},
        Status.REFERRED_TO_PLATFORM: {Status.AWAITING_PLATFORM, Status.IN_REVIEW, Status.CLOSED},
        Status.AWAITING_PLATFORM: {Status.PLATFORM_RESPONDED, Status.ESCALATED, Status.CLOSED},
        Status.PLATFORM_RESPONDED: {Status.IN_REVIEW, Status.REFERRED_TO_PLATFORM, Status.ESCALATED, Status.CLOSED},
        Status.ESCALATED: {Status.IN_REVIEW, Status.REFERRED_TO_PLATFORM, Status.AWAITING_PLATFORM, Status.CLOSED},
        Status.CLOSED: {Status.IN_REVIEW},
    }
    OPEN_STATUSES: ClassVar[list[str]] = [
        Status.NEW,
        Status.IN_REVIEW,
        Status.REFERRED_TO_PLATFORM,
        Status.AWAITING_PLATFORM,
        Status.PLATFORM_RESPONDED,
        Status.ESCALATED,
    ]

    # Unique through Meta.constraints: unique=True would add a second, LIKE-pattern index, and a
    # reference is only ever looked up whole. Foreign keys whose index another index starts with, or
    # whose column is mostly empty, get their index in Meta.indexes (or none) instead of db_index.
    reference = models.CharField(_("reference"), max_length=40)
    # No index of its own: the composite indexes below lead with the platform and the assignee.
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="cases", verbose_name=_("platform"), db_index=False
    )
    account_handle = models.CharField(_("account handle"), max_length=200)
    account_handle_normalized = models.CharField(_("normalized handle"), max_length=200)
    status = models.CharField(_("status"), max_length=30, choices=Status.choices, default=Status.NEW)
    priority = models.CharField(_("priority"), max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_cases",
        verbose_name=_("assigned to"),
        db_index=False,
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    due_at = models.DateTimeField(_("due"), null=True, blank=True, help_text=_("When the current step is overdue."))
    sent_to_platform_at = models.DateTimeField(_("sent to platform"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("platform response due"), null=True, blank=True)
    platform_responded_at = models.DateTimeField(_("platform responded"), null=True, blank=True)
    timely_response = models.BooleanField(_("timely response"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=30, choices=Outcome.choices, blank=True)
    # A case split out of another may share its account; only an unsplit case receives new complaints.
    split_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    merged_into = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # When the escalation task last flagged this case; it flags again only once a later due_at passes.
    escalated_at = models.DateTimeField(_("escalated as overdue"), null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("view_all_cases", "Can see every case, not only unassigned ones and their own"),
            ("assign_case", "Can assign and reassign cases, and act on anyone's case"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="case_reference_unique"),
            # Two concurrent complaints about one account must end in one case: the loser of the
            # race hits this constraint and joins the winner's case.
            models.UniqueConstraint(
                fields=["platform", "account_handle_normalized"],
                condition=~Q(status="CLOSED") & Q(split_from__isnull=True),
                name="one_open_case_per_account",
            ),
            models.CheckConstraint(condition=~Q(status="CLOSED") | ~Q(outcome=""), name="closed_case_has_outcome"),
        ]
        indexes = [
            models.Index(fields=["-opened_at", "-id"], name="case_opened_idx"),
            models.Index(fields=["status", "-opened_at"], name="case_status_idx"),
            # Open cases per caseworker: "My cases" (counts by status, overdue first) and the load that
            # automatic assignment compares, without touching the closed cases that are most of the table.
            models.Index(
                fields=["assigned_to", "status", "due_at"],
                name="case_open_assignee_idx",
                condition=~Q(status="CLOSED"),
            ),
            models.Index(fields=["assigned_to", "-opened_at"], name="case_assignee_idx"),
            models.Index(fields=["due_at"], name="case_due_idx", condition=~Q(status="CLOSED")),
            models.Index(fields=["platform", "account_handle_normalized"], name="case_account_idx"),
            models.Index(fields=["platform", "-opened_at"], name="case_platform_idx"),
            models.Index(fields=["priority", "-opened_at"], name="case_priority_idx"),
            # LIKE 'prefix%' on the handle search, whatever the database collation.
            models.Index(
                fields=["account_handle_normalized"], name="case_handle_like_idx", opclasses=["varchar_pattern_ops"]
            ),
            # Deleting a case sets these to NULL; the partial indexes cost nothing for the unsplit,
            # unmerged cases that are nearly all of them.
            models.Index(fields=["split_from"], name="case_split_from_idx", condition=Q(split_from__isnull=False)),
            models.Index(fields=["merged_into"], name="case_merged_into_idx", condition=Q(merged_into__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.platform.name if self.platform_id else ''} @{self.account_handle_normalized}"

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at is not None and self.due_at < timezone.now()

    def available_transitions(self) -> list[str]:
        return [s for s in self.Status.values if s in self.TRANSITIONS[self.status]]

    def check_transition(self, new_status: str, *, outcome: str = "") -> None:
        """Raise InvalidTransition unless the workflow allows moving to ``new_status``."""
        if new_status not in self.Status.values:
            raise InvalidTransition(_("Unknown status %(status)s.") % {"status": new_status})
        if new_status not in self.TRANSITIONS[self.status]:
            raise InvalidTransition(
                _("A case that is %(old)s cannot become %(new)s.")
                % {"old": self.get_status_display(), "new": self.Status(new_status).label}
            )
        if new_status == self.Status.CLOSED and outcome not in self.Outcome.values:
            raise InvalidTransition(_("Closing a case requires an outcome."))
