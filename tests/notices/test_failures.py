"""A failed delivery is kept and logged as a kind and a redacted message, never the provider's raw answer."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notices import services
from notices.failures import FailureKind, failure_redact
from notices.models import Notice
from tests.factories import complaint_create


@pytest.mark.django_db
def test_a_refused_recipient_is_recorded_as_a_kind_without_the_citizens_address_number_or_name(
    settings, smtp_server, caplog
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    smtp_server.reset()
    smtp_server.handler.refuse_recipient = True
    try:
        notice = Notice.objects.get(
            complaint=complaint_create(full_name="Farah Qureshi", email="farah@example.pk", mobile="+923001234567")
        )
        with caplog.at_level(logging.DEBUG):
            result = services.notice_send(notice_id=notice.pk)
    finally:
        smtp_server.reset()

    notice.refresh_from_db()
    assert result.status == "FAILED" and notice.status == "FAILED"
    assert notice.last_error_kind == FailureKind.RECIPIENT_REFUSED
    assert "550" in notice.last_error and "[address]" in notice.last_error
    # mail.log is aiosmtpd's own log: the test server's, which sees the address by definition.
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    logged = "\n".join(record.getMessage() for record in ours)
    assert f"notice {notice.pk}" in logged and "RECIPIENT_REFUSED" in logged
    for secret in ("farah@example.pk", "example.pk", "3001234567", "Farah", "Qureshi"):
        assert secret not in notice.last_error
        assert secret not in logged
    assert not any(record.exc_info for record in ours)
    assert smtp_server.handler.messages == []


def test_redaction_takes_out_addresses_numbers_and_names_but_keeps_codes():
    text = "550 5.1.1 <a.b+c@mail.example.pk> CNIC 35202-1234567-1 phone 0300 1234567 for Imran ALI"
    redacted = failure_redact(text, names=["Imran Ali"])
    assert redacted == "550 5.1.1 <[address]> CNIC [number] phone [number] for [name] [name]"


@given(st.from_regex(r"\+?92[0-9]{10}|[0-9]{5}-[0-9]{7}-[0-9]|[a-z]{1,10}@[a-z]{1,10}\.pk", fullmatch=True), st.text())
def test_no_mobile_cnic_or_address_survives_redaction_whatever_surrounds_it(secret, noise):
    assert secret not in failure_redact(f"{noise} {secret} {noise}")
