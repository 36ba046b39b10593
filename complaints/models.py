"""Complaints from citizens, and the cases that group them per platform account.

Transition rules live here, on the models; the writes that use them live in services.py.
Field names and values follow shared/docs/domain.md (CFPB, DSA transparency database, PTA practice).
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

from . import fields as pii_fields


class InvalidTransition(Exception):
    """A status change that the model's transition table does not allow."""


class CaseActionError(Exception):
    """An assignment, merge, split or triage that the state of the rows does not allow."""


class Role:
    """The staff groups that the roles migration creates. Other apps grant permissions to them by name."""

    CASEWORKER = "Caseworker"
    SUPERVISOR = "Supervisor"
    CORRESPONDENCE_OFFICER = "Correspondence officer"
    ANALYST = "Analyst"


class Province(models.TextChoices):
    PUNJAB = "PK-PB", _("Punjab")
    SINDH = "PK-SD", _("Sindh")
    KHYBER_PAKHTUNKHWA = "PK-KP", _("Khyber Pakhtunkhwa")
    BALOCHISTAN = "PK-BA", _("Balochistan")
    ISLAMABAD = "PK-IS", _("Islamabad Capital Territory")
    GILGIT_BALTISTAN = "PK-GB", _("Gilgit-Baltistan")
    AJK = "PK-JK", _("Azad Jammu and Kashmir")


class Language(models.TextChoices):
    URDU = "ur", _("Urdu")
    ENGLISH = "en", _("English")


class Platform(models.Model):
    """A platform the regulator corresponds with. Seeded, and editable in the admin."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The hosts whose profile URLs we accept for this platform, e.g. "x.com twitter.com".
    profile_hosts = models.CharField(_("profile URL hosts"), max_length=255, blank=True)
    response_hours = models.PositiveIntegerField(
        _("response deadline (hours)"), default=72, help_text=_("How long the platform has to answer a letter.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")

    def __str__(self) -> str:
        return self.name

    @property
    def hosts(self) -> list[str]:
        return self.profile_hosts.split()


class PlatformContact(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(
        _("role"), max_length=200, help_text=_('e.g. "Trust and Safety", "grievance officer in Pakistan"')
    )
    email = models.EmailField(_("email"))
    is_primary = models.BooleanField(_("primary contact"), default=True)

    class Meta:
        ordering = ["platform", "-is_primary", "name"]
        verbose_name = _("platform contact")
        verbose_name_plural = _("platform contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.role}, {self.platform})"


class StaffProfile(models.Model):
    """What assignment needs to know about a member of staff."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    is_away = models.BooleanField(_("away"), default=False, help_text=_("Away staff get no new cases."))
    # Empty means the caseworker takes cases for every platform.
    platforms = models.ManyToManyField(Platform, blank=True, related_name="team", verbose_name=_("platform team"))
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")

    def __str__(self) -> str:
        return str(self.user)


class ReferenceCounter(models.Model):
    """One row per (kind, year); incremented under its row lock so references never collide."""

    scope = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    value = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "year"], name="unique_counter_scope_year")]

    def __str__(self) -> str:
        return f"{self.scope} {self.year}: {self.value}"


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
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("case"), db_index=False
    )

    # The complainant. Everything that identifies them is encrypted at rest (nothing here is searched
    # or sorted on); the *_hash columns allow exact lookups of CNIC and mobile.
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
            models.Index(fields=["platform", "-received_at"], name="complaint_platform_idx"),
            models.Index(fields=["category", "-received_at"], name="complaint_category_idx"),
            models.Index(fields=["province", "-received_at"], name="complaint_province_idx"),
            models.Index(
                fields=["account_handle_normalized"],
                name="complaint_handle_like_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            # The keyed hashes are matched whole (selectors.complainant_search_q), never by pattern.
            models.Index(fields=["cnic_hash"], name="complaint_cnic_hash_idx"),
            models.Index(fields=["mobile_hash"], name="complaint_mobile_hash_idx"),
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
    # The citizen's file name never reaches the disk: it can carry PII or path tricks.
    return f"evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}"


class Evidence(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to, storage=private_storage, max_length=200)
    # The citizen's file name can carry their name or more (e.g. "cnic-farah-qureshi.jpg").
    original_name = pii_fields.EncryptedCharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(_("SHA-256 as received"), max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


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

    # What the citizen's tracking page may show. Notes, assignments and staff names never leave.
    PUBLIC_KINDS: ClassVar[set[str]] = {
        Kind.COMPLAINT_RECEIVED,
        Kind.COMPLAINT_ACCEPTED,
        Kind.COMPLAINT_REJECTED,
        Kind.COMPLAINT_DUPLICATE,
        Kind.STATUS_CHANGED,
    }

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
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
