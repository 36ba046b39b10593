"""A citizen's complaint and its evidence files, with the complaint's transition rules."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import fields as pii_fields
from .base import InvalidTransition, Language, Platform, Province
from .cases import Case


class Complaint(models.Model):
    """A citizen's report that a platform acted against their account or content."""

    class Status(models.TextChoices):
        RECEIVED = "RECEIVED", _("Received")
        ACCEPTED = "ACCEPTED", _("Accepted")
        REJECTED = "REJECTED", _("Rejected")
        DUPLICATE = "DUPLICATE", _("Duplicate")

    TRANSITIONS: ClassVar[dict[str, set[str]]] = {
        Status.RECEIVED: {Status.ACCEPTED, Status.REJECTED, Status.DUPLICATE},
        Status.ACCEPTED: {Status.REJECTED, Status.DUPLICATE},
        Status.REJECTED: {Status.ACCEPTED},
        Status.DUPLICATE: {Status.ACCEPTED},
    }

    class SubmittedVia(models.TextChoices):
        WEB = "WEB", _("Web")
        EMAIL = "EMAIL", _("Email")
        PHONE = "PHONE", _("Phone")
        POSTAL_MAIL = "POSTAL_MAIL", _("Postal mail")
        WALK_IN = "WALK_IN", _("Walk-in")
        REFERRAL = "REFERRAL", _("Referral")

    class AccountType(models.TextChoices):
        PRIVATE = "PRIVATE", _("Personal")
        BUSINESS = "BUSINESS", _("Business or organisation")

    class ActionType(models.TextChoices):
        ACCOUNT_SUSPENDED = "ACCOUNT_SUSPENDED", _("Account suspended")
        ACCOUNT_TERMINATED = "ACCOUNT_TERMINATED", _("Account permanently removed")
        ACCOUNT_LOCKED = "ACCOUNT_LOCKED", _("Account locked")
        ACCOUNT_WITHHELD_IN_COUNTRY = "ACCOUNT_WITHHELD_IN_COUNTRY", _("Account withheld in Pakistan")
        CONTENT_REMOVED = "CONTENT_REMOVED", _("Content removed")
        VISIBILITY_RESTRICTED = "VISIBILITY_RESTRICTED", _("Reach or visibility restricted")
        MONETISATION_RESTRICTED = "MONETISATION_RESTRICTED", _("Monetisation restricted")

    class Category(models.TextChoices):
        KASHMIR_SOLIDARITY = "KASHMIR_SOLIDARITY", _("Kashmir solidarity")
        POLITICAL_SPEECH = "POLITICAL_SPEECH", _("Political speech")
        RELIGIOUS_CONTENT = "RELIGIOUS_CONTENT", _("Religious content")
        JOURNALISM = "JOURNALISM", _("Journalism")
        IMPERSONATION_OR_HACKING = "IMPERSONATION_OR_HACKING", _("Impersonation or hacking")
        OTHER = "OTHER", _("Other")

    class RejectionReason(models.TextChoices):
        # What the citizen reads, translated: staff choose one and never type the citizen's text, so a
        # rejection cannot carry a link, a threat or a payload, and an Urdu notice stays in Urdu.
        INCOMPLETE = "INCOMPLETE", _("The complaint is missing details we need to take it up.")
        NOT_A_PLATFORM_ACTION = (
            "NOT_A_PLATFORM_ACTION",
            _("The complaint is not about a platform's action against an account or its content."),
        )
        PLATFORM_NOT_COVERED = "PLATFORM_NOT_COVERED", _("The service is not one of the platforms we correspond with.")
        NOT_THE_ACCOUNT_HOLDER = (
            "NOT_THE_ACCOUNT_HOLDER",
            _("A complaint must come from the account holder or someone they have authorised."),
        )
        TOO_OLD = "TOO_OLD", _("The platform's action is too long ago for us to take up.")
        OTHER = "OTHER", _("We cannot take up this complaint.")

    reference = models.CharField(_("reference"), max_length=40)  # unique in Meta.constraints, as Case's
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    submitted_via = models.CharField(
        _("submitted via"), max_length=20, choices=SubmittedVia.choices, default=SubmittedVia.WEB
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=30, choices=RejectionReason.choices, blank=True
    )
    # Staff-written, so internal until a supervisor other than its author approves it; only then is
    # it shown to the citizen (tracking page, one email). A new rejection starts it over.
    rejection_note = models.TextField(_("rejection note"), blank=True)
    rejection_note_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    rejection_note_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    rejection_note_approved_at = models.DateTimeField(_("rejection note approved"), null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    # No index of its own: complaint_case_idx and complaint_platform_idx lead with these keys.
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("case"), db_index=False
    )

    # The complainant. Everything that identifies them is encrypted at rest (nothing here is searched
    # or sorted on); the *_hash columns allow exact lookups of CNIC and mobile, through plain indexes
    # in Meta (db_index would add a second, pattern-matching index that no lookup of a hash uses).
    full_name = pii_fields.EncryptedCharField(_("full name"), max_length=200)
    cnic = pii_fields.EncryptedCharField(_("CNIC"), max_length=13)
    cnic_hash = models.CharField(max_length=64, editable=False)
    mobile = pii_fields.EncryptedCharField(_("mobile"), max_length=16)
    mobile_hash = models.CharField(max_length=64, editable=False)
    email = pii_fields.EncryptedEmailField(_("email"), blank=True)
    province = models.CharField(_("province or territory"), max_length=5, choices=Province.choices)
    city = models.CharField(_("city"), max_length=100)
    preferred_language = models.CharField(
        _("preferred language"), max_length=2, choices=Language.choices, default=Language.URDU
    )

    # The account and what the platform did to it.
    platform = models.ForeignKey(
        Platform, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("platform"), db_index=False
    )
    account_handle = models.CharField(_("account handle"), max_length=200)
    account_handle_normalized = models.CharField(_("normalized handle"), max_length=200)
    account_url = models.URLField(_("account URL"), blank=True, max_length=500)
    platform_account_id = models.CharField(_("platform account ID"), max_length=100, blank=True)
    account_type = models.CharField(
        _("account type"), max_length=10, choices=AccountType.choices, default=AccountType.PRIVATE
    )
    action_type = models.CharField(_("what the platform did"), max_length=30, choices=ActionType.choices)
    action_date = models.DateField(_("date of the action"))
    platform_notice_text = pii_fields.EncryptedTextField(_("reason the platform gave"), blank=True)
    appealed_to_platform = models.BooleanField(_("appealed to the platform"), default=False)
    platform_appeal_ref = models.CharField(_("platform appeal reference"), max_length=100, blank=True)
    category = models.CharField(_("what the content was about"), max_length=30, choices=Category.choices)
    narrative = pii_fields.EncryptedTextField(_("what happened"))
    consent_share_with_platform = models.BooleanField(_("consents to sharing details with the platform"), default=False)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        permissions = [
            ("view_complainant_pii", "Can view complainants' full CNIC, mobile and email"),
            ("approve_rejection_note", "Can approve a rejection note for the citizen to read"),
        ]
        # Each index is paid for by every submission: none is a prefix of another, and none is a
        # second copy of a unique constraint (see docs/intake.md, "What a submission costs").
        constraints = [models.UniqueConstraint(fields=["reference"], name="complaint_reference_unique")]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="complaint_received_idx"),
            models.Index(fields=["status", "-received_at"], name="complaint_status_idx"),
            models.Index(fields=["platform", "account_handle_normalized"], name="complaint_account_idx"),
            models.Index(fields=["case", "received_at"], name="complaint_case_idx"),
            # The case list's category and province filters probe a case's complaints from the index alone.
            models.Index(fields=["case", "category", "province"], name="complaint_case_facets_idx"),
            models.Index(fields=["cnic_hash"], name="complaint_cnic_hash_idx"),
            models.Index(fields=["mobile_hash"], name="complaint_mobile_hash_idx"),
            models.Index(fields=["platform", "-received_at"], name="complaint_platform_idx"),
            models.Index(fields=["category", "-received_at"], name="complaint_category_idx"),
            models.Index(fields=["province", "-received_at"], name="complaint_province_idx"),
            models.Index(
                fields=["account_handle_normalized"],
                name="complaint_handle_like_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # Set on few complaints; indexed only where set, for the SET NULL when a user or complaint goes.
            models.Index(
                fields=["duplicate_of"], name="complaint_duplicate_of_idx", condition=Q(duplicate_of__isnull=False)
            ),
            models.Index(
                fields=["rejection_note_by"],
                name="complaint_note_by_idx",
                condition=Q(rejection_note_by__isnull=False),
            ),
            models.Index(
                fields=["rejection_note_approved_by"],
                name="complaint_note_approver_idx",
                condition=Q(rejection_note_approved_by__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def rejection_note_public(self) -> str:
        """The note as the citizen may read it: only once approved."""
        return self.rejection_note if self.rejection_note_approved_at else ""

    def check_transition(self, new_status: str, *, reason: str = "") -> None:
        if new_status not in self.TRANSITIONS.get(self.status, set()):
            raise InvalidTransition(
                _("A complaint that is %(old)s cannot become %(new)s.")
                % {"old": self.get_status_display(), "new": self.Status(new_status).label}
            )
        if new_status == self.Status.REJECTED and reason not in self.RejectionReason.values:
            raise InvalidTransition(_("Rejecting a complaint requires one of the listed reasons."))


def private_storage() -> Storage:
    """Evidence storage has no URL; files leave only through the permission-checked download view."""
    return storages["private"]


def evidence_upload_to(instance: Evidence, filename: str) -> str:
    # The citizen's file name never reaches the disk: it can carry PII or path tricks. A picture as
    # received, before its re-encoding, is kept apart: nothing but the worker that cleans it reads it.
    folder = "quarantine" if instance.state == Evidence.State.PENDING else "evidence"
    return f"{folder}/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    class State(models.TextChoices):
        PENDING = "PENDING", _("Being checked")
        READY = "READY", _("Ready")
        REFUSED = "REFUSED", _("Could not be read")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    # Empty once REFUSED: the bytes that could not be read are not kept.
    file = models.FileField(upload_to=evidence_upload_to, storage=private_storage, max_length=200, blank=True)
    # A picture arrives PENDING: stored as received, it is re-encoded by a worker within seconds
    # (complaints.services.evidence). No view serves a file that is not READY.
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.READY)
    # When a worker took a PENDING picture to re-encode it: another worker leaves it alone until the
    # claim is CLEAN_CLAIM_SECONDS old (its worker died), then takes it over.
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The citizen's file name can carry their name or more (e.g. "cnic-farah-qureshi.jpg").
    original_name = pii_fields.EncryptedCharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(_("SHA-256 as received"), max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        indexes = [
            # The worker and its sweep look for PENDING pictures every half second: a handful among
            # millions of READY ones, found without reading the table.
            models.Index(fields=["id"], condition=Q(state="PENDING"), name="evidence_pending"),
        ]

    def __str__(self) -> str:
        return self.original_name
