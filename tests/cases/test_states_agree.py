"""A case and its complaints never contradict each other: a referred or decided case has no complaint
left "Received", and the complaints staff rejected or marked duplicate stay as they were."""

from __future__ import annotations

import pytest

from complaints.models import Case, CaseEvent, Complaint, InvalidTransition
from complaints.services import case_transition, complaint_mark_duplicate, complaint_reject
from tests.factories import complaint_create

from .conftest import verified_client

pytestmark = pytest.mark.django_db
CASES = "/admin/complaints/case/"


@pytest.fixture
def three(ayesha) -> tuple[Complaint, Complaint, Complaint]:
    """Three complaints about one account, so one case: one received, one rejected, one duplicate."""
    received, rejected, duplicate = (complaint_create(account_handle="KashmirVoice") for _ in range(3))
    assert received.case_id == rejected.case_id == duplicate.case_id
    complaint_reject(complaint=rejected, reason=Complaint.RejectionReason.TOO_OLD, actor=ayesha)
    complaint_mark_duplicate(complaint=duplicate, duplicate_of=received, actor=ayesha)
    return received, rejected, duplicate


def _statuses(*complaints: Complaint) -> list[str]:
    return [Complaint.objects.get(pk=c.pk).status for c in complaints]


def test_referring_a_case_from_its_page_accepts_its_received_complaints_only(ayesha, three):
    received, rejected, duplicate = three
    case = received.case
    client = verified_client(ayesha)
    client.post(f"{CASES}{case.pk}/transition/", {"to": "IN_REVIEW"})
    page = client.get(f"{CASES}{case.pk}/change/").content.decode()
    assert 'name="transition-REFERRED_TO_PLATFORM" class="primary-action"' in page  # styled as the main action
    assert "css/admin-actions.css" in page
    response = client.post(f"{CASES}{case.pk}/transition/", {"to": "REFERRED_TO_PLATFORM"}, follow=True)

    assert "The case is now Referred to platform" in response.content.decode()
    assert _statuses(received, rejected, duplicate) == ["ACCEPTED", "REJECTED", "DUPLICATE"]
    accepted = CaseEvent.objects.get(kind=CaseEvent.Kind.COMPLAINT_ACCEPTED)
    assert (accepted.complaint_id, accepted.actor, accepted.data["old"]) == (received.pk, ayesha, "RECEIVED")
    # The acceptance is written before the case's own move, in the same transaction.
    referred = case.events.get(kind=CaseEvent.Kind.STATUS_CHANGED, data__new="REFERRED_TO_PLATFORM")
    assert accepted.pk < referred.pk
    rejected_row = Complaint.objects.get(pk=rejected.pk)
    assert rejected_row.rejection_reason == Complaint.RejectionReason.TOO_OLD
    assert Complaint.objects.get(pk=duplicate.pk).duplicate_of_id == received.pk


def test_a_refused_referral_accepts_nothing(ayesha, three):
    received, _rejected, _duplicate = three
    case = received.case  # still NEW: the workflow refuses NEW -> REFERRED_TO_PLATFORM
    with pytest.raises(InvalidTransition):
        case_transition(case=case, to=Case.Status.REFERRED_TO_PLATFORM, actor=ayesha)
    assert _statuses(received) == ["RECEIVED"]
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.COMPLAINT_ACCEPTED).exists()


def test_a_case_whose_complaints_are_all_rejected_or_duplicates_cannot_be_referred(ayesha):
    first, second = (complaint_create(account_handle="OnlyRejected") for _ in range(2))
    complaint_reject(complaint=first, reason=Complaint.RejectionReason.INCOMPLETE, actor=ayesha)
    complaint_mark_duplicate(complaint=second, duplicate_of=first, actor=ayesha)
    case = case_transition(case=first.case, to=Case.Status.IN_REVIEW, actor=ayesha)
    response = verified_client(ayesha).post(
        f"{CASES}{case.pk}/transition/", {"to": "REFERRED_TO_PLATFORM"}, follow=True
    )
    assert "is rejected or a duplicate: there is nothing to refer" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.IN_REVIEW
    assert _statuses(first, second) == ["REJECTED", "DUPLICATE"]


@pytest.mark.parametrize("outcome", ["REINSTATED", "RESTRICTION_UPHELD", "NO_RESPONSE"])
def test_closing_with_the_platforms_outcome_accepts_received_complaints(ayesha, three, outcome):
    received, rejected, duplicate = three
    case = case_transition(case=received.case, to=Case.Status.CLOSED, actor=ayesha, outcome=outcome)
    assert (case.status, case.outcome) == ("CLOSED", outcome)
    assert _statuses(received, rejected, duplicate) == ["ACCEPTED", "REJECTED", "DUPLICATE"]


def test_closing_as_withdrawn_leaves_the_triage_as_it_was(ayesha, three):
    received, rejected, duplicate = three
    case_transition(case=received.case, to=Case.Status.CLOSED, actor=ayesha, outcome="WITHDRAWN")
    assert _statuses(received, rejected, duplicate) == ["RECEIVED", "REJECTED", "DUPLICATE"]


def test_closing_as_not_pursued_is_refused_while_a_complaint_is_received(ayesha, three):
    received, _rejected, _duplicate = three
    with pytest.raises(InvalidTransition, match="before closing it as not pursued"):
        case_transition(case=received.case, to=Case.Status.CLOSED, actor=ayesha, outcome="NOT_PURSUED")
    complaint_reject(complaint=received, reason=Complaint.RejectionReason.OTHER, actor=ayesha)
    case = case_transition(case=received.case, to=Case.Status.CLOSED, actor=ayesha, outcome="NOT_PURSUED")
    assert case.outcome == "NOT_PURSUED"


def test_the_migration_accepts_the_received_complaints_of_cases_referred_before_the_rule(ayesha, three):
    import importlib

    from django.apps import apps

    received, rejected, duplicate = three
    withdrawn = complaint_create(account_handle="WithdrawnVoice")
    # As rows were before the rule: referred, and closed as restored, with the complaint "Received".
    Case.objects.filter(pk=received.case_id).update(status=Case.Status.CLOSED, outcome="REINSTATED")
    Case.objects.filter(pk=withdrawn.case_id).update(status=Case.Status.CLOSED, outcome="WITHDRAWN")
    migration = importlib.import_module("complaints.migrations.0013_letters_accept_complaints_of_referred_cases")
    migration.accept(apps, None)
    migration.accept(apps, None)  # twice: one event per complaint all the same

    assert _statuses(received, rejected, duplicate, withdrawn) == ["ACCEPTED", "REJECTED", "DUPLICATE", "RECEIVED"]
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.COMPLAINT_ACCEPTED)
    assert (event.complaint_id, event.actor, event.data["old"]) == (received.pk, None, "RECEIVED")
