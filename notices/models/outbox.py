"""The outbox: one Notice row per outbound message, with its own transition table."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.fields import EncryptedCharField, EncryptedTextField
from complaints.models import Case, Complaint, Language, PlatformContact

from ..failures import FailureKind


class InvalidTransition(Exception):
    """A status change that the model's transition table does not allow."""


class Channel(models.TextChoices):
    EMAIL = "EMAIL", _("Email")
    SMS = "SMS", _("SMS")
    WEBHOOK = "WEBHOOK", _("Webhook")


class NoticeKind(models.TextChoices):
    """What a notice is about: the template it was rendered from (or the webhook event), as staff read it."""

    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
    REJECTED = "rejected", _("Rejection notice")
    REJECTION_NOTE = "rejection_note", _("Rejection note")
    DUPLICATE = "duplicate", _("Duplicate notice")
    REFERRED = "referred", _("Referral notice")
    PLATFORM_RESPONDED = "platform_responded", _("Platform response notice")
    CLOSED = "closed", _("Closure notice")
    CASE_OVERDUE = "case_overdue", _("Overdue alert")
    LETTER_REINSTATEMENT_REQUEST = "letter_reinstatement_request", _("Reinstatement request letter")
    LETTER_INFORMATION_REQUEST = "letter_information_request", _("Information request letter")
    LETTER_REMINDER = "letter_reminder", _("Reminder letter")
    LETTER_ESCALATION = "letter_escalation", _("Escalation letter")
    LETTER_SENT_WEBHOOK = "letter.sent", _("Letter sent (webhook)")
    ADVANCE_WARNING = "advance_warning", _("Advance notice deadline alert")
    ADVANCE_LAPSED = "advance_lapsed", _("Advance notice lapsed alert")
    ADVANCE_NOTICE_RESPONSE = "advance_notice_response", _("Advance notice response")
    ADVANCE_RESPONSE_WEBHOOK = "advance_notice.response", _("Advance notice response (webhook)")
    REPORT_MONTHLY = "report_monthly", _("Monthly report")


class Notice(models.Model):
    """One outbound message. Written in the transaction that causes it; sent by a worker after commit."""

    class RecipientKind(models.TextChoices):
        CITIZEN = "CITIZEN", _("Citizen")
        PLATFORM_CONTACT = "PLATFORM_CONTACT", _("Platform contact")
        STAFF = "STAFF", _("Staff")

    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("Queued")
        SENDING = "SENDING", _("Sending")
        SENT = "SENT", _("Sent")
        FAILED = "FAILED", _("Failed, will retry")
        DEAD = "DEAD", _("Dead, needs attention")

    # SENDING -> FAILED is also how the sweeper reclaims a row whose worker died mid-send.
    # DEAD -> QUEUED is the supervisor's manual retry.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.QUEUED: {Status.SENDING},
        Status.SENDING: {Status.SENT, Status.FAILED, Status.DEAD},
        Status.FAILED: {Status.SENDING},
        Status.DEAD: {Status.QUEUED},
        Status.SENT: set(),
    }
    # What a worker may claim, provided next_attempt_at has passed.
    CLAIMABLE: ClassVar[list[str]] = [Status.QUEUED, Status.FAILED]

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient_kind = models.CharField(_("sent to"), max_length=20, choices=RecipientKind.choices)
    # Encrypted at rest like the complainant's own CNIC and mobile: a citizen's address and the body
    # (which names them and their case) are theirs. Nothing searches on either.
    address = EncryptedCharField(_("address"), max_length=254, help_text=_("Email address or E.164 mobile number."))
    complaint = models.ForeignKey(Complaint, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices")
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="notices")
    # Citizens' notices (most of the table) have no letter, contact or user: those are indexed only where set.
    letter = models.ForeignKey(
        "Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="notices", db_index=False
    )
    contact = models.ForeignKey(
        PlatformContact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # The choices label the list; a kind another branch adds before labelling it still saves, and
    # reads as words (notice_kind_label) until it gets its label here.
    kind = models.CharField(
        _("type"), max_length=40, choices=NoticeKind.choices, help_text=_("The template it was rendered from.")
    )
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = EncryptedTextField(_("body"))
    # Unique in Meta.constraints: unique=True would add a LIKE-pattern index nothing uses.
    idempotency_key = models.CharField(_("idempotency key"), max_length=200)

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # For QUEUED and FAILED rows: when a worker may next claim it, and when the sweeper looks at it.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    # A classified reason and a redacted message (notices.failures): never the provider's raw answer,
    # which quotes the recipient's address back.
    last_error_kind = models.CharField(_("last error kind"), max_length=20, choices=FailureKind.choices, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    provider_message_id = models.CharField(_("provider message ID"), max_length=255, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # A worker died after claiming the row: the provider may already have accepted that attempt, so
    # the next one may deliver a second copy (with the same Message-ID, so mail clients can fold it).
    possible_duplicate = models.BooleanField(_("possible duplicate"), default=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        permissions = [("retry_notice", "Can retry a dead notice")]
        constraints = [models.UniqueConstraint(fields=["idempotency_key"], name="notice_idempotency_key_unique")]
        indexes = [
            models.Index(fields=["letter"], name="notice_letter_idx", condition=Q(letter__isnull=False)),
            models.Index(fields=["contact"], name="notice_contact_idx", condition=Q(contact__isnull=False)),
            models.Index(fields=["user"], name="notice_user_idx", condition=Q(user__isnull=False)),
            # The sweeper's two scans: due QUEUED/FAILED rows, and SENDING rows claimed too long ago.
            models.Index(
                fields=["next_attempt_at"], name="notice_due_idx", condition=Q(status__in=["QUEUED", "FAILED"])
            ),
            models.Index(fields=["claimed_at"], name="notice_sending_idx", condition=Q(status="SENDING")),
            models.Index(fields=["status", "-created_at"], name="notice_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="notice_created_idx"),  # the admin's ordering
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.kind_label} → {self.get_recipient_kind_display()} ({self.status})"

    @property
    def kind_label(self) -> str:
        return notice_kind_label(self.kind)

    def check_transition(self, new_status: str) -> None:
        if new_status not in self.TRANSITIONS[self.status]:
            raise InvalidTransition(
                _("A notice that is %(old)s cannot become %(new)s.")
                % {"old": self.get_status_display(), "new": self.Status(new_status).label}
            )


def notice_kind_label(kind: str) -> str:
    """The kind's label; a kind without one reads as words ("case_overdue" as "Case overdue"), never snake_case."""
    if kind in NoticeKind.values:
        return str(NoticeKind(kind).label)
    return kind.replace("_", " ").replace(".", " ").strip().capitalize()
