"""The public form: a valid complaint is filed, and each rule turns its bad input away with a message."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail

from complaints.models import Case, CaseEvent, Complaint
from complaints.pii import pii_hash

from .conftest import NEW_URL, NEW_URL_UR, form_data

pytestmark = pytest.mark.django_db


def test_valid_complaint_is_filed_with_normalized_values_and_redirects_303_to_confirmation(client, valid):
    valid["cnic"] = "35202 1234567 2"
    valid["mobile"] = "+92 300-1234567"
    valid["account_handle"] = "https://x.com/KashmirVoice/status/123"

    response = client.post(NEW_URL, valid)

    assert response.status_code == 303
    assert response["Location"] == "/en/complaints/new/sent/"
    complaint = Complaint.objects.get()
    assert complaint.cnic == "3520212345672"
    assert complaint.cnic_hash == pii_hash("3520212345672")
    assert complaint.mobile == "+923001234567"
    assert complaint.mobile_hash == pii_hash("+923001234567")
    assert complaint.account_handle_normalized == "kashmirvoice"
    assert complaint.appealed_to_platform is True
    assert complaint.platform_appeal_ref == "0123456789"
    assert complaint.consent_share_with_platform is True
    assert complaint.reference.startswith(f"PTA-{date.today().year}-")
    assert complaint.case.status == Case.Status.NEW
    assert CaseEvent.objects.filter(complaint=complaint, kind=CaseEvent.Kind.COMPLAINT_RECEIVED).exists()
    assert mail.outbox == []  # intake sends nothing itself: the notices receiver does, via the outbox

    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    assert complaint.reference in confirmation.content.decode()
    assert "/en/complaints/track/" in confirmation.content.decode()


def test_cnic_and_mobile_are_encrypted_in_the_database(client, valid):
    from django.db import connection

    client.post(NEW_URL, valid)
    with connection.cursor() as cursor:
        cursor.execute("SELECT cnic, mobile FROM complaints_complaint")
        cnic, mobile = cursor.fetchone()
    assert "3520212345672" not in cnic
    assert "3001234567" not in mobile


def test_confirmation_page_without_a_submission_in_this_session_shows_nothing(client, valid):
    client.post(NEW_URL, valid)
    reference = Complaint.objects.get().reference

    from django.test import Client

    stranger = Client().get("/en/complaints/new/sent/")

    assert stranger.status_code == 302
    assert reference not in stranger.content.decode()


@pytest.mark.parametrize(
    ("typed", "digits"),
    [
        ("3520212345672", "3520212345672"),
        ("35202-1234567-2", "3520212345672"),
        ("35202 1234567 2", "3520212345672"),
        (" 35202-1234567-2 ", "3520212345672"),
        ("۳۵۲۰۲-۱۲۳۴۵۶۷-۲", "3520212345672"),  # typed on an Urdu keyboard
        ("81102-1234567-2", "8110212345672"),  # AJK: no province digit in stdnum's table, still accepted
    ],
)
def test_cnic_typed_in_any_common_way_is_accepted(client, x_platform, typed, digits):
    response = client.post(NEW_URL, form_data(x_platform, cnic=typed))
    assert response.status_code == 303, response.context["form"].errors
    assert Complaint.objects.get().cnic == digits


@pytest.mark.parametrize(
    "typed", ["+923001234567", "03001234567", "0300-1234567", "0092 300 1234567", "92 300 1234567", "۰۳۰۰۱۲۳۴۵۶۷"]
)
def test_mobile_in_03xx_and_92_forms_is_normalized_to_e164(client, x_platform, typed):
    response = client.post(NEW_URL, form_data(x_platform, mobile=typed))
    assert response.status_code == 303, response.context["form"].errors
    assert Complaint.objects.get().mobile == "+923001234567"


BAD_INPUTS = [
    ("cnic", "35202-123456-2", "13 digits"),
    ("cnic", "3520212345672999", "13 digits"),
    ("cnic", "35202-ABCDEFG-2", "13 digits"),
    ("mobile", "042 1234567", "Pakistani mobile"),  # a Lahore landline
    ("mobile", "+44 7700 900123", "Pakistani mobile"),
    ("mobile", "0300 12345", "Pakistani mobile"),
    ("mobile", "call me", "Pakistani mobile"),
    ("email", "farah@", "email address"),
    ("account_handle", "@", "letters, numbers"),
    ("account_handle", "https://facebook.com/KashmirVoice", "not a X (Twitter) profile"),
    ("account_handle", "kashmir voice!", "letters, numbers"),
    ("account_url", "https://evil.example/KashmirVoice", "not a X (Twitter) profile"),
    ("account_url", "not a url at all", "web address"),
    ("action_date", (date.today() + timedelta(days=1)).isoformat(), "cannot be in the future"),
    ("action_date", "1999-12-31", "too far in the past"),
    ("action_date", "31/31/2026", "Enter a date"),
    ("narrative", "Suspended.", "at least 30 characters"),
    ("narrative", "x" * 5001, "shorten this to 5000"),
    ("full_name", "", "This information is needed"),
    ("city", "   ", "This information is needed"),
    ("province", "PK-XX", "Choose one of the options"),
    ("platform", "999999", "Choose one of the options"),
    ("action_type", "ACCOUNT_HACKED", "Choose one of the options"),
    ("category", "", "Choose one of the options"),
    ("preferred_language", "fr", "Choose one of the options"),
    ("appealed_to_platform", "maybe", "Choose one of the options"),
    ("declaration", None, "Tick the declaration"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_INPUTS)
def test_each_rule_rejects_its_bad_input_with_a_message_next_to_the_field(client, x_platform, field, value, message):
    response = client.post(NEW_URL, form_data(x_platform, **{field: value}))

    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    body = response.content.decode()
    assert f'href="#id_{field}"' in body  # the error summary links to the field
    assert Complaint.objects.count() == 0


def test_appeal_reference_is_required_only_when_the_citizen_appealed(client, x_platform):
    response = client.post(NEW_URL, form_data(x_platform, appealed_to_platform="yes", platform_appeal_ref=""))
    assert "platform_appeal_ref" in response.context["form"].errors

    response = client.post(NEW_URL, form_data(x_platform, appealed_to_platform="no", platform_appeal_ref="ignored"))
    assert response.status_code == 303
    assert Complaint.objects.get().platform_appeal_ref == ""


def test_optional_fields_may_be_left_empty(client, x_platform):
    response = client.post(
        NEW_URL,
        form_data(
            x_platform,
            email="",
            account_url="",
            platform_notice_text="",
            appealed_to_platform="no",
            platform_appeal_ref="",
            consent_share_with_platform=None,
        ),
    )
    assert response.status_code == 303
    assert Complaint.objects.get().consent_share_with_platform is False


def test_invalid_submission_keeps_what_was_typed_and_says_files_must_be_chosen_again(client, x_platform):
    from .conftest import png_bytes, upload

    data = form_data(x_platform, cnic="123", full_name="Farah Qureshi", city="Muzaffarabad")
    data["evidence"] = [upload("shot.png", png_bytes(), "image/png")]

    response = client.post(NEW_URL, data)

    body = response.content.decode()
    assert response.status_code == 200
    assert 'value="Farah Qureshi"' in body
    assert 'value="Muzaffarabad"' in body
    assert "My account was suspended after I posted about Kashmir Solidarity Day." in body
    assert "choose them again" in body


def test_urdu_page_is_right_to_left_and_its_errors_are_in_urdu(client, x_platform):
    page = client.get(NEW_URL_UR)
    body = page.content.decode()
    assert '<html lang="ur" dir="rtl">' in body
    assert "شکایت" in body
    assert "پاکستان ٹیلی کمیونیکیشن اتھارٹی" in body and "Pakistan Telecommunication Authority" not in body

    response = client.post(NEW_URL_UR, form_data(x_platform, cnic="123", mobile="042 1234567", declaration=None))

    errors = response.context["form"].errors
    assert "13" in errors["cnic"][0] and "شناختی" in errors["cnic"][0]
    assert "موبائل" in errors["mobile"][0]
    assert "اقرار" in errors["declaration"][0]


def test_every_page_has_the_language_switch(client):
    for url in [NEW_URL, "/en/complaints/track/", NEW_URL_UR, "/ur/complaints/track/"]:
        body = client.get(url).content.decode()
        assert 'action="/i18n/setlang/"' in body, url


def test_language_switch_takes_the_citizen_to_the_same_page_in_the_other_language(client):
    response = client.post("/i18n/setlang/", {"language": "ur", "next": "/en/complaints/track/"})
    assert response["Location"] == "/ur/complaints/track/"


def test_the_language_for_messages_starts_as_the_language_of_the_page(client):
    assert 'value="ur" id="id_preferred_language_0" required checked' in client.get(NEW_URL_UR).content.decode()
    assert 'value="en" id="id_preferred_language_1" required checked' in client.get(NEW_URL).content.decode()


def test_the_reference_reaches_the_confirmation_page_in_a_signed_path_scoped_cookie_not_a_session(client, valid):
    response = client.post(NEW_URL, valid)
    reference = Complaint.objects.get().reference

    cookie = response.cookies["complaint_submitted"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == "/en/complaints/new/sent/"
    assert 0 < int(cookie["max-age"]) <= 15 * 60
    assert cookie.value != reference and reference in cookie.value  # signed, not bare
    assert "sessionid" not in response.cookies
    assert reference in client.get("/en/complaints/new/sent/").content.decode()

    from django.test import Client

    forged = Client()
    forged.cookies["complaint_submitted"] = reference
    assert forged.get("/en/complaints/new/sent/").status_code == 302


def test_the_cached_blank_form_gives_each_visitor_their_own_csrf_token_and_nonce(x_platform):
    import re

    from django.test import Client

    pages = []
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        response = browser.get(NEW_URL)
        body = response.content.decode()
        tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body))
        assert tokens and "csrf-" not in body and "nonce-" not in body
        # The token written into the cached page is this browser's: the form it sends is accepted.
        token = re.search(
            r'<form method="post" enctype[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"', body
        )
        filed = browser.post(
            NEW_URL,
            {**form_data(x_platform, account_handle=f"visitor{len(pages)}"), "csrfmiddlewaretoken": token.group(1)},
        )
        assert filed.status_code == 303
        pages.append((tokens, body))

    assert not pages[0][0] & pages[1][0]
    assert 'lang="en"' in pages[0][1]
    urdu = Client().get("/ur/complaints/new/").content.decode()
    assert '<html lang="ur" dir="rtl">' in urdu and '<html lang="ur"' not in pages[0][1]
