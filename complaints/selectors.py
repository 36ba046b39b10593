"""Reads: who may see which case, what a caseworker's day looks like, and staff-side searches."""

from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy

from .models import Case, CaseEvent, Complaint, Evidence, Platform
from .pii import cnic_digits, email_mask, mobile_mask, pii_hash
from .tracking import TrackFacts, track_next, track_outcome, track_status

AnyUser = User | AnonymousUser

# The public form's platforms, kept in each process for a few seconds: the blank page and every
# submission asked the database for a list that changes a few times a year, a query and a round trip
# each under a campaign. A change saved in the admin reaches its own process at once
# (ComplaintsConfig.ready connects platforms_forget) and the other processes within these seconds.
PLATFORMS_KEEP_SECONDS = 5.0
_platforms_kept: tuple[float, tuple[Platform, ...]] | None = None


def platforms_active() -> tuple[Platform, ...]:
    """The platforms a citizen can choose, in the form's order. Shared within the process: never
    change them; ``platform_active`` hands out a copy."""
    global _platforms_kept
    now = time.monotonic()
    if _platforms_kept is None or now - _platforms_kept[0] > PLATFORMS_KEEP_SECONDS:
        _platforms_kept = (now, tuple(Platform.objects.filter(is_active=True)))
    return _platforms_kept[1]


def platform_active(*, pk: object) -> Platform | None:
    """The active platform with this id (a copy of the kept one), or None.

    An id the kept list lacks is looked up once more in the database: a platform added in another
    process is accepted at once, and a bot sending made-up ids costs the query every submission cost.
    """
    for fresh in (False, True):
        if fresh:
            platforms_forget()
        for platform in platforms_active():
            if str(platform.pk) == str(pk):
                return copy.copy(platform)
    return None


def platforms_forget(**_signal: object) -> None:
    global _platforms_kept
    _platforms_kept = None


def user_is_caseworker(user: AnyUser) -> bool:
    """A member of the Caseworker group who does not also see every case (a supervisor, say)."""
    if not user.is_authenticated or user.is_superuser:
        return False
    return user.has_perm("complaints.view_case") and not user.has_perm("complaints.view_all_cases")


