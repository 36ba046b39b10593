"""PDFs: refused if they carry scripts or files, otherwise rebuilt page by page with qpdf (pikepdf)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Iterator

import pikepdf
from django.utils.translation import gettext as _

from .common import Rejected, foreign_signature_check, logger

PDF_MAX_PAGES = 500

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


def pdf_rebuild(content: bytes) -> bytes:
    """A new PDF with the pages' content and resources only, or a refusal."""
    last_eof = content.rfind(b"%%EOF")
    if last_eof == -1 or content[last_eof + 5 :].strip():
        raise Rejected(_("the PDF is damaged or has data attached after its end."))
    foreign_signature_check(content)
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
                raise Rejected(_("the PDF has no pages."))
            if len(source.pages) > PDF_MAX_PAGES:
                raise Rejected(_("the PDF is damaged and cannot be read."))
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
    except Rejected:
        raise
    except pikepdf.PasswordError as exc:
        raise Rejected(_("the PDF is password-protected; send it without a password.")) from exc
    except Exception as exc:  # see the module docstring: a parser's failure is a refusal
        logger.info("evidence PDF refused as damaged: %s", type(exc).__name__)
        raise Rejected(_("the PDF is damaged and cannot be read.")) from exc
    stored = out.getvalue()
    foreign_signature_check(stored)
    return stored


def _pdf_active() -> Rejected:
    return Rejected(_("the PDF contains scripts, actions or attached files; print it to a new PDF first."))


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
        raise Rejected(_("the PDF is damaged and cannot be read."))
    if isinstance(obj, pikepdf.Name):
        if str(obj) in names:
            raise _pdf_active()
    elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        for key, value in obj.items():
            if key in names:
                raise _pdf_active()
            # Numbers and booleans come back as plain Python values, which carry nothing.
            if isinstance(value, pikepdf.Object) and not value.is_indirect:
                _pdf_active_check(value, names, depth=depth + 1)
    elif isinstance(obj, pikepdf.Array):
        for item in obj:
            if isinstance(item, pikepdf.Object) and not item.is_indirect:
                _pdf_active_check(item, names, depth=depth + 1)
