"""Transitions, triage, merge and split: through the admin buttons and the services behind them."""

from __future__ import annotations

import pytest

from complaints import signals
from complaints.models import Case, CaseActionError, CaseEvent, Complaint, InvalidTransition
from complaints.services import (
    case_merge,
    case_split,
    case_transition,
    complaint_mark_duplicate,
    complaint_reject,
)
from tests.factories import complaint_create

from .conftest import verified_client

pytestmark = pytest.mark.django_db
CASES = "/admin/complaints/case/"


@pytest.fixture
def case(ayesha) -> Case:
    case = complaint_create().case
    case.refresh_from_db()
    assert case.assigned_to == ayesha
    return case


def test_caseworker_moves_her_case_forward_and_the_timeline_shows_it(ayesha, case):
    client = verified_client(ayesha)
    response = client.post(f"{CASES}{case.pk}/transition/", {"to": "IN_REVIEW"}, follow=True)
    assert "The case is now In review" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW and case.due_at is not None
    event = case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).get()
    assert (event.actor, event.data) == (ayesha, {"old": "NEW", "new": "IN_REVIEW"})
    assert "In review" in client.get(f"{CASES}{case.pk}/change/").content.decode()


def test_an_illegal_transition_is_an_admin_error_message_not_a_500(ayesha, case):
    response = verified_client(ayesha).post(f"{CASES}{case.pk}/transition/", {"to": "AWAITING_PLATFORM"}, follow=True)
    assert response.status_code == 200
    assert "A case that is New cannot become Awaiting platform." in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW
    assert not case.events.filter(kind=CaseEvent.Kind.STATUS_CHANGED).exists()


def test_an_unknown_status_is_an_admin_error_message(ayesha, case):
    response = verified_client(ayesha).post(f"{CASES}{case.pk}/transition/", {"to": "DONE"}, follow=True)
    assert response.status_code == 200 and "Nothing changed" in response.content.decode()


def test_closing_requires_an_outcome(ayesha, case):
    client = verified_client(ayesha)
    response = client.post(f"{CASES}{case.pk}/transition/", {"to": "CLOSED", "outcome": ""}, follow=True)
    assert "Closing a case requires an outcome." in response.content.decode()
    client.post(f"{CASES}{case.pk}/transition/", {"to": "CLOSED", "outcome": "WITHDRAWN"})
    case.refresh_from_db()
    assert (case.status, case.outcome, case.due_at) == (Case.Status.CLOSED, "WITHDRAWN", None)
    assert case.closed_at is not None


def test_closing_as_not_pursued_waits_until_every_complaint_is_triaged(ayesha, case):
    client = verified_client(ayesha)
    response = client.post(f"{CASES}{case.pk}/transition/", {"to": "CLOSED", "outcome": "NOT_PURSUED"}, follow=True)
    assert "Triage this case&#x27;s complaints before closing it as not pursued" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.NEW
    complaint_reject(complaint=case.complaints.get(), reason=Complaint.RejectionReason.TOO_OLD, actor=ayesha)
    client.post(f"{CASES}{case.pk}/transition/", {"to": "CLOSED", "outcome": "NOT_PURSUED"})
    case.refresh_from_db()
    assert (case.status, case.outcome, case.due_at) == (Case.Status.CLOSED, "NOT_PURSUED", None)
    assert case.closed_at is not None


def test_changelist_action_reports_each_invalid_transition(ayesha, case):
    case_transition(case=case, to=Case.Status.CLOSED, actor=ayesha, outcome="WITHDRAWN")
    response = verified_client(ayesha).post(
        CASES, {"action": "cases_escalate", "_selected_action": [case.pk]}, follow=True
    )
    assert "cannot become Escalated" in response.content.decode()


def test_note_from_the_case_page_is_an_event(ayesha, case):
    verified_client(ayesha).post(f"{CASES}{case.pk}/note/", {"text": "Asked the citizen for the appeal number."})
    note = case.events.get(kind=CaseEvent.Kind.NOTE)
    assert (note.actor, note.data["text"]) == (ayesha, "Asked the citizen for the appeal number.")


