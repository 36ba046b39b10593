"""What the image and PDF checks share: the refusal, and the search for a second file inside the first."""

from __future__ import annotations

import logging
import re

from django.utils.translation import gettext as _

logger = logging.getLogger("complaints.evidence")

# Another format's signature inside a file is how polyglots are built. Archive readers look for
# their directory anywhere in a file, so the archive signatures are searched at every offset and in
# every version. A four-byte signature turns up by chance in about one 5 MB compressed file in a
# thousand; that refusal costs a citizen a re-send, a missed archive could cost a caseworker's PC.
FOREIGN_SIGNATURES = [
    re.compile(rb"PK(?:\x03\x04|\x05\x06|\x01\x02|\x06\x06|\x07\x08)"),
    re.compile(rb"Rar!\x1a\x07"),
    re.compile(rb"7z\xbc\xaf\x27\x1c"),
    re.compile(rb"\x7fELF[\x01\x02][\x01\x02]\x01"),
    re.compile(rb"This program cannot be run in DOS mode"),
    re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed)[\s>/]", re.IGNORECASE),
    re.compile(rb"<\?php", re.IGNORECASE),
]


class Rejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def foreign_signature_check(content: bytes) -> None:
    for signature in FOREIGN_SIGNATURES:
        if signature.search(content):
            raise Rejected(_("the file contains another file hidden inside it."))


def damaged(exc: BaseException) -> Rejected:
    # The exception's type only: its text can quote the file's bytes.
    logger.info("evidence refused as damaged: %s", type(exc).__name__)
    return Rejected(_("the picture is damaged or incomplete."))
