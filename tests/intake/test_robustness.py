"""Whatever arrives, the answer is the form with a message or a 4xx, never a 500."""

from __future__ import annotations

import pytest

from complaints.models import Complaint

from .conftest import NEW_URL, TRACK_URL, form_data

pytestmark = pytest.mark.django_db

GARBAGE = [
    "",
    " ",
    "\x00",
    "A" * 100_000,
    "'; DROP TABLE complaints_complaint; --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "\ud800".encode("utf-8", "surrogatepass").decode("latin-1"),
    "٣٤٥",
    "-1",
    "9" * 40,
    "2026-02-30",
    "true",
]


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_in_every_field_gives_the_form_back_not_a_500(client, x_platform, value):
    data = {name: value for name in form_data(x_platform)}
    response = client.post(NEW_URL, data)
    assert response.status_code == 200
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("field", ["cnic", "mobile", "platform", "action_date"])
def test_a_field_given_twice_or_as_a_list_does_not_break_the_form(client, x_platform, field):
    data = form_data(x_platform)
    data[field] = [data[field], "again"]
    assert client.post(NEW_URL, data).status_code in {200, 303}


def test_null_bytes_are_refused_with_a_message(client, x_platform):
    response = client.post(NEW_URL, form_data(x_platform, full_name="Farah\x00Qureshi"))
    assert response.status_code == 200
    assert "full_name" in response.context["form"].errors


def test_an_evidence_field_sent_as_text_is_ignored(client, x_platform):
    response = client.post(NEW_URL, form_data(x_platform, evidence="not a file"))
    assert response.status_code == 303


def test_methods_other_than_get_and_post_are_refused(client):
    assert client.put(NEW_URL).status_code == 405
    assert client.delete(TRACK_URL).status_code == 405


def test_a_body_beyond_the_upload_limit_is_a_400(client, x_platform, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(NEW_URL, form_data(x_platform, narrative="x" * 20_000))
    assert response.status_code == 400


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_in_tracking_is_not_a_500(client, value):
    assert client.post(TRACK_URL, {"reference": value, "mobile": value}).status_code == 200