def test_reject_needs_a_reason_and_sends_its_signal_inside_the_transaction(ayesha, case):
    complaint = case.complaints.get()
    # A reason is one of the listed codes: free text (a link, a threat) is refused like no reason.
    for not_a_reason in ("  ", "Visit http://example.com", "incomplete"):
        with pytest.raises(InvalidTransition):
            complaint_reject(complaint=complaint, reason=not_a_reason, actor=ayesha)
    received = []
    signals.complaint_rejected.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-reject")
    try:
        complaint_reject(complaint=complaint, reason=Complaint.RejectionReason.PLATFORM_NOT_COVERED, actor=ayesha)
    finally:
        signals.complaint_rejected.disconnect(dispatch_uid="t-reject")
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rejection_reason) == (Complaint.Status.REJECTED, "PLATFORM_NOT_COVERED")
    assert received[0]["reason"] == "PLATFORM_NOT_COVERED"
    assert case.events.filter(kind=CaseEvent.Kind.COMPLAINT_REJECTED, complaint=complaint).exists()


def test_triage_buttons_accept_and_mark_duplicate(ayesha, case):
    first = case.complaints.get()
    second = complaint_create()
    client = verified_client(ayesha)
    url = "/admin/complaints/complaint/{}/triage/"
    client.post(url.format(first.pk), {"decision": "accept"})
    response = client.post(
        url.format(second.pk), {"decision": "duplicate", "duplicate_of": first.reference}, follow=True
    )
    assert "Complaint updated." in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Complaint.Status.ACCEPTED
    assert (second.status, second.duplicate_of) == (Complaint.Status.DUPLICATE, first)


def test_mark_duplicate_sends_its_signal(ayesha, case):
    received = []
    signals.complaint_marked_duplicate.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-dup")
    try:
        complaint_mark_duplicate(complaint=case.complaints.get(), duplicate_of=None, actor=ayesha)
    finally:
        signals.complaint_marked_duplicate.disconnect(dispatch_uid="t-dup")
    assert received and received[0]["duplicate_of"] is None


def test_merge_moves_complaints_and_keeps_events(ayesha, sana, case):
    other = complaint_create(account_handle="KashmirVoice2").case
    case_transition(case=other, to=Case.Status.IN_REVIEW, actor=ayesha)
    other_events = set(other.events.values_list("pk", flat=True))
    case_merge(source=other, target=case, actor=sana)
    other.refresh_from_db()
    assert (other.status, other.merged_into) == (Case.Status.CLOSED, case)
    assert case.complaints.count() == 2 and not other.complaints.exists()
    assert other_events <= set(case.events.values_list("pk", flat=True))
    assert case.events.filter(kind=CaseEvent.Kind.MERGED).exists()
    assert other.events.filter(kind=CaseEvent.Kind.MERGED).exists()


def test_merge_across_platforms_is_refused(ayesha, bilal, sana, case):
    facebook_case = complaint_create(platform_slug="facebook").case
    with pytest.raises(CaseActionError):
        case_merge(source=facebook_case, target=case, actor=sana)


def test_merge_from_the_case_page(sana, case):
    other = complaint_create(account_handle="KashmirVoice2").case
    response = verified_client(sana).post(f"{CASES}{other.pk}/merge/", {"target": case.reference}, follow=True)
    assert f"Merged into {case.reference}" in response.content.decode()
    assert case.complaints.count() == 2


def test_split_moves_one_complaint_into_a_case_of_its_own(ayesha, case):
    second = complaint_create()
    assert second.case_id == case.pk
    new_case = case_split(complaint=second, actor=ayesha)
    second.refresh_from_db()
    assert second.case == new_case and new_case.split_from == case
    assert case.complaints.count() == 1
    assert new_case.events.filter(kind=CaseEvent.Kind.SPLIT).exists()
    assert case.events.filter(kind=CaseEvent.Kind.SPLIT).exists()
    # The original stays the account's open case: the next complaint joins it, not the split one.
    assert complaint_create().case_id == case.pk


def test_a_case_with_one_complaint_cannot_be_split(ayesha, case):
    response = verified_client(ayesha).post(
        f"/admin/complaints/complaint/{case.complaints.get().pk}/split/", follow=True
    )
    assert "nothing to split" in response.content.decode()


def test_there_is_no_free_status_field(sana, case):
    response = verified_client(sana).post(f"{CASES}{case.pk}/change/", {"status": "CLOSED", "outcome": "REINSTATED"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.outcome) == (Case.Status.NEW, "")
