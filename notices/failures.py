"""What a failed delivery is recorded as: a kind of failure and a message with the recipient taken out.

An SMTP server or SMS gateway often quotes the recipient back ("<farah@example.pk>: user unknown",
"+923001234567 is not reachable"). That text goes on a row that masked roles can read and into logs,
so it is classified and redacted before it is kept anywhere; the raw exception is never logged.
"""

from __future__ import annotations

import re
import smtplib
import socket
from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _

from .sms import SmsError
from .webhooks import WebhookError


class FailureKind(models.TextChoices):
    RECIPIENT_REFUSED = "RECIPIENT_REFUSED", _("Recipient refused")
    CONNECTION = "CONNECTION", _("Could not connect")
    TIMEOUT = "TIMEOUT", _("Timed out")
    AUTH = "AUTH", _("Authentication failed")
    PROVIDER_4XX = "PROVIDER_4XX", _("Provider refused (4xx)")
    PROVIDER_5XX = "PROVIDER_5XX", _("Provider error (5xx)")
    WORKER_LOST = "WORKER_LOST", _("Worker lost while sending")
    UNKNOWN = "UNKNOWN", _("Unknown")


class DeliveryUncertain(Exception):
    """The connection broke while a message was being handed over: the provider may have accepted it.

    Raised from the original error (its ``__cause__``), which is what gets classified. The retry may
    deliver a second copy, so the row is flagged ``possible_duplicate``.
    """


EMAIL_RE = re.compile(r"[^\s<>\"'(),;:]+@[^\s<>\"'(),;:]+")
# Seven or more digits, possibly split by spaces, dashes or dots: a mobile number or a CNIC, never an
# SMTP code (three digits) or an enhanced status code (5.1.1).
NUMBER_RE = re.compile(r"\+?\d(?:[\s.\-]?\d){6,}")
MAX_MESSAGE = 300


def failure_redact(text: str, *, names: Iterable[str] = ()) -> str:
    """The text without email addresses, phone/CNIC-length digit runs and the given names."""
    text = EMAIL_RE.sub("[address]", text)
    text = NUMBER_RE.sub("[number]", text)
    for name in names:
        for part in name.split():
            if len(part) >= 2:
                text = re.sub(rf"(?<!\w){re.escape(part)}(?!\w)", "[name]", text, flags=re.IGNORECASE)
    return " ".join(text.split())[:MAX_MESSAGE]


def _smtp_text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _by_code(code: int) -> str:
    if 400 <= code < 500:
        return FailureKind.PROVIDER_4XX
    if 500 <= code < 600:
        return FailureKind.PROVIDER_5XX
    return FailureKind.UNKNOWN


def failure_classify(exc: BaseException, *, names: Iterable[str] = ()) -> tuple[str, str]:
    """(FailureKind, redacted message) for an exception raised while delivering a notice."""
    if isinstance(exc, DeliveryUncertain) and exc.__cause__ is not None:
        return failure_classify(exc.__cause__, names=names)
    kind: str = FailureKind.UNKNOWN
    detail = ""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        kind = FailureKind.RECIPIENT_REFUSED
        codes = [f"{code} {_smtp_text(text)}" for code, text in exc.recipients.values()]
        detail = "; ".join(codes)
    elif isinstance(exc, smtplib.SMTPAuthenticationError):
        kind, detail = FailureKind.AUTH, f"{exc.smtp_code} {_smtp_text(exc.smtp_error)}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        kind, detail = _by_code(exc.smtp_code), f"{exc.smtp_code} {_smtp_text(exc.smtp_error)}"
    elif isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPNotSupportedError):
        kind = FailureKind.PROVIDER_5XX
    elif isinstance(exc, SmsError):
        kind = _by_code(exc.status) if exc.status else (exc.kind or FailureKind.UNKNOWN)
        detail = str(exc)
    elif isinstance(exc, WebhookError):
        # The receiver's answer is a status code ("HTTP 503"); a failure to reach it keeps its cause.
        reason = getattr(exc.__cause__, "reason", exc.__cause__)
        status = re.search(r"HTTP (\d{3})", str(exc))
        if status:
            kind, detail = _by_code(int(status.group(1))), status.group(0)
        elif isinstance(reason, TimeoutError | socket.timeout):
            kind = FailureKind.TIMEOUT
        elif isinstance(reason, OSError):
            kind, detail = FailureKind.CONNECTION, reason.strerror or str(reason)
    elif isinstance(exc, TimeoutError | socket.timeout):
        kind = FailureKind.TIMEOUT
    elif isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | ConnectionError | OSError):
        kind = FailureKind.CONNECTION
        detail = exc.strerror or str(exc)
    label = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return kind, failure_redact(label, names=names)
