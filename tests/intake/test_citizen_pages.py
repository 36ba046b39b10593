"""What a citizen reads on the public pages and in the acknowledgement: the language switch, choices
that start empty, the tracking page's result, where the acknowledgement went, and the handle."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from django.utils import timezone

from complaints.models import Case, Complaint
from complaints.services import case_transition, complaint_accept
from notices.models import Notice
from tests.factories import complaint_create, notices_sent

from .conftest import NEW_URL, NEW_URL_UR, TRACK_URL, form_data

pytestmark = pytest.mark.django_db

SWITCH_NEXT = re.compile(r'<input name="next" type="hidden" value="([^"]+)">')


@pytest.mark.parametrize(
    ("page", "browser_language", "target"),
    [
        ("/ur/complaints/new/", "en-US,en;q=0.9", "/en/complaints/new/"),
        ("/en/complaints/new/", "ur-PK,ur;q=0.9", "/ur/complaints/new/"),
        ("/ur/complaints/track/", "en-US,en;q=0.9", "/en/complaints/track/"),
        ("/en/statistics/?month=2026-11", "ur-PK,ur;q=0.9", "/ur/statistics/?month=2026-11"),
        # A browser in neither language: set_language falls back to English, where /ur/ does not resolve.
        ("/ur/complaints/track/", "fr-FR,fr;q=0.9", "/en/complaints/track/"),
    ],
)
def test_the_switch_takes_a_browser_in_the_other_language_to_the_other_language(
    client, x_platform, page, browser_language, target
):
    body = client.get(page, HTTP_ACCEPT_LANGUAGE=browser_language).content.decode()
    assert SWITCH_NEXT.findall(body) == [target]

    language = target.split("/")[1]
    response = client.post(
        "/i18n/setlang/", {"language": language, "next": target}, HTTP_ACCEPT_LANGUAGE=browser_language
    )

    assert response.status_code == 302 and response["Location"] == target
    # Remembered for the next visit to the bare address.
    assert client.get("/", HTTP_ACCEPT_LANGUAGE=browser_language)["Location"].startswith(f"/{language}/")


def test_an_error_page_switches_to_the_other_languages_home(client):
    body = client.get("/ur/complaints/nowhere/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert SWITCH_NEXT.findall(body) == ["/en/"]


def test_province_category_and_action_start_empty_and_are_required(client, x_platform):
    body = client.get(NEW_URL).content.decode()
    for name in ("province", "action_type", "category", "platform"):
        select = re.search(rf'<select name="{name}"[^>]*>\s*<option value="" selected>([^<]+)</option>', body)
        assert select and select.group(1) == "Choose…", name
    assert '<option value="" selected>منتخب کریں…</option>' in client.get(NEW_URL_UR).content.decode()

    typed = form_data(x_platform, province="", category="", action_type="")
    response = client.post(NEW_URL, typed)

    body = response.content.decode()
    errors = response.context["form"].errors
    assert set(errors) == {"province", "category", "action_type"}
    for label in ("Province or territory", "What was the content about?", "What did the platform do?"):
        assert f"{label}: Choose one of the options." in body
    # The rest of what was typed is still there.
    assert 'value="Farah Qureshi"' in body and 'value="@KashmirVoice"' in body and "Kashmir Solidarity Day" in body
    assert not Complaint.objects.exists()


def test_the_cnic_example_is_kept_whole_in_the_hint_and_the_error(client, x_platform):
    body = client.post(NEW_URL_UR, form_data(x_platform, cnic="123")).content.decode()
    assert body.count('<bdi dir="ltr" class="nowrap">\u206635202-1234567-1\u2069</bdi>') >= 3  # hint, error, summary


def _closed_restored(sana, *, language: str) -> Complaint:
    complaint = complaint_create(mobile="+923001234567", preferred_language=language)
    complaint_accept(complaint=complaint, actor=sana)
    case = complaint.case
    for status in (Case.Status.IN_REVIEW, Case.Status.REFERRED_TO_PLATFORM):
        case = case_transition(case=case, to=status, actor=sana)
    case = case_transition(
        case=case,
        to=Case.Status.AWAITING_PLATFORM,
        actor=sana,
        response_due_at=timezone.make_aware(datetime(2026, 12, 10, 17, 0)),
    )
    case_transition(
        case=case,
        to=Case.Status.CLOSED,
        actor=sana,
        outcome=Case.Outcome.REINSTATED,
        responded_at=timezone.make_aware(datetime(2026, 12, 3, 11, 0)),
    )
    return complaint


def _testid(body: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}">(.*?)</(?:p|dd)>', body, re.S)
    assert match, testid
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def test_tracking_a_closed_restored_case_tells_the_outcome_in_english(client, sana):
    complaint = _closed_restored(sana, language="en")

    body = client.post(TRACK_URL, {"reference": complaint.reference, "mobile": "03001234567"}).content.decode()

    assert _testid(body, "track-status") == "Closed"
    assert "The platform restored the account on 3 December 2026." in body
    assert 'data-testid="track-outcome"' in body
    assert _testid(body, "track-next").startswith("What happens next: Nothing more happens with this complaint")
    assert "Received" not in body.split('id="track-status"')[1].split("</dl>")[0]


def test_tracking_a_closed_restored_case_tells_the_outcome_in_urdu(client, sana):
    complaint = _closed_restored(sana, language="ur")

    body = client.post(
        "/ur/complaints/track/", {"reference": complaint.reference, "mobile": "03001234567"}
    ).content.decode()

    assert _testid(body, "track-status") == "بند"
    assert "پلیٹ فارم نے 3 دسمبر 2026 کو اکاؤنٹ بحال کر دیا۔" in body


def test_tracking_while_the_platform_must_answer_gives_the_date(client, sana):
    complaint = complaint_create(mobile="+923001234567")
    complaint_accept(complaint=complaint, actor=sana)
    case = case_transition(case=complaint.case, to=Case.Status.IN_REVIEW, actor=sana)
    case = case_transition(case=case, to=Case.Status.REFERRED_TO_PLATFORM, actor=sana)
    case_transition(
        case=case,
        to=Case.Status.AWAITING_PLATFORM,
        actor=sana,
        response_due_at=timezone.make_aware(datetime(2026, 12, 10, 17, 0)),
    )

    body = client.post(TRACK_URL, {"reference": complaint.reference, "mobile": "03001234567"}).content.decode()

    assert _testid(body, "track-status") == "Waiting for the platform's answer"
    assert "track-outcome" not in body
    assert "The platform must answer by 10 December 2026." in _testid(body, "track-next")


def test_a_new_complaint_says_what_comes_next_and_by_when(client):
    complaint = complaint_create(mobile="+923001234567")
    assert complaint.case.due_at is not None  # a new case has a working-day deadline (SLA_WORKING_DAYS)
    due = timezone.localdate(complaint.case.due_at)

    body = client.post(TRACK_URL, {"reference": complaint.reference, "mobile": "03001234567"}).content.decode()

    assert _testid(body, "track-status") == "Received, waiting for review"
    next_step = _testid(body, "track-next")
    assert next_step.startswith("What happens next: We check the complaint")
    assert f"Expected by {due.day} {due:%B %Y}." in next_step


def test_the_confirmation_says_where_the_acknowledgement_went_masked(client, x_platform, settings):
    response = client.post(NEW_URL, form_data(x_platform, email="farah@example.pk"), follow=True)
    body = response.content.decode()
    assert "We sent an email to" in body and "f***@***.pk" in body
    assert "farah@example.pk" not in body and "1234567" not in body

    settings.NOTICE_SMS_ALSO_WHEN_EMAIL = True
    body = client.post(NEW_URL, form_data(x_platform, email="", mobile="0300 7654321"), follow=True).content.decode()
    assert "We sent an SMS to" in body and "+92 *** *****21" in body
    assert "7654321" not in body


def test_the_acknowledgement_carries_the_tracking_link_and_the_handle_once(settings):
    settings.PUBLIC_BASE_URL = "https://complaints.pta.gov.pk"
    english = complaint_create(account_handle="@@KashmirVoice", preferred_language="en")
    urdu = complaint_create(account_handle="https://x.com/UrduVoice", preferred_language="ur", email="")
    urdu_email = complaint_create(account_handle="@UrduVoice", preferred_language="ur")

    email = notices_sent(english, channel="EMAIL")[0].body
    assert "Track your complaint: https://complaints.pta.gov.pk/en/complaints/track/" in email
    assert "account @KashmirVoice." in email and "@@" not in email

    sms = notices_sent(urdu, channel="SMS")[0].body
    assert "https://complaints.pta.gov.pk/ur/complaints/track/" in sms

    urdu_body = notices_sent(urdu_email, channel="EMAIL")[0].body
    assert "https://complaints.pta.gov.pk/ur/complaints/track/" in urdu_body
    assert "@UrduVoice" in urdu_body and "@@" not in urdu_body


def test_a_closed_case_message_shows_the_handle_once(sana):
    complaint = _closed_restored(sana, language="en")
    complaint.refresh_from_db()
    closed = Notice.objects.filter(complaint=complaint, kind="closed", channel="EMAIL").get()
    assert "@KashmirVoice" in closed.body and "@@" not in closed.body
