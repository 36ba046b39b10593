"""SMS backends, chosen by the SMS_BACKEND setting, in the manner of Django's email backends.

A backend's ``send`` returns the provider's message id, or raises SmsError. The message id we pass
is deterministic (derived from the notice's idempotency key) so a gateway that de-duplicates on it
can drop the second copy of a retried send.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The gateway refused the message or could not be reached; the notice will be retried.

    ``status`` is the gateway's HTTP status, ``kind`` a notices.failures.FailureKind when there is none.
    The message never carries the gateway's answer: gateways quote the number back.
    """

    def __init__(self, message: str, *, status: int | None = None, kind: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind


@dataclass(frozen=True)
class SmsMessage:
    to: str  # E.164
    body: str
    message_id: str


class BaseBackend:
    def send(self, message: SmsMessage) -> str:
        raise NotImplementedError


class FileBackend(BaseBackend):
    """The embedded default: one file per message under SMS_FILE_PATH (var/sms/), for the demo to show."""

    def send(self, message: SmsMessage) -> str:
        directory = Path(settings.SMS_FILE_PATH)
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{timezone.now():%Y%m%d-%H%M%S}-{message.message_id}.txt"
        (directory / name).write_text(f"To: {message.to}\nMessage-ID: {message.message_id}\n\n{message.body}\n")
        return message.message_id


class LocmemBackend(BaseBackend):
    """For tests: keeps messages in ``LocmemBackend.outbox``, like Django's locmem email backend."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send(self, message: SmsMessage) -> str:
        self.outbox.append(message)
        return message.message_id


class HttpGatewayBackend(BaseBackend):
    """A JSON POST to SMS_GATEWAY_URL with a bearer token from SMS_GATEWAY_TOKEN.

    Request: {"to", "from", "text", "message_id"}; any 2xx is accepted, and the gateway's "id" (if it
    returns JSON with one) is recorded as the provider message id.
    """

    def __init__(self) -> None:
        if not settings.SMS_GATEWAY_URL.startswith(("https://", "http://")) or not settings.SMS_GATEWAY_TOKEN:
            raise SmsError("SMS_GATEWAY_URL (http/https) and SMS_GATEWAY_TOKEN must both be set")
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN

    def send(self, message: SmsMessage) -> str:
        payload = {
            "to": message.to,
            "from": settings.SMS_SENDER_ID,
            "text": message.body,
            "message_id": message.message_id,
        }
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": message.message_id,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise SmsError(f"gateway answered {exc.code}", status=exc.code) from exc
        except TimeoutError as exc:
            raise SmsError("gateway timed out", kind="TIMEOUT") from exc
        except (urllib.error.URLError, OSError) as exc:
            timed_out = isinstance(getattr(exc, "reason", None), TimeoutError)
            raise SmsError(
                "gateway timed out" if timed_out else "gateway unreachable",
                kind="TIMEOUT" if timed_out else "CONNECTION",
            ) from exc
        try:
            answer = json.loads(raw or b"{}")
        except ValueError:
            answer = {}
        provider_id = answer.get("id") if isinstance(answer, dict) else None
        return str(provider_id or message.message_id)


def sms_backend() -> BaseBackend:
    backend: BaseBackend = import_string(settings.SMS_BACKEND)()
    return backend
