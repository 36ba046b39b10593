"""Email out of the worker: one SMTP connection per worker process, kept open across notices."""

from __future__ import annotations

import contextlib
import smtplib
import threading
import time
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend

from .failures import DeliveryUncertain

# One SMTP connection per worker process (per thread), kept open across tasks: a new connection
# (TCP, EHLO, often STARTTLS and AUTH, then QUIT) cost more than the message itself. Any error drops
# it, and the next message connects afresh; the failed message is retried like any other failure.
# A connection idle for longer than SMTP_IDLE_CHECK_SECONDS is checked with a NOOP first, because
# servers close idle clients and a first message after a quiet spell should not fail for that.
SMTP_IDLE_CHECK_SECONDS = 5.0
_mail = threading.local()


def _mail_connection() -> BaseEmailBackend | None:
    """This thread's open SMTP connection, or None for the other backends (files, memory)."""
    backend = settings.EMAIL_BACKEND
    if backend != "django.core.mail.backends.smtp.EmailBackend":
        return None
    # Settings that change (tests, a reloaded configuration) must not reuse a session to another server.
    server = (settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_HOST_USER, settings.EMAIL_USE_TLS)
    if getattr(_mail, "server", None) != server:
        _mail_close()
    connection: Any = getattr(_mail, "connection", None)
    if connection is not None and time.monotonic() - _mail.used_at > SMTP_IDLE_CHECK_SECONDS:
        try:
            if connection.connection is None or connection.connection.noop()[0] != 250:
                raise smtplib.SMTPServerDisconnected("idle connection closed")
        except (smtplib.SMTPException, OSError):
            _mail_close()
            connection = None
    if connection is None:
        connection = get_connection(backend)
        connection.open()
        _mail.connection, _mail.server = connection, server
    _mail.used_at = time.monotonic()
    return connection


def _mail_close() -> None:
    connection = getattr(_mail, "connection", None)
    _mail.connection = None
    if connection is not None:
        # A broken connection may fail even to QUIT; it is dropped either way.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.close()


def mail_send(email: EmailMessage) -> None:
    """Send on this thread's kept SMTP connection; other backends as Django would."""
    connection = _mail_connection()
    if connection is None:
        email.send()
        return
    email.connection = connection
    try:
        email.send()
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        _mail_close()
        # The connection broke mid-conversation, perhaps after the server stored the message and
        # before its "250" reached us: unlike a refusal, this attempt may have delivered.
        raise DeliveryUncertain("the connection broke while sending") from exc
    except BaseException:
        # After an error the session's state is unknown (half a transaction): start afresh.
        _mail_close()
        raise
