"""What reaches a citizen carries no payload: an SMS holds no typed text, an email greets only a checked name."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import given
from hypothesis import strategies as st

from complaints.models import Complaint
from complaints.services import complaint_reject
from notices.services.citizen import citizen_sms_render, greeting_name
from tests.factories import complaint_create, notices_sent

SMS_DIR = Path(settings.BASE_DIR) / "templates" / "notices" / "citizen" / "sms"
# GSM 03.38: the basic set counts 1, the extension table 2; anything else forces UCS-2.
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€")
PAYLOAD = "Your SIM will be BLOCKED in 24h. Re-verify at https://pta-verify.example"
LONGEST_REFERENCE = "PTA-C-2026-0000001234"  # longer than any reference the counters will reach


def gsm7_length(text: str) -> int:
    assert all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text), f"not GSM-7: {text!r}"
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def ucs2_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("path", sorted(SMS_DIR.glob("*.txt")), ids=lambda p: p.name)
def test_every_sms_template_fits_in_two_segments_with_the_longest_reference_and_link(path, settings):
    settings.PUBLIC_BASE_URL = "https://complaints.pta.gov.pk"
    kind, language, _txt = path.name.split(".")
    text = citizen_sms_render(kind=kind, language=language, reference=LONGEST_REFERENCE)
    assert LONGEST_REFERENCE in text and f"https://complaints.pta.gov.pk/{language}/complaints/track/" in text
    if language == "en":
        assert gsm7_length(text) <= 306
    else:
        assert ucs2_length(text) <= 134


def test_every_citizen_notice_kind_has_an_sms_in_both_languages():
    # A rejection note is text staff wrote: it goes by email only (citizen_notify's email_only).
    email_kinds = {p.name.split(".")[0] for p in SMS_DIR.parent.glob("*.txt")} - {"rejection_note"}
    assert {p.name for p in SMS_DIR.glob("*.txt")} == {f"{k}.{lang}.txt" for k in email_kinds for lang in ("en", "ur")}


@pytest.mark.django_db
def test_a_name_written_as_a_message_never_reaches_an_sms_or_an_email_greeting(ayesha):
    by_sms = complaint_create(email="", full_name=PAYLOAD, preferred_language="en")
    by_email = complaint_create(account_handle="other", full_name=PAYLOAD, preferred_language="en")
    complaint_reject(
        complaint=by_sms,
        reason=Complaint.RejectionReason.PLATFORM_NOT_COVERED,
        note="The account is not on a platform we regulate.",
        actor=ayesha,
    )
    sms = notices_sent(by_sms, channel="SMS")
    assert len(sms) == 2
    for notice in sms:
        assert "BLOCKED" not in notice.body and "verify" not in notice.body and "regulate" not in notice.body
        assert by_sms.reference in notice.body and "/en/complaints/track/" in notice.body
    [email] = notices_sent(by_email, channel="EMAIL")
    assert "BLOCKED" not in email.body and "Dear complainant," in email.body


@pytest.mark.django_db
def test_an_urdu_name_is_greeted_by_name():
    complaint = complaint_create(full_name="فرح قریشی", preferred_language="ur")
    assert "محترم فرح قریشی،" in notices_sent(complaint)[0].body


@pytest.mark.parametrize(
    "name",
    ["Farah Qureshi", "فرح قریشی", "Imran O'Neil-Khan", "M. A. Jinnah", "Zoë Ähmad", "مُحَمَّد علی"],
)
def test_real_names_are_kept(name):
    assert greeting_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        PAYLOAD,
        "Call 03001234567",
        "visit bit.ly/x",
        "evil.example",
        "https://x",
        "A" * 61,
        "!!!",
        "",
        "Farah\nQureshi: hi",
    ],
)
def test_names_that_could_carry_a_message_are_dropped(name):
    assert greeting_name(name) == ""


@given(st.text(max_size=100))
def test_a_greeting_name_has_no_digits_urls_or_symbols_whatever_was_typed(text):
    name = greeting_name(text)
    assert len(name) <= 60
    assert not any(ch.isdigit() or ch in ":/@?=&%" for ch in name)
