"""Correspondence with platforms: letters, their cases, and the replies.

Letter and reply vocabulary follows shared/docs/domain.md (Lumen notices, MuckRock requests).
"""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.fields import EncryptedTextField
from complaints.models import Case, Language, PlatformContact, private_storage

from .outbox import InvalidTransition


class LetterType(models.TextChoices):
    REINSTATEMENT_REQUEST = "REINSTATEMENT_REQUEST", _("Reinstatement request")
    INFORMATION_REQUEST = "INFORMATION_REQUEST", _("Information request")
    REMINDER = "REMINDER", _("Reminder")
    ESCALATION = "ESCALATION", _("Escalation")


class LetterTemplate(models.Model):
    """The wording of a letter type in one language, in Django template syntax. Editable in the admin."""

    letter_type = models.CharField(_("letter type"), max_length=30, choices=LetterType.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(
        _("body"),
        help_text=_(
            "Django template over plain values: letter.our_reference, date, reply_by, response_hours, platform.name, "
            "contact.name, contact.role, cases (each: reference, account_handle), case_count, legal_basis, "
            "regulator_name, signatory, office, and for reminders original.our_reference, original.date_sent, "
            "original.response_due_at."
        ),
    )

    class Meta:
        ordering = ["letter_type", "language"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [models.UniqueConstraint(fields=["letter_type", "language"], name="unique_letter_template")]

    def __str__(self) -> str:
        return f"{self.get_letter_type_display()} ({self.language})"


class Letter(models.Model):
    """A letter to a platform about one or many cases (in 2019 one letter carried 333 handles)."""

    class Channel(models.TextChoices):
        EMAIL = "EMAIL", _("Email")
        PLATFORM_PORTAL = "PLATFORM_PORTAL", _("Platform portal")
        POSTAL = "POSTAL", _("Postal")

    class Status(models.TextChoices):
        DRAFT = "DRAFT", _("Draft")
        APPROVED = "APPROVED", _("Approved")
        SENT = "SENT", _("Sent")
        REPLIED = "REPLIED", _("Replied")

    # APPROVED -> DRAFT: what was approved changed (the wording, the recipient, the annex), so it
    # needs a supervisor's approval again.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.DRAFT: {Status.APPROVED},
        Status.APPROVED: {Status.SENT, Status.DRAFT},
        Status.SENT: {Status.REPLIED},
        Status.REPLIED: set(),
    }

    letter_type = models.CharField(_("letter type"), max_length=30, choices=LetterType.choices)
    our_reference = models.CharField(_("our reference"), max_length=40, unique=True)
    platform = models.ForeignKey("complaints.Platform", on_delete=models.PROTECT, related_name="letters")
    contact = models.ForeignKey(
        PlatformContact, on_delete=models.PROTECT, null=True, blank=True, related_name="letters"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.EMAIL)
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    # Frozen when a supervisor approves: sending uses exactly these, never the contact or cases as they
    # are by then. Until approval the annex is rendered from the cases on demand.
    recipient_email = models.EmailField(_("recipient as approved"), blank=True, editable=False)
    # Encrypted: it names the consenting complainants.
    # Null, not "": the encrypted field stores an empty value as NULL.
    annex_csv = EncryptedTextField(_("annex as approved"), null=True, blank=True, editable=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    reminder_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reminders", verbose_name=_("reminder of")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    date_sent = models.DateTimeField(_("date sent"), null=True, blank=True)
    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True)
    # When the reminder beat task next looks at this letter; moved on by one response period per reminder.
    next_reminder_at = models.DateTimeField(_("next reminder"), null=True, blank=True, editable=False)
    platform_ticket_ref = models.CharField(_("platform ticket reference"), max_length=100, blank=True)
    cases = models.ManyToManyField(Case, through="LetterCase", related_name="letters")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        permissions = [
            ("approve_letter", "Can approve a letter to a platform"),
            ("send_letter", "Can send an approved letter"),
        ]
        indexes = [
            models.Index(fields=["next_reminder_at"], name="letter_reminder_idx", condition=Q(status="SENT")),
            models.Index(fields=["status", "-created_at"], name="letter_status_idx"),
        ]

    def __str__(self) -> str:
        return self.our_reference

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == self.Status.SENT
            and self.response_due_at is not None
            and self.response_due_at < timezone.now()
        )

    def check_transition(self, new_status: str) -> None:
        if new_status not in self.TRANSITIONS[self.status]:
            raise InvalidTransition(
                _("A letter that is %(old)s cannot become %(new)s.")
                % {"old": self.get_status_display(), "new": self.Status(new_status).label}
            )


class LetterCase(models.Model):
    letter = models.ForeignKey(Letter, on_delete=models.CASCADE, related_name="letter_cases")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letter_cases")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["letter", "case"], name="unique_letter_case")]

    def __str__(self) -> str:
        return f"{self.letter_id}:{self.case_id}"


class Reply(models.Model):
    """A platform's answer to a letter: an acknowledgement, a request for information or a decision."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "ACKNOWLEDGEMENT", _("Acknowledgement")
        INFORMATION_REQUEST = "INFORMATION_REQUEST", _("Request for information")
        DECISION = "DECISION", _("Decision")

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="replies", verbose_name=_("letter"))
    received_at = models.DateTimeField(_("received"))
    platform_ticket_ref = models.CharField(_("platform ticket reference"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.DECISION)
    text = models.TextField(_("text"))
    is_timely = models.BooleanField(_("timely"), null=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.letter}"


def reply_upload_to(instance: ReplyAttachment, filename: str) -> str:
    # As with evidence: the sender's file name can carry PII or path tricks, so it never reaches the disk.
    return f"replies/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class ReplyAttachment(models.Model):
    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=reply_upload_to, storage=private_storage, max_length=200)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reply attachment")
        verbose_name_plural = _("reply attachments")

    def __str__(self) -> str:
        return self.original_name


class ReplyCaseOutcome(models.Model):
    """What the platform did about one case of the letter (Lumen's action_taken), and our outcome."""

    class ActionTaken(models.TextChoices):
        YES = "YES", _("Yes")
        NO = "NO", _("No")
        PARTIAL = "PARTIAL", _("Partial")
        UNSPECIFIED = "UNSPECIFIED", _("Unspecified")

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="outcomes")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="reply_outcomes", verbose_name=_("case"))
    action_taken = models.CharField(
        _("action taken"), max_length=12, choices=ActionTaken.choices, default=ActionTaken.UNSPECIFIED
    )
    # Blank: the case moves to PLATFORM_RESPONDED for review. Set: the case is closed with it.
    outcome = models.CharField(_("close with outcome"), max_length=30, choices=Case.Outcome.choices, blank=True)

    class Meta:
        verbose_name = _("case outcome")
        verbose_name_plural = _("case outcomes")
        constraints = [models.UniqueConstraint(fields=["reply", "case"], name="unique_reply_case")]

    def __str__(self) -> str:
        return f"{self.case} {self.action_taken}"


class CorrespondenceEvent(models.Model):
    """A change to what letters are made of (a template's wording, a platform contact), with old and new."""

    class Kind(models.TextChoices):
        TEMPLATE_CHANGED = "TEMPLATE_CHANGED", _("Letter template changed")
        CONTACT_CHANGED = "CONTACT_CHANGED", _("Platform contact changed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    contact = models.ForeignKey(PlatformContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # {"old": {...} | None, "new": {...} | None}: None is a creation or a deletion.
    data = models.JSONField(_("change"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("correspondence change")
        verbose_name_plural = _("correspondence changes")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"
