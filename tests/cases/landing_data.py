"""The landing pages' test data: a morning's work for the whole team, shared by the page tests and
the browser tests that take the documentation's screenshots."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from complaints.models import Case
from notices.models import Letter, LetterCase, LetterType
from tests.factories import complaint_create, platform_get


def case_at(handle: str, *, platform: str = "x", **fields) -> Case:
    case = complaint_create(platform_slug=platform, account_handle=handle).case
    Case.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    return case


def letter_at(status: str, *, platform: str = "x", cases: tuple[Case, ...] = (), **fields) -> Letter:
    n = Letter.objects.count() + 1
    letter = Letter.objects.create(
        letter_type=LetterType.REINSTATEMENT_REQUEST,
        our_reference=f"PTA-L-2026-{n:06d}",
        platform=platform_get(platform),
        legal_basis="PECA 2016 s.37",
        subject="Reinstatement request",
        body="Please restore the accounts listed.",
        status=status,
        **fields,
    )
    LetterCase.objects.bulk_create([LetterCase(letter=letter, case=case) for case in cases])
    return letter


def office_create(ayesha, bilal, sana) -> dict[str, Case]:
    """A morning's work: Ayesha holds three open cases (one overdue, one due in three days) and a
    closed one; Bilal an overdue escalation; two open cases in different statuses wait unassigned
    (the old queue link showed only the NEW one); letters in every state."""
    now = timezone.now()
    day = timedelta(days=1)
    cases = {
        "late": case_at("late_one", assigned_to=ayesha, status=Case.Status.IN_REVIEW, due_at=now - day),
        "soon": case_at("soon_one", assigned_to=ayesha, status=Case.Status.IN_REVIEW, due_at=now + 3 * day),
        "later": case_at("later_one", assigned_to=ayesha, status=Case.Status.NEW, due_at=now + 20 * day),
        "closed": case_at(
            "closed_one", assigned_to=ayesha, status=Case.Status.CLOSED, outcome=Case.Outcome.REINSTATED, due_at=None
        ),
        "escalated": case_at(
            "escalated_one", platform="facebook", assigned_to=bilal, status=Case.Status.ESCALATED, due_at=now - day
        ),
        "queue_new": case_at("queue_new", assigned_to=None, status=Case.Status.NEW, due_at=now + day),
        "queue_review": case_at("queue_review", assigned_to=None, status=Case.Status.IN_REVIEW, due_at=now + 9 * day),
        "ready": case_at("ready_one", assigned_to=bilal, status=Case.Status.REFERRED_TO_PLATFORM, due_at=now + day),
        "drafted": case_at("drafted_one", assigned_to=bilal, status=Case.Status.REFERRED_TO_PLATFORM, due_at=now + day),
    }
    letter_at(Letter.Status.DRAFT, cases=(cases["drafted"],))
    letter_at(Letter.Status.APPROVED, platform="facebook", approved_at=now - day, approved_by=sana)
    letter_at(Letter.Status.SENT, date_sent=now - 5 * day, response_due_at=now - 2 * day)
    letter_at(Letter.Status.SENT, platform="facebook", date_sent=now - 5 * day, response_due_at=now - day)
    letter_at(Letter.Status.SENT, platform="facebook", date_sent=now - 4 * day, response_due_at=now - day)
    letter_at(Letter.Status.SENT, date_sent=now - day, response_due_at=now + 2 * day)  # not due yet
    letter_at(Letter.Status.REPLIED, date_sent=now - 9 * day, response_due_at=now - 5 * day)  # answered
    return cases
