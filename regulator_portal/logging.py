"""Complainants' identifiers never reach a log line.

``PiiRedactingFilter`` is installed on every handler in settings.LOGGING. It formats the record's
message with its args, replaces CNIC-like digit runs, Pakistani mobiles and email addresses (and any
strings a record carries in its ``pii`` extra, such as a complainant's name) with placeholders,
and does the same to the exception text. A handler then prints only the redacted text.

A log line that needs to say *which* complaint uses its reference, which is not PII; a name cannot
be recognised by pattern, so code that has one at hand passes it as ``extra={"pii": [name]}``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

# 13 digits as 5-7-1 with dashes or spaces, or run together; not part of a longer digit run.
CNIC_RE = re.compile(r"(?<!\d)\d{5}[-\s]?\d{7}[-\s]?\d(?!\d)")
# +92 / 0092 / 92 / 0 followed by a 3xx mobile prefix and seven digits, spaced or dashed or not.
MOBILE_RE = re.compile(r"(?<![\d+])(?:\+92|0092|92|0)[\s-]?3\d{2}[\s-]?\d{7}(?!\d)")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")

CNIC_PLACEHOLDER = "[cnic]"
MOBILE_PLACEHOLDER = "[mobile]"
EMAIL_PLACEHOLDER = "[email]"
PII_PLACEHOLDER = "[redacted]"


def redact(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every CNIC, mobile, email and each string of ``extra`` replaced by a placeholder."""
    for value in sorted((v for v in extra if v and v.strip()), key=len, reverse=True):
        text = re.sub(re.escape(value.strip()), PII_PLACEHOLDER, text, flags=re.IGNORECASE)
    text = EMAIL_RE.sub(EMAIL_PLACEHOLDER, text)
    # Mobiles before CNICs: neither pattern matches the other's digits, but a mobile's 0 prefix
    # must not be left behind as part of a shorter match.
    text = MOBILE_RE.sub(MOBILE_PLACEHOLDER, text)
    return CNIC_RE.sub(CNIC_PLACEHOLDER, text)


class PiiRedactingFilter(logging.Filter):
    """Redacts the record in place and lets it through: a filter on a handler never drops a line."""

    def filter(self, record: logging.LogRecord) -> bool:
        extra = getattr(record, "pii", ()) or ()
        if isinstance(extra, str):
            extra = [extra]
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed format string still gets logged, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message, extra)
        record.args = None
        if record.exc_info:
            # The traceback as text, redacted; the exception object goes, since a handler that
            # formats it again (or mails it) would print the original values.
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, extra)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text, extra)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, extra)
        record.pii = ()
        return True
