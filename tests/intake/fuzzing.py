"""Hypothesis strategies for the public form, tracking and every upload parser, and the invariants that
must hold after any input. Used by test_fuzz.py (a few hundred examples) and bench/fuzz.py (10,000)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st
from PIL import Image

from complaints.evidence import evidence_validate
from complaints.evidence.common import FOREIGN_SIGNATURES
from complaints.models import CaseEvent, Complaint, Evidence

from .conftest import form_data, jpeg_with_gps, png_bytes, upload
from .payloads import (
    ACTIVE_NAMES,
    ACTIVE_PDFS,
    ARCHIVES,
    MALFORMED_EXIF,
    jpeg_bytes,
    jpeg_with_exif,
    pdf_bytes,
    pdf_names,
    webp_bytes,
)

SEEDS = [
    png_bytes(),
    jpeg_bytes(),
    jpeg_with_gps(),
    webp_bytes(),
    pdf_bytes(),
    *ACTIVE_PDFS.values(),
    *(jpeg_with_exif(exif) for exif in MALFORMED_EXIF.values()),
]
VALID_FILES = [png_bytes(), jpeg_with_gps(), webp_bytes(), pdf_bytes()]
HEADS = [
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    b"%PDF-1.7\n",
    b"MZ",
    b"PK\x03\x04",
]
TRICKY_TEXT = [
    "http://[",
    "https://[::1",
    "https://x.com/%00",
    "x.com/" + "a" * 300,
    "\x00",
    "\ud7ff\ufeff\u202e",
    "@" * 50,
    "۳۵۲۰۲-۱۲۳۴۵۶۷-۲",
    "+92 300 1234567",
    "PTA-2026-000001",
    "9999-99-99",
    "1" * 40,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
]

MESSAGES = re.compile(
    r"only PNG, JPEG or WebP|hidden inside|attached after it|damaged|too many pixels|scripts, actions|"
    r"password-protected|no pages|larger than|empty"
)


def refused_or_clean(name: str, content: bytes, *, marker: bytes | None = None) -> str:
    """'refused' (with a clear message naming the file) or 'clean' (stored bytes checked here)."""
    try:
        (stored,) = evidence_validate([upload(name, content)])
    except ValidationError as exc:
        (message,) = exc.messages
        assert ": " in message  # the file's (cleaned) name, then what is wrong with it
        assert MESSAGES.search(message), message
        return "refused"
    if marker is not None:
        assert marker not in stored.content
    for signature in FOREIGN_SIGNATURES:
        assert not signature.search(stored.content)
    if stored.content_type == "application/pdf":
        assert not pdf_names(stored.content) & ACTIVE_NAMES
    else:
        with Image.open(io.BytesIO(stored.content)) as image:
            image.load()
            assert not image.getexif()
            assert not {"exif", "icc_profile", "xmp", "XML:com.adobe.xmp"} & set(image.info)
    return "clean"


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """A valid file with bytes flipped, cut short, or something spliced in."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(0, 8))):
        position = draw(st.integers(0, len(data) - 1))
        data[position] = draw(st.integers(0, 255))
    how = draw(st.sampled_from(["flip", "truncate", "splice", "append"]))
    if how == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif how == "splice":
        position = draw(st.integers(0, len(data)))
        data[position:position] = draw(st.sampled_from(list(ARCHIVES.values())) | st.binary(max_size=64))
    elif how == "append":
        data += draw(st.binary(max_size=64))
    return bytes(data)


upload_bytes = st.one_of(
    st.binary(max_size=512),
    st.builds(lambda head, tail: head + tail, st.sampled_from(HEADS), st.binary(max_size=512)),
    st.sampled_from(SEEDS).flatmap(mutated),
)
field_text = st.one_of(st.sampled_from(TRICKY_TEXT), st.text(max_size=80), st.text(max_size=5000))
names = st.one_of(
    st.sampled_from(["shot.png", "a.jpg", "../../etc/passwd", "x.pdf", "\x00.webp"]), st.text(max_size=40)
)


def uploads(contents: list[bytes], file_names: list[str]) -> list[SimpleUploadedFile]:
    # Django's multipart parser keeps only a name's last part; SimpleUploadedFile refuses the rest.
    safe = [name.replace("/", "_").replace("\\", "_").strip(". ") or "f" for name in file_names]
    return [SimpleUploadedFile(name, content) for content, name in zip(contents, safe, strict=False)]


@st.composite
def form_posts(draw: st.DrawFn, platform: Any) -> dict[str, Any]:
    """A valid submission with some fields replaced by anything, dropped, or repeated, and some files."""
    data = form_data(platform, account_handle=draw(st.sampled_from(["@KashmirVoice", "kashmir_voice", "x.com/kv"])))
    # Half of the posts keep every field valid, so that filings (and their files) are exercised too.
    mutations = st.just(set()) | st.sets(st.sampled_from(sorted(data)), min_size=1, max_size=4)
    for field in draw(mutations):
        change = draw(st.sampled_from(["text", "drop", "list"]))
        if change == "text":
            data[field] = draw(field_text)
        elif change == "drop":
            del data[field]
        else:
            data[field] = [draw(field_text), draw(field_text)]
    files = draw(st.lists(st.one_of(st.sampled_from(VALID_FILES), upload_bytes), max_size=3))
    if files:
        data["evidence"] = uploads(files, draw(st.lists(names, min_size=len(files), max_size=len(files))))
    return data


track_posts = st.fixed_dictionaries(
    {"reference": field_text, "mobile": field_text},
    optional={"extra": field_text},
)
handles = st.one_of(
    field_text, st.builds(lambda s, t: s + t, st.sampled_from(["http://", "https://", "x.com/"]), field_text)
)


def evidence_files(*, since: float) -> set[str]:
    """Evidence files written since a time (other tests and runs leave theirs in the same folder)."""
    root = Path(storages["private"].location)
    folder = root / "evidence"
    if not folder.exists():
        return set()
    return {str(p.relative_to(root)) for p in folder.rglob("*") if p.is_file() and p.stat().st_mtime >= since}


def assert_intake_whole(*, since: float) -> None:
    """No complaint without its case, its received event and every evidence row; no file without its row."""
    assert not Complaint.objects.filter(case__isnull=True).exists(), "a complaint without its case"
    for complaint in Complaint.objects.prefetch_related("evidence"):
        event = CaseEvent.objects.get(complaint=complaint, kind=CaseEvent.Kind.COMPLAINT_RECEIVED)
        assert event.data["evidence"] == len(complaint.evidence.all()), f"{complaint} lacks evidence rows"
    stored = set(Evidence.objects.values_list("file", flat=True))
    orphans = evidence_files(since=since) - stored
    assert not orphans, f"{len(orphans)} evidence files without a row"
    for name in stored:
        with storages["private"].open(name, "rb") as handle:
            assert handle.read(1)
