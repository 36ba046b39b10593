"""Pictures: walked to their end, decoded under a budget, and re-encoded from their pixels alone."""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps

from .common import Rejected, damaged, foreign_signature_check, logger

# Pillow warns above MAX_IMAGE_PIXELS and refuses above twice that. We refuse above our own cap
# before decoding, and make the warning an error so no code path decodes a bomb "with a warning".
Image.MAX_IMAGE_PIXELS = settings.EVIDENCE_MAX_PIXELS
warnings.simplefilter("error", Image.DecompressionBombWarning)

# Detected MIME type -> the only Pillow decoder allowed for it.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}
# The widest or tallest picture each encoder can write back; anything larger cannot be re-encoded.
MAX_SIDE = {"PNG": 2**31 - 1, "JPEG": 65_535, "WEBP": 16_383}
# Bytes per decoded pixel; modes not listed (RGBA, I, F, CMYK...) take four.
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "LA": 2, "La": 2, "PA": 2, "I;16": 2, "RGB": 3, "YCbCr": 3, "LAB": 3}
# A JPEG marker inside entropy-coded data: 0xFF followed by anything but stuffing (0x00) or a restart.
JPEG_MARKER_IN_SCAN = re.compile(rb"\xff[^\x00\xd0-\xd7]")


@dataclass
class DecodeBudget:
    """The pixels one request may still decode: five pictures at the cap would hold a worker for half a minute."""

    pixels: int

    def take(self, pixels: int) -> None:
        if pixels > self.pixels:
            raise Rejected(_("the pictures together are too large; send fewer or smaller pictures."))
        self.pixels -= pixels


def image_structure_check(kind: str, content: bytes) -> None:
    try:
        if kind == "image/png":
            end = _png_end(content)
        elif kind == "image/jpeg":
            end = _jpeg_end(content)
        else:
            end = _webp_end(content)
    except (struct.error, IndexError) as exc:
        raise damaged(exc) from exc
    # Data after the format's own end marker is where polyglots hide their second file. Some
    # cameras pad with zero bytes, which carry nothing. Phones that append a short video to a photo
    # ("motion photos") land here too, hence the advice in the message.
    if content[end:].strip(b"\x00"):
        raise Rejected(
            _(
                "the picture has other data attached after it (some phones add a short video); "
                "send a screenshot instead."
            )
        )
    foreign_signature_check(content)
    # A PDF reader finds "%PDF-" anywhere in the first kilobyte and opens the picture as a document.
    if b"%PDF-" in content:
        raise Rejected(_("the file contains another file hidden inside it."))


def _png_end(content: bytes) -> int:
    pos = 8
    while pos + 12 <= len(content):
        (length,) = struct.unpack(">I", content[pos : pos + 4])
        chunk_type = content[pos + 4 : pos + 8]
        pos += 12 + length
        if chunk_type == b"IEND":
            return pos
    raise Rejected(_("the picture is damaged or incomplete."))


def _jpeg_end(content: bytes) -> int:
    """Walk the JPEG's segments to the EOI that ends *this* image (not one inside an EXIF thumbnail).

    Segments are hopped by their lengths; entropy-coded data is skipped with a regular expression,
    because a Python loop over each byte of a 5 MB scan costs over a second.
    """
    pos, size = 2, len(content)
    while pos + 2 <= size:
        if content[pos] != 0xFF:
            raise Rejected(_("the picture is damaged or incomplete."))
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
    raise Rejected(_("the picture is damaged or incomplete."))


def _webp_end(content: bytes) -> int:
    (riff_size,) = struct.unpack("<I", content[4:8])
    end = 8 + riff_size + (riff_size & 1)
    if end > len(content):
        raise Rejected(_("the picture is damaged or incomplete."))
    return end


def image_reencode(kind: str, content: bytes, budget: DecodeBudget) -> bytes:
    """The picture's pixels alone, re-encoded, or Rejected: what a stored picture is made of."""
    return _opened(kind, content, budget, decode=True)


def image_header_check(kind: str, content: bytes, budget: DecodeBudget) -> None:
    """Every check of ``image_reencode`` that reads only the picture's header, or Rejected.

    The citizen's request runs this and stores the picture as received for a worker to re-encode
    (complaints.services.evidence): the decoding and encoding were most of a submission's CPU.
    """
    _opened(kind, content, budget, decode=False)


