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
import io
import logging
import re
import struct
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import filetype
import pikepdf
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps

from .services import EvidenceUpload

logger = logging.getLogger(__name__)

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that. We refuse above our own cap
# before decoding, and make the warning an error so no code path decodes a bomb "with a warning".
Image.MAX_IMAGE_PIXELS = settings.EVIDENCE_MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)

# Detected MIME type -> the only Pillow decoder allowed for it.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
PDF = "application/pdf"
ALLOWED_TYPES = {*IMAGE_FORMATS, PDF}
# The widest or tallest picture each encoder can write back; anything larger cannot be re-encoded.
MAX_SIDE = {"PNG": 2**31 - 1, "JPEG": 65_535, "WEBP": 16_383}
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2, "RGB": 3, "YCbCr": 3, "LAB": 3}
PDF_MAX_PAGES = 500

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
# A JPEG marker inside entropy-coded data: 0xFF followed by anything but stuffing (0x00) or a restart.
JPEG_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7]")
# Names that make a PDF run something or carry a file: such a PDF is refused outright.
PDF_REFUSED_NAMES = {
    "/JavaScript",
    "/JS",
    "/Launch",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/RichMedia",
    "/XFA",
    "/SubmitForm",
    "/GoToR",
    "/GoToE",
    "/ImportData",
    "/Sound",
    "/Movie",
    "/Rendition",
}
# Interactive parts that ordinary PDFs have (links, forms, an opening view). They are dropped when
# the PDF is rebuilt, and the rebuilt file is refused if any of them is still found in it.
PDF_STRIPPED_KEYS = {"/Annots", "/AA", "/OpenAction", "/AcroForm", "/Names", "/URI", "/Metadata", "/PieceInfo"}
PDF_NAME_RE = re.compile(rb"/[A-Za-z0-9#]+")


