"""Evidence uploads: judged by their bytes, never by their name, and stored without hidden payloads.

A citizen's screenshot can carry their GPS position in EXIF, and an attacker's "screenshot" can be an
executable, a ZIP glued onto a JPEG, or a PDF that runs script when a caseworker opens it. Images are
decoded with a fixed list of formats under a pixel cap and re-encoded, so only pixels are stored.
PDFs cannot be re-encoded faithfully, so they are parsed and refused if they carry active content.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import unicodedata
import warnings
from collections.abc import Iterable

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

from .services import EvidenceUpload

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that. We refuse above our own cap
# before decoding, and make the warning an error so no code path decodes a bomb "with a warning".
Image.MAX_IMAGE_PIXELS = settings.EVIDENCE_MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)

# Detected MIME type -> the only Pillow decoder allowed for it.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
PDF = "application/pdf"
ALLOWED_TYPES = {*IMAGE_FORMATS, PDF}

# Another format's signature inside a file is how polyglots are built. The ZIP local-file header is
# checked with its "version needed" field so that four random bytes of compressed pixels do not match.
FOREIGN_SIGNATURES = [
    re.compile(rb"PK\x03\x04[\x0a\x14\x2d\x33\x3f]\x00"),
    re.compile(rb"\x7fELF[\x01\x02][\x01\x02]\x01"),
    re.compile(rb"This program cannot be run in DOS mode"),
    re.compile(rb"<\s*(script|html|body|iframe|svg|object|embed)[\s>/]", re.IGNORECASE),
    re.compile(rb"<\?php", re.IGNORECASE),
    re.compile(rb"Rar!\x1a\x07"),
    re.compile(rb"7z\xbc\xaf\x27\x1c"),
]
# Names that make a PDF act rather than display.
PDF_ACTIVE_NAMES = {"/JavaScript", "/JS", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/XFA"}
PDF_NAME_RE = re.compile(rb"/[A-Za-z0-9#]+")


class _Rejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def evidence_validate(files: Iterable[UploadedFile]) -> list[EvidenceUpload]:
    """The files as storable uploads, or a ValidationError with one message per bad file."""
    files = list(files)
    if len(files) > settings.EVIDENCE_MAX_FILES:
        raise ValidationError(
            _("You can attach at most %(max)d files.") % {"max": settings.EVIDENCE_MAX_FILES}, code="too_many"
        )
    uploads: list[EvidenceUpload] = []
    errors: list[ValidationError] = []
    for upload in files:
        name = _display_name(upload.name or "")
        try:
            uploads.append(_evidence_check(upload, name))
        except _Rejected as rejected:
            errors.append(ValidationError("%(name)s: %(message)s", params={"name": name, "message": rejected.message}))
    if errors:
        raise ValidationError(errors)
    return uploads


def _display_name(raw: str) -> str:
    # Only the last path component, without control characters: it is shown back and kept in the row.
    base = re.split(r"[\\/]", raw)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return cleaned[:255] or "file"


def _evidence_check(upload: UploadedFile, name: str) -> EvidenceUpload:
    max_bytes = settings.EVIDENCE_MAX_BYTES
    if upload.size is None or upload.size > max_bytes:
        raise _Rejected(_("the file is larger than %(mb)s MB.") % {"mb": _megabytes(max_bytes)})
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise _Rejected(_("the file is larger than %(mb)s MB.") % {"mb": _megabytes(max_bytes)})
    if not content:
        raise _Rejected(_("the file is empty."))
    sha256 = hashlib.sha256(content).hexdigest()
    kind = filetype.guess_mime(content)
    if kind not in ALLOWED_TYPES or not _head_matches(kind, content):
        raise _Rejected(_("only PNG, JPEG or WebP pictures and PDF documents can be attached."))
    if kind == PDF:
        _pdf_check(content)
        stored = content
    else:
        _image_structure_check(kind, content)
        stored = _image_reencode(kind, content)
    return EvidenceUpload(content=stored, original_name=name, content_type=kind, sha256=sha256, size=len(stored))


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


def _foreign_signature_check(content: bytes) -> None:
    for signature in FOREIGN_SIGNATURES:
        if signature.search(content):
            raise _Rejected(_("the file contains another file hidden inside it."))


# --- Images ---------------------------------------------------------------------------------------


def _image_structure_check(kind: str, content: bytes) -> None:
    if kind == "image/png":
        end = _png_end(content)
    elif kind == "image/jpeg":
        end = _jpeg_end(content)
    else:
        end = _webp_end(content)
    # Data after the format's own end marker is where polyglots hide their second file. Some
    # cameras pad with zero bytes, which carry nothing. Phones that append a short video to a photo
    # ("motion photos") land here too, hence the advice in the message.
    if content[end:].strip(b"\x00"):
        raise _Rejected(
            _(
                "the picture has other data attached after it (some phones add a short video); "
                "send a screenshot instead."
            )
        )
    _foreign_signature_check(content)
    # A PDF reader finds "%PDF-" anywhere in the first kilobyte and opens the picture as a document.
    if b"%PDF-" in content:
        raise _Rejected(_("the file contains another file hidden inside it."))


def _png_end(content: bytes) -> int:
    pos = 8
    while pos + 12 <= len(content):
        (length,) = struct.unpack(">I", content[pos : pos + 4])
        chunk_type = content[pos + 4 : pos + 8]
        pos += 12 + length
        if chunk_type == b"IEND":
            return pos
    raise _Rejected(_("the picture is damaged or incomplete."))


def _jpeg_end(content: bytes) -> int:
    """Walk the JPEG's segments to the EOI that ends *this* image (not one inside an EXIF thumbnail)."""
    pos, size = 2, len(content)
    while pos + 2 <= size:
        if content[pos] != 0xFF:
            raise _Rejected(_("the picture is damaged or incomplete."))
        marker = content[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xD9:
            return pos + 2
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > size:
            break
        (length,) = struct.unpack(">H", content[pos + 2 : pos + 4])
        pos += 2 + length
        if marker == 0xDA:
            # Entropy-coded data: a marker is 0xFF followed by anything but 0x00 (stuffing) or a restart.
            while pos + 1 < size:
                if content[pos] == 0xFF and content[pos + 1] != 0x00 and not 0xD0 <= content[pos + 1] <= 0xD7:
                    break
                pos += 1
    raise _Rejected(_("the picture is damaged or incomplete."))


def _webp_end(content: bytes) -> int:
    (riff_size,) = struct.unpack("<I", content[4:8])
    end = 8 + riff_size + (riff_size & 1)
    if end > len(content):
        raise _Rejected(_("the picture is damaged or incomplete."))
    return end


def _image_reencode(kind: str, content: bytes) -> bytes:
    image_format = IMAGE_FORMATS[kind]
    try:
        with Image.open(io.BytesIO(content), formats=[image_format]) as image:
            width, height = image.size
            if width * height > settings.EVIDENCE_MAX_PIXELS:
                raise _Rejected(_("the picture has too many pixels; send a smaller screenshot."))
            image.seek(0)  # only the first frame of an animation is evidence
            image.load()
            # EXIF orientation is applied to the pixels before EXIF itself is dropped.
            clean = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _Rejected(_("the picture has too many pixels; send a smaller screenshot.")) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, struct.error, EOFError) as exc:
        raise _Rejected(_("the picture is damaged or incomplete.")) from exc
    # A fresh image from the pixels alone: no EXIF, GPS, XMP, ICC or text chunks can follow.
    if clean.mode not in {"RGB", "RGBA", "L", "LA"}:
        clean = clean.convert("RGBA" if "A" in clean.getbands() or "transparency" in clean.info else "RGB")
    if image_format == "JPEG" and clean.mode != "RGB" and clean.mode != "L":
        clean = clean.convert("RGB")
    pixels_only = Image.frombytes(clean.mode, clean.size, clean.tobytes())
    out = io.BytesIO()
    if image_format == "JPEG":
        pixels_only.save(out, format="JPEG", quality=90, optimize=True)
    elif image_format == "PNG":
        pixels_only.save(out, format="PNG", optimize=True)
    else:
        pixels_only.save(out, format="WEBP", quality=90)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------------