def _opened(kind: str, content: bytes, budget: DecodeBudget, *, decode: bool) -> bytes:
    image_format = IMAGE_FORMATS[kind]
    too_large = _("the picture has too many pixels; send a smaller screenshot.")
    try:
        with Image.open(io.BytesIO(content), formats=[image_format]) as image:
            width, height = image.size
            if width * height > settings.EVIDENCE_MAX_PIXELS or max(width, height) > MAX_SIDE[image_format]:
                raise Rejected(too_large)
            target = _target_mode(image, image_format)
            if _peak_bytes(image, target, _orientation_before_decoding(image)) > settings.EVIDENCE_MAX_DECODE_BYTES:
                raise Rejected(too_large)
            # Counted before decoding: a refused picture costs the request nothing.
            budget.take(width * height)
            if not decode:
                return b""
            with _strict_decoding():
                image.load()  # only the first frame of an animation is evidence
            # A PNG's EXIF may follow its pixels: known only now.
            if _peak_bytes(image, target, _orientation(image)) > settings.EVIDENCE_MAX_DECODE_BYTES:
                raise Rejected(too_large)
            # Encoded inside the block: closing the image frees its pixels.
            return _encode(_pixels_only(image, target), image_format)
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Rejected(too_large) from exc
    except Exception as exc:  # see the module docstring: a parser's failure is a refusal
        raise damaged(exc) from exc


@contextmanager
def _strict_decoding() -> Iterator[None]:
    """Decode with Pillow's errors on, whatever the process has set.

    WeasyPrint sets ``ImageFile.LOAD_TRUNCATED_IMAGES = True`` for the whole process when it is
    imported (reports' PDFs, in a web or worker process), and Pillow then fills a broken or cut-off
    pixel stream with grey instead of raising: a damaged picture would be stored as evidence. Web and
    worker processes run one request or task at a time, so setting the flag around the decoding is
    enough.
    """
    lenient = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        yield
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


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


def _orientation_before_decoding(image: Image.Image) -> int:
    """The orientation as far as the header tells. Pillow finds a PNG's EXIF by decoding the whole
    picture (its eXIf chunk may follow the pixels) and would swallow a broken pixel stream as "no
    EXIF" here; a PNG's orientation is read again once it is decoded."""
    if image.format == "PNG" and "exif" not in image.info:
        return 1
    return _orientation(image)


def _peak_bytes(image: Image.Image, target: str, orientation: int) -> int:
    """The most memory the decoded picture can hold at once: decoded, then converted or rotated."""
    pixels = image.width * image.height
    decoded = pixels * BYTES_PER_PIXEL.get(image.mode, 4)
    final = pixels * BYTES_PER_PIXEL.get(target, 4)
    copies = int(target != image.mode) + int(orientation != 1)
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
    """The cheapest encoder settings that keep the pixels: a worker's CPU, shared with the web's.

    zlib level 1 instead of the default 6 costs a few per cent in size and saves about a third of
    the PNG encode (optimize=True, tried first, cost 4x the default); WebP's method 0 is its fastest.
    """
    out = io.BytesIO()
    if image_format == "JPEG":
        image.save(out, format="JPEG", quality=90)
    elif image_format == "PNG":
        image.save(out, format="PNG", compress_level=1)
    else:
        image.save(out, format="WEBP", quality=90, method=0)
    return out.getvalue()


THUMBNAIL_SIDE = 192


def image_thumbnail(handle: IO[bytes], content_type: str, side: int = THUMBNAIL_SIDE) -> bytes:
    """A small JPEG of a stored picture, for the case page: fewer bytes than the file, and decoded with
    the one decoder allowed for its type (the stored file was already checked and re-encoded at intake)."""
    with Image.open(handle, formats=[IMAGE_FORMATS[content_type]]) as image:
        image.draft("RGB", (side, side))  # JPEG decodes at a fraction of its size: far less work
        picture = ImageOps.exif_transpose(image).convert("RGB")
    picture.thumbnail((side, side))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()