def case_visible_to(user: AnyUser, queryset: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """Every case for supervisors, analysts and correspondence; unassigned and own for caseworkers."""
    cases = Case.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("complaints.view_case"):
        return cases.none()
    if user.has_perm("complaints.view_all_cases"):
        return cases
    return cases.filter(Q(assigned_to__isnull=True) | Q(assigned_to=user.pk))


def case_is_visible_to(user: AnyUser, case: Case) -> bool:
    """case_visible_to for one case already loaded, without a query."""
    if not user.is_authenticated or not user.has_perm("complaints.view_case"):
        return False
    return user.has_perm("complaints.view_all_cases") or case.assigned_to_id in (None, user.pk)


def case_changeable_by(user: AnyUser, case: Case) -> bool:
    """Supervisors act on any case; a caseworker only on their own."""
    if not user.is_authenticated or not user.has_perm("complaints.change_case"):
        return False
    return user.has_perm("complaints.assign_case") or case.assigned_to_id == user.pk


def complaint_visible_to(user: AnyUser, queryset: QuerySet[Complaint] | None = None) -> QuerySet[Complaint]:
    complaints = Complaint.objects.all() if queryset is None else queryset
    if not user.is_authenticated or not user.has_perm("complaints.view_complaint"):
        return complaints.none()
    if user.has_perm("complaints.view_all_cases"):
        return complaints
    return complaints.filter(Q(case__assigned_to__isnull=True) | Q(case__assigned_to=user.pk))


# --- Open work: each definition is one Q, used by the landing pages' counts and by the changelist
# filters their links open (complaints/admin/filters.py), so that a count and its list cannot disagree.

DUE_SOON = timedelta(days=7)


def case_open_q() -> Q:
    return ~Q(status=Case.Status.CLOSED)


def case_overdue_q(now: datetime) -> Q:
    return case_open_q() & Q(due_at__lt=now)


def case_due_soon_q(now: datetime) -> Q:
    """Open and due within DUE_SOON, not yet overdue."""
    return case_open_q() & Q(due_at__gte=now, due_at__lt=now + DUE_SOON)


def case_unassigned_q() -> Q:
    """The queue caseworkers take from: open cases nobody holds, whatever their status."""
    return case_open_q() & Q(assigned_to__isnull=True)


def my_cases_summary(user: AnyUser, *, overdue_limit: int = 25) -> dict[str, Any]:
    """A caseworker's landing page: open cases by status, the overdue ones first, and the queue."""
    now = timezone.now()
    mine = Case.objects.filter(case_open_q(), assigned_to=user.pk)
    counts, overdue_total = {}, 0
    for status, n, late in (
        mine.order_by()
        .values_list("status")
        .annotate(n=Count("status"), late=Count("status", filter=case_overdue_q(now)))
    ):
        counts[status] = n
        overdue_total += late
    overdue = list(mine.filter(case_overdue_q(now)).select_related("platform").order_by("due_at")[:overdue_limit])
    # Only cases with a deadline: an OR with "no deadline" would defeat the index and scan the table.
    upcoming = list(mine.filter(due_at__gte=now).select_related("platform").order_by("due_at")[:25])
    unassigned = case_visible_to(user).filter(case_unassigned_q())
    return {
        "by_status": [(label, counts.get(value, 0), value) for value, label in Case.Status.choices if value in counts],
        "open_total": sum(counts.values()),
        "overdue": overdue,
        "overdue_total": overdue_total,
        "upcoming": upcoming,
        # Capped like the changelist's own count (CappedCountPaginator): both say "1000+" past it.
        "unassigned_total": unassigned[:1000].count(),
    }


def case_complaints(case: Case) -> QuerySet[Complaint]:
    return case.complaints.prefetch_related("evidence").order_by("received_at", "id")


MOBILE_RE = re.compile(r"^(?:\+?92|0)?(3\d{9})$")
# Every reference the portal makes: PTA-2026-000123 (complaint), PTA-C-2026-000123 (case), and the
# bulk seed's PTA-B-2025-0000019 (complaint) and PTA-CB-2025-0000019 (case). The label does not say
# which table a reference is in, so the search looks in both, each on its unique index.
REFERENCE_RE = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)?-\d{4}-\d{1,9}$")


def mobile_e164(term: str) -> str | None:
    """'0300 1234567', '+92 300-1234567' or '3001234567' as +923001234567; None if not a mobile."""
    compact = re.sub(r"[\s\-()]", "", term)
    match = MOBILE_RE.match(compact)
    return f"+92{match.group(1)}" if match else None


def complainant_term_kind(term: str) -> str | None:
    """ "cnic" or "mobile" if the search term is one, else None. Only the kind: never log the term."""
    term = term.strip()
    digits = cnic_digits(term)
    if len(digits) == 13 and re.fullmatch(r"[\d\-\s]+", term):
        return "cnic"
    return "mobile" if mobile_e164(term) else None


def complainant_search_q(term: str) -> Q | None:
    """A CNIC or mobile in the search box, as an exact match on its keyed hash; None if it is neither."""
    kind = complainant_term_kind(term)
    if kind == "cnic":
        return Q(cnic_hash=pii_hash(cnic_digits(term)))
    if kind == "mobile":
        return Q(mobile_hash=pii_hash(mobile_e164(term.strip()) or ""))
    return None


def _reference_case_ids(reference: str) -> list[int]:
    """The cases a reference names: the case itself, or the case of the complaint it is."""
    ids = list(Case.objects.filter(reference=reference).values_list("pk", flat=True))
    ids += Complaint.objects.filter(reference=reference).values_list("case_id", flat=True)
    return ids


