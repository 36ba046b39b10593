"""Evidence uploads: judged by their bytes, never by their name, and stored without hidden payloads.

A citizen's screenshot can carry their GPS position in EXIF, and an attacker's "screenshot" can be an
executable, a ZIP glued onto a JPEG, or a PDF that runs script when a caseworker opens it. Images are
decoded with a fixed list of formats under a pixel and memory budget and re-encoded, so only pixels
are stored. PDFs are refused if they carry scripts or files, and otherwise rebuilt page by page with
qpdf (pikepdf), so no action, form, annotation or trailing data reaches a caseworker.

Every parser here reads hostile bytes, and no failure of theirs may become a 500: whatever they raise
is a refusal of that one file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from ..services import EvidenceUpload
from .common import Rejected
from .images import (
    IMAGE_FORMATS,
    DecodeBudget,
    image_header_check,
    image_reencode,
    image_structure_check,
    image_thumbnail,
)
from .pdf import pdf_rebuild

__all__ = [
    "ALLOWED_TYPES",
    "IMAGE_FORMATS",
    "PDF",
    "Rejected",
    "evidence_clean",
    "evidence_validate",
    "image_thumbnail",
]

PDF = "application/pdf"
ALLOWED_TYPES = {*IMAGE_FORMATS, PDF}


def evidence_validate(files: Iterable[UploadedFile], *, defer_pictures: bool = False) -> list[EvidenceUpload]:
    """The files as storable uploads, or a ValidationError with one message per bad file.

    With ``defer_pictures`` (the citizen's form), a picture passes every check that reads its
    structure and header, and is kept as received, ``pending``: a worker decodes and re-encodes it
    (``evidence_clean``), and until then nobody can open it (complaints.services.evidence).
    """
    files = list(files)
    if len(files) > settings.EVIDENCE_MAX_FILES:
        raise ValidationError(
            _("You can attach at most %(max)d files.") % {"max": settings.EVIDENCE_MAX_FILES}, code="too_many"
        )
    budget = DecodeBudget(pixels=settings.EVIDENCE_MAX_REQUEST_PIXELS)
    uploads: list[EvidenceUpload] = []
    errors: list[ValidationError] = []
    for upload in files:
        name = _display_name(upload.name or "")
        try:
            uploads.append(_evidence_check(upload, name, budget, defer_pictures=defer_pictures))
        except Rejected as rejected:
            errors.append(ValidationError("%(name)s: %(message)s", params={"name": name, "message": rejected.message}))
    if errors:
        raise ValidationError(errors)
    return uploads


def _display_name(raw: str) -> str:
    # Only the last path component, without control characters: it is shown back and kept in the row.
    base = re.split(r"[\\/]", raw)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return cleaned[:255] or "file"


def _evidence_check(upload: UploadedFile, name: str, budget: DecodeBudget, *, defer_pictures: bool) -> EvidenceUpload:
    max_bytes = settings.EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise Rejected(_("the file is larger than %(mb)s MB.") % {"mb": _megabytes(max_bytes)})
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise Rejected(_("the file is larger than %(mb)s MB.") % {"mb": _megabytes(max_bytes)})
    if not content:
        raise Rejected(_("the file is empty."))
    sha256 = hashlib.sha256(content).hexdigest()
    kind = filetype.guess_mime(content)
    if kind not in ALLOWED_TYPES or not _head_matches(kind, content):
        raise Rejected(_("only PNG, JPEG or WebP pictures and PDF documents can be attached."))
    if kind == PDF:
        stored = pdf_rebuild(content)
    else:
        image_structure_check(kind, content)
        if defer_pictures:
            image_header_check(kind, content, budget)
            return EvidenceUpload(
                content=content, original_name=name, content_type=kind, sha256=sha256, size=len(content), pending=True
            )
        stored = image_reencode(kind, content, budget)
    return EvidenceUpload(content=stored, original_name=name, content_type=kind, sha256=sha256, size=len(stored))


def evidence_clean(kind: str, content: bytes) -> bytes:
    """A picture stored pending, re-encoded from its pixels alone, or Rejected (damaged, or too large
    once decoded). It passed the structure and header checks when it was received."""
    return image_reencode(kind, content, DecodeBudget(pixels=settings.EVIDENCE_MAX_PIXELS))


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def _head_matches(kind: str, content: bytes) -> bool:
    """filetype looks at a few bytes anywhere near the start; we insist the file *begins* as its type."""
    if kind == "image/png":
        return content.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "image/jpeg":
        return content.startswith(b"\xff\xd8\xff")
    if kind == "image/webp":
        return content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    return content.startswith(b"%PDF-")
