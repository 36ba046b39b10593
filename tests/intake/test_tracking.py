"""Tracking: reference + mobile shows the status and a public timeline; nothing else leaks, and a wrong
pair cannot be told apart from a reference that does not exist."""

from __future__ import annotations

import re

import pytest

from complaints.models import Case, CaseEvent, Complaint
from complaints.services import case_event_add, case_transition
from tests.factories import complaint_create

from .conftest import TRACK_URL

pytestmark = pytest.mark.django_db

CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]+"')


@pytest.fixture
def filed(db, sana) -> Complaint:
    complaint = complaint_create(mobile="+923001234567")
    case_transition(case=complaint.case, to=Case.Status.IN_REVIEW, actor=sana, note="Sana thinks this is spam")
    case_event_add(case=complaint.case, kind=CaseEvent.Kind.NOTE, actor=sana, data={"text": "call the ISP"})
    return complaint


def test_the_right_pair_shows_status_and_public_timeline_without_notes_or_staff(client, filed):
    response = client.post(TRACK_URL, {"reference": filed.reference.lower(), "mobile": "0300-1234567"})

    body = response.content.decode()
    assert response.status_code == 200
    assert filed.reference in body
    # One status in plain words, not the complaint's and the case's side by side.
    assert '<dd id="track-status" data-testid="track-status">Being reviewed by our staff</dd>' in body
    assert "Complaint status" not in body and "Progress with the platform" not in body
    assert "We received your complaint." in body
    assert "Progress: In review" in body
    assert "spam" not in body and "ISP" not in body
    assert "Sana" not in body and "sana" not in body


def test_timeline_omits_other_citizens_complaints_on_the_same_case(client, filed):
    other = complaint_create(mobile="+923009999999")
    assert other.case == filed.case

    body = client.post(TRACK_URL, {"reference": filed.reference, "mobile": "03001234567"}).content.decode()

    assert other.reference not in body
    assert body.count("We received your complaint.") == 1


def _anonymous(response) -> bytes:
    return CSRF.sub(b"", response.content)


def test_wrong_mobile_gets_the_same_answer_as_an_unknown_reference(client, filed):
    wrong_pair = client.post(TRACK_URL, {"reference": filed.reference, "mobile": "03111111111"})
    unknown = client.post(TRACK_URL, {"reference": filed.reference[:-1] + "9", "mobile": "03111111111"})
    # Same typed reference in both: only whether it exists differs.
    Complaint.objects.filter(pk=filed.pk).update(reference="PTA-1999-000001")
    unknown_same_text = client.post(TRACK_URL, {"reference": filed.reference, "mobile": "03111111111"})

    assert wrong_pair.status_code == unknown.status_code == unknown_same_text.status_code == 200
    assert _anonymous(wrong_pair) == _anonymous(unknown_same_text)
    assert b"We could not find that complaint" in wrong_pair.content
    assert b"We could not find that complaint" in unknown.content


def test_tracking_in_urdu_shows_the_status_in_urdu(client, filed):
    body = client.post("/ur/complaints/track/", {"reference": filed.reference, "mobile": "03001234567"}).content
    text = body.decode()
    assert 'dir="rtl"' in text
    assert "ہمارا عملہ اس کا جائزہ لے رہا ہے" in text  # Being reviewed by our staff
    assert "زیر جائزہ" in text  # the timeline's "In review"
    assert "ہمیں آپ کی شکایت موصول ہو گئی۔" in text


def test_an_invalid_mobile_is_a_form_error_not_a_lookup(client, filed):
    response = client.post(TRACK_URL, {"reference": filed.reference, "mobile": "hello"})
    assert "mobile" in response.context["form"].errors
    assert b"We could not find" not in response.content