def case_search(queryset: QuerySet[Case], term: str, *, by_complainant: bool = False) -> QuerySet[Case]:
    """Reference (exact), the handle (prefix), and with ``by_complainant`` the CNIC or mobile of any
    complainant (exact). Without it a CNIC or mobile is searched as what it otherwise is, a handle."""
    term = term.strip()
    if not term:
        return queryset
    if REFERENCE_RE.match(term):
        return queryset.filter(pk__in=_reference_case_ids(term.upper()))
    complainant = complainant_search_q(term) if by_complainant else None
    if complainant is not None:
        return queryset.filter(Exists(Complaint.objects.filter(complainant, case=OuterRef("pk"))))
    return queryset.filter(account_handle_normalized__startswith=_handle_term(term))


def complaint_search(queryset: QuerySet[Complaint], term: str, *, by_complainant: bool = False) -> QuerySet[Complaint]:
    """As case_search: a complaint's own reference or its case's, the handle, and the complainant."""
    term = term.strip()
    if not term:
        return queryset
    if REFERENCE_RE.match(term):
        reference = term.upper()
        cases = list(Case.objects.filter(reference=reference).values_list("pk", flat=True))
        return queryset.filter(Q(reference=reference) | Q(case_id__in=cases))
    complainant = complainant_search_q(term) if by_complainant else None
    if complainant is not None:
        return queryset.filter(complainant)
    return queryset.filter(account_handle_normalized__startswith=_handle_term(term))


def complaint_by_reference_for(user: AnyUser, reference: str) -> Complaint | None:
    """The complaint with this reference if the user may see it; None alike if unknown or not theirs."""
    reference = reference.strip().upper()
    if not reference:
        return None
    return complaint_visible_to(user).filter(reference=reference).first()


def _handle_term(term: str) -> str:
    # Handles are matched in their normalized form: no @, lower case (handles.handle_normalize).
    return term.lstrip("@").lower()


# --- The citizen's side: tracking a complaint, and staff fetching its evidence ---------------------

PUBLIC_EVENT_TEXT: dict[str, Promise] = {
    CaseEvent.Kind.COMPLAINT_RECEIVED: gettext_lazy("We received your complaint."),
    CaseEvent.Kind.COMPLAINT_ACCEPTED: gettext_lazy("Your complaint was accepted for review."),
    CaseEvent.Kind.COMPLAINT_REJECTED: gettext_lazy("Your complaint could not be taken up."),
    CaseEvent.Kind.COMPLAINT_DUPLICATE: gettext_lazy(
        "Your complaint was joined to an earlier complaint about the same account."
    ),
}


@dataclass(frozen=True)
class PublicEvent:
    at: datetime
    kind: str
    new_status: str  # for STATUS_CHANGED: the case status it moved to; "" otherwise

    @property
    def text(self) -> str:
        """The event in plain words, in the language of the page being rendered."""
        if self.kind == CaseEvent.Kind.STATUS_CHANGED and self.new_status in Case.Status.values:
            return gettext("Progress: %(status)s") % {"status": Case.Status(self.new_status).label}
        text = PUBLIC_EVENT_TEXT.get(self.kind)
        return str(text if text is not None else CaseEvent.Kind(self.kind).label)


@dataclass(frozen=True)
class PublicTrack:
    """What a citizen may see of their complaint: one status, the outcome, the next step and a
    timeline; never notes or staff names. The words come out in the language of the page rendered."""

    reference: str
    received_at: datetime
    rejection_reason: str  # a Complaint.RejectionReason code, "" unless rejected
    rejection_note: str  # only a note a supervisor approved for the citizen
    facts: TrackFacts
    events: list[PublicEvent]

    @property
    def status_label(self) -> str:
        return track_status(self.facts)

    @property
    def outcome(self) -> str:
        return track_outcome(self.facts)

    @property
    def next_step(self) -> str:
        return track_next(self.facts)

    @property
    def rejection_reason_label(self) -> str:
        if self.rejection_reason not in Complaint.RejectionReason.values:
            return ""
        return str(Complaint.RejectionReason(self.rejection_reason).label)


