"""The registry of platforms' advance notices: "we intend to suspend @handle, for this reason, from this date".

Vocabulary follows shared/docs/domain.md ("What a platform did or decided", "Advance notices").
The transition table lives here; the writes that use it live in notices.services.advance.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Case, Complaint, Platform

from .outbox import InvalidTransition

COUNTRY_CODE_RE = re.compile(r"^[A-Z]{2}$")
MAX_LIST_ITEMS = 200


class AdvanceNoticeError(Exception):
    """An advance-notice action that the state of the rows does not allow; the message is for staff."""


class AdvanceNoticeDuplicate(AdvanceNoticeError):
    """The platform already gave notice of this decision about this account (the API answers 422)."""

    def __init__(self, message: str, *, existing_id: int) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class DecisionAccount(models.TextChoices):
    SUSPENDED = "SUSPENDED", _("Account suspended")
    TERMINATED = "TERMINATED", _("Account terminated")


class DecisionVisibility(models.TextChoices):
    CONTENT_REMOVED = "CONTENT_REMOVED", _("Content removed")
    CONTENT_DISABLED = "CONTENT_DISABLED", _("Content disabled")
    CONTENT_DEMOTED = "CONTENT_DEMOTED", _("Content demoted")
    CONTENT_AGE_RESTRICTED = "CONTENT_AGE_RESTRICTED", _("Content age-restricted")
    INTERACTION_RESTRICTED = "INTERACTION_RESTRICTED", _("Interaction restricted")
    CONTENT_LABELLED = "CONTENT_LABELLED", _("Content labelled")
    OTHER = "OTHER", _("Other")


class DecisionGround(models.TextChoices):
    ILLEGAL_CONTENT = "ILLEGAL_CONTENT", _("Illegal content")
    INCOMPATIBLE_CONTENT = "INCOMPATIBLE_CONTENT", _("Incompatible with the terms of service")


class AutomatedDecision(models.TextChoices):
    FULLY = "FULLY", _("Fully automated")
    PARTIALLY = "PARTIALLY", _("Partially automated")
    NOT_AUTOMATED = "NOT_AUTOMATED", _("Not automated")


def validate_visibility_list(value: Any) -> None:
    if not isinstance(value, list) or len(value) > len(DecisionVisibility.values):
        raise ValidationError(_("Give a list of visibility decisions."), code="invalid")
    unknown = [v for v in value if v not in DecisionVisibility.values]
    if unknown:
        raise ValidationError(
            _("Unknown visibility decision: %(values)s.") % {"values": ", ".join(map(str, unknown))[:200]},
            code="invalid_choice",
        )
    if len(set(value)) != len(value):
        raise ValidationError(_("A visibility decision is listed twice."), code="invalid")


def validate_country_codes(value: Any) -> None:
    if not isinstance(value, list) or len(value) > 250:
        raise ValidationError(_("Give a list of two-letter country codes."), code="invalid")
    bad = [v for v in value if not isinstance(v, str) or not COUNTRY_CODE_RE.match(v)]
    if bad:
        raise ValidationError(
            _("Not a two-letter country code: %(values)s.") % {"values": ", ".join(map(str, bad))[:200]},
            code="invalid",
        )


def validate_url_list(value: Any) -> None:
    if not isinstance(value, list) or len(value) > MAX_LIST_ITEMS:
        raise ValidationError(_("Give a list of at most %(n)s links.") % {"n": MAX_LIST_ITEMS}, code="invalid")
    check = URLValidator(schemes=["http", "https"])
    for url in value:
        if not isinstance(url, str) or len(url) > 2000:
            raise ValidationError(_("A content link is not a valid URL."), code="invalid")
        check(url)


def decision_key(*, decision_account: str, decision_visibility: list[str]) -> str:
    """The proposed decision in one comparable form, whatever order the platform listed it in."""
    return "|".join([decision_account or "-", *sorted(decision_visibility)])


# The decision a platform proposes, in the DSA statement-of-reasons order: what it may submit, and
# what the admin shows under "Proposed decision".
PROPOSED_DECISION_FIELDS = (
    "decision_account",
    "decision_visibility",
    "territorial_scope",
    "decision_ground",
    "legal_ground",
    "tos_ground",
    "explanation",
    "content_urls",
    "content_text",
    "automated_detection",
    "automated_decision",
    "proposed_effective_date",
    "end_date",
    "authority_request",
    "authority_name",
)


class AdvanceNotice(models.Model):
    """A platform's notice that it intends to act against an account, and the regulator's answer."""

    class Source(models.TextChoices):
        API = "API", _("Platform API")
        EMAIL = "EMAIL", _("Email, entered by staff")

    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", _("Received")
        RESPONSE_DRAFTED = "RESPONSE_DRAFTED", _("Response drafted")
        AWAITING_APPROVAL = "AWAITING_APPROVAL", _("Awaiting approval")
        RESPONDED = "RESPONDED", _("Responded")
        LAPSED = "LAPSED", _("Lapsed, unanswered")

    class Response(models.TextChoices):
        NO_OBJECTION = "NO_OBJECTION", _("No objection")
        OBJECTION = "OBJECTION", _("Objection")
        REQUEST_INFORMATION = "REQUEST_INFORMATION", _("Request for information")

    class FinalAction(models.TextChoices):
        PROCEEDED = "PROCEEDED", _("Proceeded")
        WITHDRAWN = "WITHDRAWN", _("Withdrawn")
        MODIFIED = "MODIFIED", _("Modified")
        POSTPONED = "POSTPONED", _("Postponed")

    # An OBJECTION is drafted, then waits for a supervisor; the other answers go out at once. Any
    # change to a drafted objection passes through RESPONSE_DRAFTED again, dropping its approval.
    # RESPONDED -> ... only follows a REQUEST_INFORMATION (check_transition): the platform answered
    # and the regulator decides again.
    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.RECEIVED: {Status.RESPONSE_DRAFTED, Status.RESPONDED, Status.LAPSED},
        Status.RESPONSE_DRAFTED: {Status.AWAITING_APPROVAL, Status.RESPONDED, Status.LAPSED},
        Status.AWAITING_APPROVAL: {Status.RESPONSE_DRAFTED, Status.RESPONDED, Status.LAPSED},
        Status.RESPONDED: {Status.RESPONSE_DRAFTED, Status.RESPONDED},
        Status.LAPSED: set(),
    }
    OPEN_STATUSES: ClassVar[list[str]] = [Status.RECEIVED, Status.RESPONSE_DRAFTED, Status.AWAITING_APPROVAL]
    # Final actions after which the platform's intention is settled: no deadline, and no longer a duplicate.
    SETTLED_ACTIONS: ClassVar[list[str]] = [FinalAction.PROCEEDED, FinalAction.WITHDRAWN, FinalAction.MODIFIED]

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="advance_notices", verbose_name=_("platform")
    )
    account_handle = models.CharField(_("account handle"), max_length=200)
    account_handle_normalized = models.CharField(_("normalized handle"), max_length=200, editable=False)
    puid = models.CharField(_("platform's account ID"), max_length=100)

    decision_account = models.CharField(
        _("account decision"), max_length=20, choices=DecisionAccount.choices, blank=True
    )
    decision_visibility = models.JSONField(
        _("visibility decisions"), default=list, blank=True, validators=[validate_visibility_list]
    )
    # decision_account and the sorted visibility list, for the uniqueness rule.
    decision_key = models.CharField(max_length=250, editable=False)
    territorial_scope = models.JSONField(
        _("territorial scope"),
        default=list,
        blank=True,
        validators=[validate_country_codes],
        help_text=_("Country codes where the decision would apply; empty means worldwide."),
    )
    decision_ground = models.CharField(_("ground"), max_length=30, choices=DecisionGround.choices)
    legal_ground = models.TextField(_("legal ground"), blank=True, max_length=2000)
    tos_ground = models.TextField(_("terms-of-service ground"), blank=True, max_length=2000)
    explanation = models.TextField(_("explanation"), max_length=10000)
    content_urls = models.JSONField(_("content links"), default=list, blank=True, validators=[validate_url_list])
    content_text = models.TextField(_("content at issue"), blank=True, max_length=50000)
    automated_detection = models.BooleanField(_("detected automatically"), default=False)
    automated_decision = models.CharField(
        _("automated decision"),
        max_length=20,
        choices=AutomatedDecision.choices,
        default=AutomatedDecision.NOT_AUTOMATED,
    )
    proposed_effective_date = models.DateTimeField(_("proposed effective date"))
    end_date = models.DateTimeField(_("end date"), null=True, blank=True, help_text=_("Blank means indefinite."))
    authority_request = models.BooleanField(_("at a public authority's request"), default=False)
    authority_name = models.CharField(_("requesting authority"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    platform_reference = models.CharField(_("platform's reference"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    emergency = models.BooleanField(_("emergency"), default=False)
    response_due_at = models.DateTimeField(_("response due"))

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_advance_notices",
        verbose_name=_("assigned to"),
    )
    # Each deadline step happens once: the beat claims it by setting these with a conditional update.
    warned_at = models.DateTimeField(_("deadline warning sent"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at the deadline"), null=True, blank=True)
    lapsed_at = models.DateTimeField(_("lapsed"), null=True, blank=True)

    response = models.CharField(_("response"), max_length=20, choices=Response.choices, blank=True)
    response_reasons = models.TextField(_("reasons"), blank=True, max_length=10000)
    response_rule = models.CharField(_("rule relied on"), max_length=300, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    drafted_at = models.DateTimeField(_("drafted"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    responded_at = models.DateTimeField(_("responded"), null=True, blank=True)

    final_action = models.CharField(_("what the platform did"), max_length=20, choices=FinalAction.choices, blank=True)
    final_action_date = models.DateField(_("date of the final action"), null=True, blank=True)
    final_action_note = models.TextField(_("note on the final action"), blank=True, max_length=5000)
    final_action_recorded_at = models.DateTimeField(null=True, blank=True)

    cases = models.ManyToManyField(Case, blank=True, related_name="advance_notices", verbose_name=_("cases"))
    complaints = models.ManyToManyField(
        Complaint, blank=True, related_name="advance_notices", verbose_name=_("complaints")
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["response_due_at", "id"]
        verbose_name = _("advance notice")
        verbose_name_plural = _("advance notices")
        permissions = [
            ("respond_advancenotice", "Can draft and send the regulator's response to an advance notice"),
            ("approve_advancenotice", "Can approve an objection to an advance notice"),
            ("record_advancenotice_outcome", "Can record what the platform finally did"),
        ]
        constraints = [
            # The same decision about the same account, still pending, is one notice. Once the
            # platform reports what it did (other than postponing), a fresh notice is a new intention.
            models.UniqueConstraint(
                fields=["platform", "puid", "decision_key"],
                condition=Q(final_action__in=["", "POSTPONED"]),
                name="one_pending_advance_notice_per_decision",
            ),
            models.CheckConstraint(condition=~Q(decision_key="-"), name="advance_notice_proposes_a_decision"),
        ]
        indexes = [
            models.Index(fields=["response_due_at", "id"], name="advance_due_idx"),
            models.Index(fields=["status", "response_due_at"], name="advance_status_idx"),
            models.Index(fields=["platform", "account_handle_normalized"], name="advance_account_idx"),
            models.Index(fields=["platform", "puid"], name="advance_puid_idx"),
            models.Index(
                fields=["assigned_to", "status"],
                name="advance_open_assignee_idx",
                condition=Q(status__in=["RECEIVED", "RESPONSE_DRAFTED", "AWAITING_APPROVAL"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.platform.name if self.platform_id else ''} @{self.account_handle_normalized}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if not self.decision_account and not self.decision_visibility:
            errors.setdefault("decision_account", []).append(
                str(_("Propose an account decision, a visibility decision, or both."))
            )
        if self.decision_ground == DecisionGround.ILLEGAL_CONTENT and not self.legal_ground.strip():
            errors.setdefault("legal_ground", []).append(str(_("Illegal content needs the legal ground.")))
        if self.decision_ground == DecisionGround.INCOMPATIBLE_CONTENT and not self.tos_ground.strip():
            errors.setdefault("tos_ground", []).append(
                str(_("Incompatible content needs the terms-of-service ground."))
            )
        if self.authority_request and not self.authority_name.strip():
            errors.setdefault("authority_name", []).append(str(_("Name the authority that made the request.")))
        if self.end_date and self.proposed_effective_date and self.end_date <= self.proposed_effective_date:
            errors.setdefault("end_date", []).append(str(_("The end date must come after the effective date.")))
        if errors:
            raise ValidationError(errors)

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.response_due_at < timezone.now()

    @property
    def objection_respected(self) -> bool | None:
        """Did the platform keep to an objection it received? None until that can be said.

        WITHDRAWN keeps to it; PROCEEDED and MODIFIED (it still acted against the account) do not;
        POSTPONED is not yet an answer.
        """
        if self.response != self.Response.OBJECTION or self.status != self.Status.RESPONDED:
            return None
        if self.final_action == self.FinalAction.WITHDRAWN:
            return True
        if self.final_action in (self.FinalAction.PROCEEDED, self.FinalAction.MODIFIED):
            return False
        return None

    @property
    def decided_by_id(self) -> int | None:
        """Who decided the response: the approver of an objection, otherwise whoever sent it."""
        return self.approved_by_id if self.response == self.Response.OBJECTION else self.drafted_by_id

    def response_digest(self) -> str:
        """What a supervisor approves: if any of it changes afterwards, the approval no longer applies."""
        payload = json.dumps([self.response, self.response_reasons, self.response_rule], ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()

    def check_transition(self, new_status: str) -> None:
        if new_status not in self.TRANSITIONS[self.status] or (
            self.status == self.Status.RESPONDED and self.response != self.Response.REQUEST_INFORMATION
        ):
            raise InvalidTransition(
                _("An advance notice that is %(old)s cannot become %(new)s.")
                % {"old": self.get_status_display(), "new": self.Status(new_status).label}
            )


class AdvanceNoticeEvent(models.Model):
    """The notice's timeline: one row for every change, written in the same transaction as the change."""

    class Kind(models.TextChoices):
        RECEIVED = "RECEIVED", _("Received")
        LINKED = "LINKED", _("Linked to cases and complaints")
        ASSIGNED = "ASSIGNED", _("Assigned")
        RESPONSE_DRAFTED = "RESPONSE_DRAFTED", _("Response drafted")
        SUBMITTED = "SUBMITTED", _("Submitted for approval")
        APPROVED = "APPROVED", _("Approved")
        RESPONDED = "RESPONDED", _("Response sent")
        WARNED = "WARNED", _("Deadline warning")
        ESCALATED = "ESCALATED", _("Escalated at the deadline")
        LAPSED = "LAPSED", _("Lapsed")
        FINAL_ACTION = "FINAL_ACTION", _("Final action recorded")

    notice = models.ForeignKey(AdvanceNotice, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("advance notice event")
        verbose_name_plural = _("advance notice events")
        indexes = [models.Index(fields=["notice", "created_at"], name="advance_event_notice_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
