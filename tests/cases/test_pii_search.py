"""Masks that cannot narrow a search, PII searches that are permitted, logged and capped, and
lookups whose answer does not depend on whether a value exists."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import call_command
from django.test import override_settings

from complaints.models import Case, Complaint, PiiAccessLog
from complaints.pii import cnic_mask, email_mask, mobile_mask, name_mask
from notices.models import Notice
from tests.factories import complaint_create

from .conftest import verified_client

pytestmark = pytest.mark.django_db

CASES = "/admin/complaints/case/"
COMPLAINTS = "/admin/complaints/complaint/"


def listed(response) -> list[int]:
    return sorted(row.pk for row in response.context["cl"].result_list)


def test_masks_show_two_mobile_digits_one_cnic_digit_and_only_an_initial():
    assert mobile_mask("+923001234567") == "+92 *** *****67"
    assert cnic_mask("3520212345671") == "*****-*******-1"
    assert email_mask("farah.qureshi@dawn.com.pk") == "f***@***.pk"
    assert name_mask("Farah Qureshi") == "F. ***"
    # Anything unexpected is masked whole, never shown.
    assert mobile_mask("+441234567890") == "+92 *** *******"
    assert cnic_mask("123") == "*****-*******-*"


def test_complaint_page_and_list_show_only_the_short_masks(sana, omar, x_platform):
    complaint = complaint_create(mobile="+923001234567", cnic="3520212345671", email="farah@dawn.com.pk")
    for user in (omar, sana):
        client = verified_client(user)
        for url in (COMPLAINTS, f"{COMPLAINTS}{complaint.pk}/change/"):
            body = client.get(url).content.decode()
            assert "300 ****567" not in body and "35202-" not in body and "dawn.com" not in body
        # The list has no CNIC or mobile column (it fits a laptop screen); the complaint's page has the masks.
        assert "+92 *** *****67" in body and "*****-*******-1" in body


def test_search_by_cnic_or_mobile_without_the_permission_finds_nothing_and_logs_nothing(ayesha, x_platform):
    complaint = complaint_create()
    client = verified_client(ayesha)
    local_mobile = "0" + complaint.mobile[3:]
    for term in (complaint.cnic, local_mobile):
        known = client.get(COMPLAINTS, {"q": term})
        unknown = client.get(COMPLAINTS, {"q": term[:-2] + "99"})
        assert listed(known) == listed(unknown) == []
        assert listed(client.get(CASES, {"q": term})) == []
    assert not PiiAccessLog.objects.exists()


def test_each_permitted_pii_search_is_logged_with_its_kind_and_never_the_value(sana, x_platform):
    complaint = complaint_create()
    client = verified_client(sana)
    assert listed(client.get(COMPLAINTS, {"q": complaint.cnic})) == [complaint.pk]
    assert listed(client.get(CASES, {"q": "0" + complaint.mobile[3:]})) == [complaint.case_id]
    assert listed(client.get(CASES, {"q": "@kashmir"})) == [complaint.case_id]  # a handle is not PII
    logs = list(PiiAccessLog.objects.order_by("pk").values("user", "action", "complaint", "detail"))
    assert logs == [
        {"user": sana.pk, "action": "SEARCH", "complaint": None, "detail": {"kind": "cnic"}},
        {"user": sana.pk, "action": "SEARCH", "complaint": None, "detail": {"kind": "mobile"}},
    ]


@override_settings(PII_SEARCH_RATE_PER_USER="3/h")
def test_pii_searches_past_the_hourly_cap_are_refused_with_a_message_and_a_warning_without_the_value(
    sana, x_platform, caplog
):
    complaint = complaint_create()
    client = verified_client(sana)
    for _ in range(3):
        assert listed(client.get(COMPLAINTS, {"q": complaint.cnic})) == [complaint.pk]
    with caplog.at_level(logging.WARNING):
        response = client.get(COMPLAINTS, {"q": complaint.cnic})
    assert response.status_code == 200 and listed(response) == []
    assert "too often" in response.content.decode()
    assert PiiAccessLog.objects.filter(action=PiiAccessLog.Action.SEARCH).count() == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("PII search refused" in w for w in warnings)
    assert not any(complaint.cnic in w for w in warnings)
    # References and handles are not capped.
    assert listed(client.get(COMPLAINTS, {"q": complaint.reference})) == [complaint.pk]


def test_every_reference_shape_is_found_from_both_lists(sana, x_platform):
    live = complaint_create()
    call_command("seed_bulk", complaints=3, caseworkers=1, stdout=io.StringIO())
    bulk = Complaint.objects.filter(reference__contains="-B-").select_related("case").order_by("pk").first()
    assert bulk is not None and bulk.reference.count("-") == 3 and "-CB-" in bulk.case.reference
    client = verified_client(sana)
    for complaint in (live, bulk):
        case = Case.objects.get(pk=complaint.case_id)
        case_complaints = sorted(case.complaints.values_list("pk", flat=True))
        for term in (complaint.reference, complaint.reference.lower(), case.reference):
            assert listed(client.get(CASES, {"q": term})) == [case.pk], term
        assert listed(client.get(COMPLAINTS, {"q": complaint.reference})) == [complaint.pk]
        assert listed(client.get(COMPLAINTS, {"q": case.reference.lower()})) == case_complaints


def test_duplicate_of_a_complaint_the_caseworker_cannot_see_is_refused_like_an_unknown_one(
    ayesha, bilal, x_platform, facebook_platform
):
    mine = complaint_create(account_handle="KashmirVoice")
    bilals = complaint_create(platform_slug="facebook", account_handle="ValleyStories")
    client = verified_client(ayesha)
    url = f"{COMPLAINTS}{mine.pk}/triage/"
    hidden = client.post(url, {"decision": "duplicate", "duplicate_of": bilals.reference}, follow=True)
    unknown = client.post(url, {"decision": "duplicate", "duplicate_of": "PTA-2026-999999"}, follow=True)
    texts = [[str(m) for m in r.context["messages"]] for r in (hidden, unknown)]
    assert texts[0] == [t.replace("PTA-2026-999999", bilals.reference) for t in texts[1]]
    assert "among those you can see" in texts[0][0]
    mine.refresh_from_db()
    assert mine.status == Complaint.Status.RECEIVED and mine.duplicate_of is None
    # A complaint she can see is accepted as the original.
    other = complaint_create(account_handle="KashmirVoice")
    client.post(f"{COMPLAINTS}{other.pk}/triage/", {"decision": "duplicate", "duplicate_of": mine.reference.lower()})
    other.refresh_from_db()
    assert (other.status, other.duplicate_of) == (Complaint.Status.DUPLICATE, mine)


def test_the_outbox_list_shows_the_short_masks_to_roles_without_the_permission(omar, x_platform):
    complaint_create(email="farah@dawn.com.pk", mobile="+923001234567")
    client = verified_client(omar)
    listed = client.get("/admin/notices/notice/").content.decode()
    assert "dawn.com" not in listed and "farah@" not in listed
    # The address is on the notice's own page, masked; the list leaves it out to fit the screen.
    notice = Notice.objects.get()
    body = client.get(f"/admin/notices/notice/{notice.pk}/change/").content.decode()
    assert "f***@***.pk" in body and "dawn.com" not in body and "farah@" not in body
