"""Abuse resistance without third parties: per-IP and per-CNIC limits, and the honeypot."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import override_settings

from complaints.models import CaseEvent, Complaint

from .conftest import NEW_URL, TRACK_URL, form_data

pytestmark = pytest.mark.django_db


@override_settings(COMPLAINT_RATE_PER_IP="3/h", COMPLAINT_RATE_PER_CNIC="100/d")
def test_too_many_submissions_from_one_address_get_the_friendly_429_page(client, x_platform):
    for n in range(3):
        assert client.post(NEW_URL, form_data(x_platform, cnic=f"35202123456{n}2")).status_code == 303

    response = client.post(NEW_URL, form_data(x_platform, cnic="3520212345992"))

    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert Complaint.objects.count() == 3
    # Another address is not affected.
    other = client.post(NEW_URL, form_data(x_platform, cnic="3520212345982"), REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 303


@override_settings(COMPLAINT_RATE_PER_IP="100/h", COMPLAINT_RATE_PER_CNIC="2/d")
def test_filings_beyond_the_cnic_limit_are_accepted_and_flagged_for_staff_but_typing_mistakes_do_not_count(
    client, x_platform
):
    for _ in range(3):  # invalid submissions do not count against the CNIC
        assert client.post(NEW_URL, form_data(x_platform, mobile="nope")).status_code == 200
    assert client.post(NEW_URL, form_data(x_platform, account_handle="first")).status_code == 303
    assert (
        client.post(NEW_URL, form_data(x_platform, account_handle="second"), REMOTE_ADDR="10.9.9.9").status_code == 303
    )

    response = client.post(
        NEW_URL, form_data(x_platform, cnic="35202 1234567 2", account_handle="third"), REMOTE_ADDR="10.8.8.8"
    )

    assert response.status_code == 303
    received = {
        e.complaint.account_handle: e.data
        for e in CaseEvent.objects.filter(kind=CaseEvent.Kind.COMPLAINT_RECEIVED).select_related("complaint")
    }
    assert "review" not in received["first"] and "review" not in received["second"]
    assert "check that the complainant is who they say they are" in received["third"]["review"]


@override_settings(COMPLAINT_RATE_PER_IP="1/h")
def test_the_429_page_is_translated(client, x_platform):
    client.post("/ur/complaints/new/", form_data(x_platform))
    response = client.post("/ur/complaints/new/", form_data(x_platform))
    assert response.status_code == 429
    assert 'dir="rtl"' in response.content.decode()
    assert "بہت زیادہ کوششیں" in response.content.decode()


@override_settings(TRACK_RATE_PER_IP="5/h")
def test_tracking_lookups_are_rate_limited(client):
    for _ in range(5):
        assert client.post(TRACK_URL, {"reference": "PTA-2026-000001", "mobile": "03001234567"}).status_code == 200
    response = client.post(TRACK_URL, {"reference": "PTA-2026-000002", "mobile": "03001234567"})
    assert response.status_code == 429
    assert client.get(TRACK_URL).status_code == 200  # the empty form still shows


def test_a_filled_honeypot_files_nothing_and_gets_a_generic_answer(client, x_platform):
    response = client.post(NEW_URL, form_data(x_platform, homepage="http://spam.example"))

    assert response.status_code == 200
    assert Complaint.objects.count() == 0
    assert "We could not accept this submission" in response.content.decode()
    assert "homepage" not in response.context["form"].errors  # nothing says which field gave it away


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client):
    body = client.get(NEW_URL).content.decode()
    assert '<div class="hp" aria-hidden="true">' in body
    assert 'name="homepage"' in body and 'tabindex="-1"' in body


@override_settings(COMPLAINT_RATE_PER_IP="10/h", COMPLAINT_FLOOD_RATE_PER_IP="100/h")
def test_an_eleventh_correction_from_one_address_is_not_refused_and_keeps_what_was_typed(client, x_platform):
    for _ in range(10):
        assert client.post(NEW_URL, form_data(x_platform, mobile="nope")).status_code == 200

    eleventh = client.post(NEW_URL, form_data(x_platform, mobile="nope", city="Mirpur Khas"))
    filed = client.post(NEW_URL, form_data(x_platform, city="Mirpur Khas"))

    assert eleventh.status_code == 200
    assert 'value="Mirpur Khas"' in eleventh.content.decode()
    assert filed.status_code == 303
    assert Complaint.objects.count() == 1


@override_settings(COMPLAINT_RATE_PER_IP="10/h", COMPLAINT_FLOOD_RATE_PER_IP="4/h")
def test_a_flood_of_posts_from_one_address_meets_the_higher_ceiling_with_the_form_kept(client, x_platform):
    for _ in range(4):
        assert client.post(NEW_URL, form_data(x_platform, mobile="nope")).status_code == 200

    response = client.post(NEW_URL, form_data(x_platform, city="Mirpur Khas"))

    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many attempts" in body
    assert 'value="Mirpur Khas"' in body  # nothing typed is lost
    assert Complaint.objects.count() == 0


@override_settings(COMPLAINT_RATE_PER_IP="2/h", COMPLAINT_FLOOD_RATE_PER_IP="100/h")
def test_filed_complaints_count_against_the_address_and_a_refused_one_is_not_counted(client, x_platform):
    for handle in ("one", "two"):
        assert client.post(NEW_URL, form_data(x_platform, account_handle=handle)).status_code == 303
    refused = client.post(NEW_URL, form_data(x_platform, account_handle="three", city="Mirpur Khas"))

    assert refused.status_code == 429
    assert 'value="Mirpur Khas"' in refused.content.decode()
    assert Complaint.objects.count() == 2


def test_a_filing_costs_one_round_trip_to_redis(client, x_platform):
    import redis

    calls = []
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def counted_command(self, *args, **kwargs):
        calls.append(args[0])
        return command(self, *args, **kwargs)

    def counted_execute(self, *args, **kwargs):
        calls.append(f"pipeline of {len(self.command_stack)}")
        return execute(self, *args, **kwargs)

    with (
        mock.patch.object(redis.Redis, "execute_command", counted_command),
        mock.patch.object(redis.client.Pipeline, "execute", counted_execute),
    ):
        response = client.post(NEW_URL, form_data(x_platform))

    assert response.status_code == 303
    assert calls == ["pipeline of 6"]  # three counters, each SET NX EX + INCRBY