def _pdf_check(content: bytes) -> None:
    last_eof = content.rfind(b"%%EOF")
    if last_eof == -1 or content[last_eof + 5 :].strip():
        raise _Rejected(_("the PDF is damaged or has data attached after its end."))
    _foreign_signature_check(content)
    # Names may be written with #xx escapes (/J#61vaScript) to slip past a plain byte search.
    for match in PDF_NAME_RE.finditer(content):
        if _pdf_name_decode(match.group()) in PDF_ACTIVE_NAMES:
            raise _Rejected(_("the PDF contains scripts, actions or attached files; print it to a new PDF first."))
    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted:
            raise _Rejected(_("the PDF is password-protected; send it without a password."))
        # Objects inside compressed object streams are invisible to the byte search above.
        for obj in _pdf_objects(reader):
            _pdf_active_check(obj, depth=0)
        if len(reader.pages) == 0:
            raise _Rejected(_("the PDF has no pages."))
    except _Rejected:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError, struct.error) as exc:
        raise _Rejected(_("the PDF is damaged and cannot be read.")) from exc


def _pdf_name_decode(raw: bytes) -> str:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _pdf_objects(reader: PdfReader) -> Iterable[PdfObject | None]:
    for generation, objects in reader.xref.items():
        for number in objects:
            yield reader.get_object(IndirectObject(number, generation, reader))
    for number in reader.xref_objStm:
        yield reader.get_object(IndirectObject(number, 0, reader))
    yield reader.trailer


def _pdf_active_check(obj: PdfObject | None, *, depth: int) -> None:
    # Indirect references are not followed: every indirect object is visited on its own above.
    if depth > 50:
        raise _Rejected(_("the PDF is damaged and cannot be read."))
    if isinstance(obj, NameObject) and str(obj) in PDF_ACTIVE_NAMES:
        raise _Rejected(_("the PDF contains scripts, actions or attached files; print it to a new PDF first."))
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            if str(key) in PDF_ACTIVE_NAMES:
                raise _Rejected(_("the PDF contains scripts, actions or attached files; print it to a new PDF first."))
            if not isinstance(value, IndirectObject):
                _pdf_active_check(value, depth=depth + 1)
    elif isinstance(obj, ArrayObject):
        for item in obj:
            if not isinstance(item, IndirectObject):
                _pdf_active_check(item, depth=depth + 1)
