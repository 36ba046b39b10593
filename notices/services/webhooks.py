"""Pushes to a platform's registered webhook, through the outbox like every other message.

The body is fixed when the row is queued, so every retry sends the same bytes under the same
X-PTA-Delivery id; only the timestamp and its signature are fresh on each attempt.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from complaints.models import Case, Language, Platform

from ..models import Channel, Letter, Notice, PlatformWebhook
from ..webhooks import WebhookRefused, webhook_post


def platform_push(
    *, platform: Platform, event: str, data: dict[str, Any], key: str, letter: Letter | None = None
) -> Notice | None:
    """Queue ``event`` for the platform's active webhook, if it has one. ``key`` makes it idempotent."""
    # Imported here: outbox.py imports this module for webhook_deliver.
    from .outbox import notice_queue

    hook = PlatformWebhook.objects.filter(platform=platform, is_active=True).first()
    if hook is None:
        return None
    delivery_id = f"webhook:{key}"
    body = json.dumps(
        {"event": event, "delivery": delivery_id, "created_at": timezone.now(), "data": data},
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        sort_keys=True,
    )
    return notice_queue(
        channel=Channel.WEBHOOK,
        recipient_kind=Notice.RecipientKind.PLATFORM_CONTACT,
        address=hook.url,
        kind=event,
        language=Language.ENGLISH,
        subject=event,
        body=body,
        idempotency_key=delivery_id,
        letter=letter,
    )


def letter_push_payload(*, letter: Letter, cases: list[Case]) -> dict[str, Any]:
    """A sent letter as the platform's webhook receives it. The annex, which may name consenting
    complainants, goes only by email to the named contact."""
    return {
        "reference": letter.our_reference,
        "letter_type": letter.letter_type,
        "subject": letter.subject,
        "body": letter.body,
        "legal_basis": letter.legal_basis,
        "response_due_at": letter.response_due_at,
        "accounts": [{"case": case.reference, "account_handle": case.account_handle} for case in cases],
    }


def webhook_deliver(*, notice: Notice) -> str:
    """The outbox's WEBHOOK channel. Only a URL that is still registered and active receives the push:
    a supervisor who deactivates or changes a webhook stops what was queued for the old one."""
    hook = PlatformWebhook.objects.filter(url=notice.address, is_active=True).first()
    if hook is None:
        raise WebhookRefused("the webhook is no longer registered or active")
    return webhook_post(url=hook.url, secret=hook.secret, body=notice.body, delivery_id=notice.idempotency_key)
