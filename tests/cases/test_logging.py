"""Logs never carry a complainant's CNIC, mobile, email or name."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from complaints.models import Case, Complaint
from notices import services as notices
from notices.models import Notice
from regulator_portal.logging import PiiRedactingFilter, redact
from tests.intake.conftest import NEW_URL, form_data

from .conftest import verified_client

CNIC = "35202-7654321-3"
MOBILE = "+923451239876"
EMAIL = "nadia.baloch@dawn.com.pk"
NAME = "Nadia Baloch"


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """The output of the handler settings.LOGGING installs on the root logger."""
    [handler] = [h for h in logging.getLogger().handlers if any(isinstance(f, PiiRedactingFilter) for f in h.filters)]
    assert isinstance(handler, logging.StreamHandler)
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        yield stream
    finally:
        handler.setStream(previous)


def test_every_configured_handler_redacts_cnic_mobile_email_and_names_from_message_args_and_traceback(console):
    log = logging.getLogger("complaints.anything")
    log.warning("complaint from %s, CNIC %s", EMAIL, CNIC.replace("-", ""))
    log.warning("call 0%s or 0092%s or %s", MOBILE[3:], MOBILE[3:], "+92 345-1239876")
    log.warning("filed by %s", NAME, extra={"pii": [NAME]})
    try:
        raise ValueError(f"bad CNIC {CNIC} for {EMAIL}")
    except ValueError:
        log.exception("intake failed for %s", MOBILE)
    out = console.getvalue()
    for value in (CNIC, CNIC.replace("-", ""), MOBILE, MOBILE[3:], "345-1239876", EMAIL, "dawn.com", NAME):
        assert value not in out
    assert out.count("[cnic]") == 2 and out.count("[mobile]") == 4 and out.count("[email]") == 2
    assert "[redacted]" in out and "ValueError: bad CNIC [cnic]" in out and "Traceback" in out


def test_redaction_keeps_what_is_not_pii():
    text = "case PTA-C-2026-000123 complaint PTA-2026-000042 took 1234 ms at 2026-11-30 20:01:02"
    assert redact(text) == text


@given(
    digits=st.text(alphabet="0123456789", min_size=13, max_size=13),
    sep=st.sampled_from(["", "-", " "]),
    before=st.sampled_from(["", "cnic=", "x ", "("]),
)
def test_any_cnic_in_any_layout_is_redacted(digits, sep, before):
    cnic = f"{digits[:5]}{sep}{digits[5:12]}{sep}{digits[12]}"
    assert digits not in redact(f"{before}{cnic} end") and cnic not in redact(f"{before}{cnic} end")


@given(rest=st.text(alphabet="0123456789", min_size=9, max_size=9), prefix=st.sampled_from(["+92", "0092", "0", "92"]))
def test_any_pakistani_mobile_is_redacted(rest, prefix):
    number = f"{prefix}3{rest}"
    assert f"3{rest}" not in redact(f"sms to {number}.")


@pytest.mark.django_db
def test_a_complaint_journey_logs_no_complainant_pii_at_any_level(sana, zara, x_platform, caplog, settings):
    """Submit through the form, triage, refer through a letter, reveal: every record, DEBUG up."""
    settings.NOTICE_SMS_ALSO_WHEN_EMAIL = True
    x_platform.contacts.create(name="Grievance Officer", role="grievance officer", email="grievance@x.example")
    caplog.set_level(logging.DEBUG)
    details = {"full_name": NAME, "cnic": CNIC, "mobile": "0" + MOBILE[3:], "email": EMAIL, "preferred_language": "en"}
    assert Client().post(NEW_URL, form_data(x_platform, **details)).status_code == 303
    complaint = Complaint.objects.get()
    staff = verified_client(sana)
    staff.get("/admin/complaints/complaint/", {"q": CNIC})
    staff.post(f"/admin/complaints/complaint/{complaint.pk}/triage/", {"decision": "accept"})
    staff.post(f"/admin/complaints/case/{complaint.case_id}/transition/", {"to": "IN_REVIEW"})
    [letter] = notices.letter_draft_for_cases(cases=[Case.objects.get()], actor=zara)
    notices.letter_approve(letter=letter, actor=sana)
    notices.letter_send(letter=letter, actor=zara)
    assert staff.post(f"/admin/complaints/complaint/{complaint.pk}/reveal/").status_code == 200
    assert Case.objects.get().status == Case.Status.AWAITING_PLATFORM
    assert Notice.objects.filter(complaint=complaint).count() >= 4  # acknowledgement and referral, email and SMS
    assert caplog.records, "the journey logged nothing: the capture is not working"
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        for value in (CNIC, CNIC.replace("-", ""), MOBILE, MOBILE[3:], EMAIL, NAME):
            assert value not in text, (record.name, text)