def complaint_track_lookup(*, reference: str, mobile: str) -> PublicTrack | None:
    """The complaint filed with this reference *and* mobile (E.164), or None.

    A wrong mobile and an unknown reference both give None through the same single query, so the
    answer (and its timing) tells a guesser nothing about which references exist.
    """
    complaint = (
        Complaint.objects.filter(reference=reference, mobile_hash=pii_hash(mobile))
        .select_related("case")
        .only(
            "reference",
            "received_at",
            "status",
            "rejection_reason",
            "rejection_note",
            "rejection_note_approved_at",
            "case__status",
            "case__outcome",
            "case__due_at",
            "case__response_due_at",
            "case__platform_responded_at",
            "case__closed_at",
        )
        .first()
    )
    if complaint is None:
        return None
    # Case events from before this complaint joined belong to other citizens' complaints; events
    # tied to another complaint of the same case are theirs too.
    rows = (
        CaseEvent.objects.filter(
            case_id=complaint.case_id, kind__in=CaseEvent.PUBLIC_KINDS, created_at__gte=complaint.received_at
        )
        .filter(Q(complaint__isnull=True) | Q(complaint_id=complaint.pk))
        .order_by("created_at", "id")
        .values_list("created_at", "kind", "data")
    )
    events = [PublicEvent(at=at, kind=kind, new_status=_public_new_status(kind, data)) for at, kind, data in rows]
    rejected = complaint.status == Complaint.Status.REJECTED
    case = complaint.case
    return PublicTrack(
        reference=complaint.reference,
        received_at=complaint.received_at,
        rejection_reason=complaint.rejection_reason if rejected else "",
        rejection_note=complaint.rejection_note_public if rejected else "",
        facts=TrackFacts(
            complaint_status=complaint.status,
            case_status=case.status,
            outcome=case.outcome,
            due_at=case.due_at,
            response_due_at=case.response_due_at,
            platform_responded_at=case.platform_responded_at,
            closed_at=case.closed_at,
        ),
        events=events,
    )


@dataclass(frozen=True)
class Confirmation:
    """Where the acknowledgement went, masked: the page may be seen over a shoulder or left open."""

    reference: str
    sms_to: str  # "+92 *** *****67", or "" when no SMS was sent
    email_to: str  # "f***@***.com", or ""


def complaint_confirmation(*, reference: str) -> Confirmation | None:
    complaint = Complaint.objects.filter(reference=reference).only("reference", "mobile", "email").first()
    if complaint is None:
        return None
    # The rule notices.services.citizen_notify follows: email if given, else SMS, or both if configured.
    by_sms = not complaint.email or settings.NOTICE_SMS_ALSO_WHEN_EMAIL
    return Confirmation(
        reference=complaint.reference,
        sms_to=mobile_mask(complaint.mobile) if by_sms else "",
        email_to=email_mask(complaint.email) if complaint.email else "",
    )


def _public_new_status(kind: str, data: dict[str, Any]) -> str:
    # Only the status: a transition's data may also carry a staff note, which stays inside.
    return str(data.get("new", "")) if kind == CaseEvent.Kind.STATUS_CHANGED else ""


def evidence_for_download(*, user: User | AnonymousUser, evidence_id: int) -> Evidence | None:
    """The evidence file if this member of staff may download it: the permission and the case's
    visibility, and a file that is READY (a picture still being checked is the citizen's bytes as
    received; complaints.services.evidence)."""
    if not user.is_authenticated or not user.has_perm("complaints.view_evidence"):
        return None
    return (
        Evidence.objects.filter(pk=evidence_id, state=Evidence.State.READY, complaint__case__in=case_visible_to(user))
        .select_related("complaint")
        .first()
    )
