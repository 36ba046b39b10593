"""Signed pushes to a platform's webhook, against a real HTTPS receiver: the signature, replay,
refusals and retries through the outbox (no delivery lost, none repeated under a new id)."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from notices.models import Notice, PlatformWebhook
from notices.services import advance_notice_respond, notice_send
from notices.webhooks import WebhookError, WebhookRefused, signature_compute, signature_verify, webhook_post

from .conftest import WEBHOOK_SECRET, notice_submit

BODY = b'{"event": "advance_notice.response"}'


def test_signature_over_timestamp_and_body_verifies():
    now = int(time.time())
    signature = signature_compute(WEBHOOK_SECRET, now, BODY)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert signature_verify(WEBHOOK_SECRET, str(now), BODY, signature)
    assert signature_verify(WEBHOOK_SECRET, now, BODY.decode(), signature)


@pytest.mark.parametrize(
    "tamper",
    [
        {"secret": "another-secret"},
        {"body": BODY + b" "},
        {"timestamp_shift": 1},
        {"signature": "sha256=" + "0" * 64},
        {"signature": ""},
    ],
)
def test_any_change_breaks_the_signature(tamper):
    now = int(time.time())
    signature = signature_compute(WEBHOOK_SECRET, now, BODY)
    assert not signature_verify(
        tamper.get("secret", WEBHOOK_SECRET),
        now + tamper.get("timestamp_shift", 0),
        tamper.get("body", BODY),
        tamper.get("signature", signature),
    )


def test_a_replayed_push_is_refused_once_its_timestamp_is_stale():
    sent = int(time.time()) - 301
    signature = signature_compute(WEBHOOK_SECRET, sent, BODY)
    assert not signature_verify(WEBHOOK_SECRET, sent, BODY, signature)
    assert signature_verify(WEBHOOK_SECRET, sent, BODY, signature, tolerance=600)
    future = int(time.time()) + 301
    assert not signature_verify(WEBHOOK_SECRET, future, BODY, signature_compute(WEBHOOK_SECRET, future, BODY))


@hsettings(max_examples=200)
@given(timestamp=st.text(max_size=20), body=st.binary(max_size=200), signature=st.text(max_size=80))
def test_garbage_never_verifies_and_never_raises(timestamp, body, signature):
    assert signature_verify(WEBHOOK_SECRET, timestamp, body, signature) is False


# --- HTTP ---------------------------------------------------------------------------------------


def test_post_reaches_the_receiver_signed(receiver):
    webhook_post(url=receiver.url, secret=WEBHOOK_SECRET, body=BODY.decode(), delivery_id="webhook:t:1")
    [delivery] = receiver.deliveries
    assert (delivery.delivery_id, delivery.body, delivery.valid) == ("webhook:t:1", BODY, True)


@pytest.mark.parametrize(("status", "error"), [(410, WebhookRefused), (400, WebhookRefused), (500, WebhookError)])
def test_client_errors_are_final_and_server_errors_are_retried(receiver, status, error):
    receiver.status = status
    with pytest.raises(error) as raised:
        webhook_post(url=receiver.url, secret=WEBHOOK_SECRET, body="{}", delivery_id="d")
    assert type(raised.value) is error


@pytest.mark.parametrize("status", [408, 429, 302])
def test_timeouts_throttling_and_redirects_are_retried_not_followed(receiver, status):
    receiver.status = status
    with pytest.raises(WebhookError) as raised:
        webhook_post(url=receiver.url, secret=WEBHOOK_SECRET, body="{}", delivery_id="d")
    assert not isinstance(raised.value, WebhookRefused)


def test_a_certificate_we_do_not_trust_is_refused(receiver, settings):
    settings.WEBHOOK_CA_BUNDLE = ""
    with pytest.raises(WebhookError, match="CERTIFICATE_VERIFY_FAILED"):
        webhook_post(url=receiver.url, secret=WEBHOOK_SECRET, body="{}", delivery_id="d")
    assert receiver.deliveries == []


def test_plain_http_is_never_used(receiver):
    with pytest.raises(WebhookRefused):
        webhook_post(url=receiver.url.replace("https", "http"), secret=WEBHOOK_SECRET, body="{}", delivery_id="d")


@pytest.mark.django_db
def test_webhook_url_must_be_https(x_platform):
    hook = PlatformWebhook(platform=x_platform, url="http://hooks.x.example/pta", secret=WEBHOOK_SECRET)
    with pytest.raises(ValidationError) as refused:
        hook.full_clean()
    assert "url" in refused.value.message_dict
    hook.url, hook.secret = "https://hooks.x.example/pta", "short"
    with pytest.raises(ValidationError) as refused:
        hook.full_clean()
    assert "secret" in refused.value.message_dict


@pytest.mark.django_db
def test_the_secret_is_encrypted_at_rest(x_platform):
    from django.db import connection

    hook = PlatformWebhook.objects.create(platform=x_platform, url="https://hooks.x.example/a", secret=WEBHOOK_SECRET)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM notices_platformwebhook WHERE id = %s", [hook.pk])
        stored = cursor.fetchone()[0]
    assert WEBHOOK_SECRET not in stored
    assert PlatformWebhook.objects.get(pk=hook.pk).secret == WEBHOOK_SECRET


# --- Through the outbox, in this process ---------------------------------------------------------


def _due_now(notice: Notice) -> None:
    Notice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_receiver_down_then_back_is_failed_then_sent_under_one_delivery_id(receiver, x_platform, zara):
    PlatformWebhook.objects.create(platform=x_platform, url=receiver.url, secret=WEBHOOK_SECRET)
    notice = notice_submit(x_platform)
    advance_notice_respond(notice=notice, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    push = Notice.objects.get(channel="WEBHOOK")

    receiver.stop()
    assert notice_send(notice_id=push.pk).status == "FAILED"
    push.refresh_from_db()
    assert push.status == "FAILED" and "Connection refused" in push.last_error

    receiver.start()
    _due_now(push)
    assert notice_send(notice_id=push.pk).status == "SENT"
    _due_now(push)
    assert notice_send(notice_id=push.pk).status == "SKIPPED"
    push.refresh_from_db()
    assert (push.status, push.attempts) == ("SENT", 2)
    assert receiver.valid_ids() == [push.idempotency_key]
    assert json.loads(receiver.deliveries[0].body)["data"]["reference"] == notice.reference


@pytest.mark.django_db
def test_a_refusal_is_dead_at_once_and_a_deactivated_webhook_gets_nothing(receiver, x_platform, zara):
    hook = PlatformWebhook.objects.create(platform=x_platform, url=receiver.url, secret=WEBHOOK_SECRET)
    first = notice_submit(x_platform)
    advance_notice_respond(notice=first, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    receiver.status = 401
    push = Notice.objects.get(channel="WEBHOOK")
    assert notice_send(notice_id=push.pk).status == "DEAD"

    second = notice_submit(x_platform, decision_account="TERMINATED")
    advance_notice_respond(notice=second, response="NO_OBJECTION", reasons="", rule="", actor=zara)
    hook.is_active = False
    hook.save(update_fields=["is_active"])
    queued = Notice.objects.exclude(pk=push.pk).get(channel="WEBHOOK")
    assert notice_send(notice_id=queued.pk).status == "DEAD"
    assert len(receiver.deliveries) == 1


@pytest.mark.django_db
def test_a_refused_secret_leaves_later_reads_decrypted(x_platform):
    # django-fernet-encrypted-fields' own clean() leaves the field undecrypting after a refusal.
    PlatformWebhook.objects.create(platform=x_platform, url="https://hooks.x.example/a", secret=WEBHOOK_SECRET)
    with pytest.raises(ValidationError):
        PlatformWebhook(platform=x_platform, url="https://hooks.x.example/b", secret="short").full_clean()
    assert PlatformWebhook.objects.get(platform=x_platform).secret == WEBHOOK_SECRET