class _Rejected(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _DecodeBudget:
    """The pixels one request may still decode: five pictures at the cap must not cost 5 × the memory."""

    pixels: int

    def take(self, pixels: int) -> None:
        if pixels > self.pixels:
            raise _Rejected(_("the pictures together are too large; send fewer or smaller pictures."))
        self.pixels -= pixels


def evidence_validate(files: Iterable[UploadedFile]) -> list[EvidenceUpload]:
    """The files as storable uploads, or a ValidationError with one message per bad file."""
    files = list(files)
    if len(files) > settings.EVIDENCE_MAX_FILES:
        raise ValidationError(
            _("You can attach at most %(max)d files.") % {"max": settings.EVIDENCE_MAX_FILES}, code="too_many"
        )
    budget = _DecodeBudget(pixels=settings.EVIDENCE_MAX_REQUEST_PIXELS)
    uploads: list[EvidenceUpload] = []
    errors: list[ValidationError] = []
    for upload in files:
        name = _display_name(upload.name or "")
        try:
            uploads.append(_evidence_check(upload, name, budget))
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


def _evidence_check(upload: UploadedFile, name: str, budget: _DecodeBudget) -> EvidenceUpload:
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
        stored = _pdf_rebuild(content)
    else:
        _image_structure_check(kind, content)
        stored = _image_reencode(kind, content, budget)
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


def _damaged(exc: BaseException) -> _Rejected:
    # The exception's type only: its text can quote the file's bytes.
    logger.info("evidence refused as damaged: %s", type(exc).__name__)
    return _Rejected(_("the picture is damaged or incomplete."))


# --- Images ---------------------------------------------------------------------------------------


def _image_structure_check(kind: str, content: bytes) -> None:
    try:
        if kind == "image/png":
            end = _png_end(content)
        elif kind == "image/jpeg":
            end = _jpeg_end(content)
        else:
            end = _webp_end(content)
    except (struct.error, IndexError) as exc:
        raise _damaged(exc) from exc
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
    """Walk the JPEG's segments to the EOI that ends *this* image (not one inside an EXIF thumbnail).

    Segments are hopped by their lengths; entropy-coded data is skipped with a regular expression,
    because a Python loop over each byte of a 5 MB scan costs over a second.
    """
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
            found = JPEG_MARKER_IN_SCAN.search(content, pos)
            if found is None:
                break
            pos = found.start()
    raise _Rejected(_("the picture is damaged or incomplete."))


def _webp_end(content: bytes) -> int:
    (riff_size,) = struct.unpack("<I", content[4:8])
    end = 8 + riff_size + (riff_size & 1)
    if end > len(content):
        raise _Rejected(_("the picture is damaged or incomplete."))
    return end


def _image_reencode(kind: str, content: bytes, budget: _DecodeBudget) -> bytes:
    image_format = IMAGE_FORMATS[kind]
    too_large = _("the picture has too many pixels; send a smaller screenshot.")
    try:
        with Image.open(io.BytesIO(content), formats=[image_format]) as image:
            width, height = image.size
            if width * height > settings.EVIDENCE_MAX_PIXELS or max(width, height) > MAX_SIDE[image_format]:
                raise _Rejected(too_large)
            target = _target_mode(image, image_format)
            if _peak_bytes(image, target) > settings.EVIDENCE_MAX_DECODE_BYTES:
                raise _Rejected(too_large)
            # Counted before decoding: a refused picture costs the request nothing.
            budget.take(width * height)
            image.load()  # only the first frame of an animation is evidence
            # Encoded inside the block: closing the image frees its pixels.
            return _encode(_pixels_only(image, target), image_format)
    except _Rejected:
        raise
    except Image.DecompressionBombError as exc:
        raise _Rejected(too_large) from exc
    except Exception as exc:  # see the module docstring: a parser's failure is a refusal
        raise _damaged(exc) from exc


def _target_mode(image: Image.Image, image_format: str) -> str:
    if image_format == "JPEG":
        return image.mode if image.mode in {"RGB", "L"} else "RGB"
    if image.mode in {"RGB", "RGBA", "L", "LA"}:
        return image.mode
    return "RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB"


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # broken EXIF: the pixels are still evidence, unrotated
        return 1
    return value if isinstance(value, int) else 1


def _peak_bytes(image: Image.Image, target: str) -> int:
    """The most memory the decoded picture can hold at once: decoded, then converted or rotated."""
    pixels = image.width * image.height
    decoded = pixels * BYTES_PER_PIXEL.get(image.mode, 4)
    final = pixels * BYTES_PER_PIXEL.get(target, 4)
    copies = int(target != image.mode) + int(_orientation(image) != 1)
    return decoded + final if copies else decoded


def _pixels_only(image: Image.Image, target: str) -> Image.Image:
    """The pixels, upright, in the target mode, with no metadata left to write back.

    Rotation happens in place and conversion makes one copy, so at most two copies are ever alive.
    """
    if _orientation(image) != 1:
        try:
            ImageOps.exif_transpose(image, in_place=True)
        except Exception:  # malformed EXIF: exif_transpose raises TypeError and more
            logger.info("evidence EXIF orientation could not be applied")
    clean = image if image.mode == target else image.convert(target)
    # EXIF, XMP, ICC profiles and text chunks live in .info; the encoders write back what is there.
    clean.info = {}
    return clean


def _encode(image: Image.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    if image_format == "JPEG":
        image.save(out, format="JPEG", quality=90)
    elif image_format == "PNG":
        image.save(out, format="PNG")
    else:
        image.save(out, format="WEBP", quality=90)
    return out.getvalue()


# --- PDF ------------------------------------------------------------------------------------------


def _pdf_rebuild(content: bytes) -> bytes:
    """A new PDF with the pages' content and resources only, or a refusal."""
    last_eof = content.rfind(b"%%EOF")
    if last_eof == -1 or content[last_eof + 5 :].strip():
        raise _Rejected(_("the PDF is damaged or has data attached after its end."))
    _foreign_signature_check(content)
    # Names may be written with #xx escapes (/J#61vaScript), and objects qpdf cannot reach in a
    # damaged file are still in the bytes: the raw scan and the object walk below each see what the
    # other can miss.
    for match in PDF_NAME_RE.finditer(content):
        if _pdf_name_decode(match.group()) in PDF_REFUSED_NAMES:
            raise _pdf_active()
    try:
        with pikepdf.open(io.BytesIO(content)) as source:
            _pdf_walk(_pdf_objects(source), PDF_REFUSED_NAMES)
            if len(source.pages) == 0:
                raise _Rejected(_("the PDF has no pages."))
            if len(source.pages) > PDF_MAX_PAGES:
                raise _Rejected(_("the PDF is damaged and cannot be read."))
            rebuilt = pikepdf.new()
            for page in source.pages:
                for key in PDF_STRIPPED_KEYS:
                    if key in page.obj:
                        del page.obj[key]
                rebuilt.pages.append(page)
            _pdf_walk(_pdf_objects(rebuilt), PDF_REFUSED_NAMES | PDF_STRIPPED_KEYS)
            out = io.BytesIO()
            # Streams are copied without decoding them: a 5 MB deflate bomb is never inflated.
            rebuilt.save(
                out,
                compress_streams=True,
                stream_decode_level=pikepdf.StreamDecodeLevel.none,
                deterministic_id=True,
            )
    except _Rejected:
        raise
    except pikepdf.PasswordError as exc:
        raise _Rejected(_("the PDF is password-protected; send it without a password.")) from exc
    except Exception as exc:  # see the module docstring: a parser's failure is a refusal
        logger.info("evidence PDF refused as damaged: %s", type(exc).__name__)
        raise _Rejected(_("the PDF is damaged and cannot be read.")) from exc
    stored = out.getvalue()
    _foreign_signature_check(stored)
    return stored


def _pdf_active() -> _Rejected:
    return _Rejected(_("the PDF contains scripts, actions or attached files; print it to a new PDF first."))


def _pdf_name_decode(raw: bytes) -> str:
    return re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _pdf_objects(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Object]:
    yield pdf.trailer
    yield from pdf.objects


def _pdf_walk(objects: Iterable[pikepdf.Object], names: set[str]) -> None:
    for obj in objects:
        _pdf_active_check(obj, names, depth=0)


def _pdf_active_check(obj: pikepdf.Object, names: set[str], *, depth: int) -> None:
    # Indirect references are not followed: every indirect object is visited on its own.
    if depth > 50:
        raise _Rejected(_("the PDF is damaged and cannot be read."))
    if isinstance(obj, pikepdf.Name):
        if str(obj) in names:
            raise _pdf_active()
    elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        for key in obj.keys():
            if key in names:
                raise _pdf_active()
            value = obj.get(key)
            # Numbers and booleans come back as plain Python values, which carry nothing.
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                _pdf_active_check(value, names, depth=depth + 1)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, pikepdf.Object) and not item.is_indirect:
                _pdf_active_check(item, names, depth=depth + 1)
