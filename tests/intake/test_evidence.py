"""Uploads are judged by their bytes: disguised, glued-together, oversized and bomb files are refused,
and what is stored carries no EXIF or GPS."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

from complaints.evidence import evidence_validate
from complaints.models import Complaint, Evidence
from complaints.services import evidences_clean_pending

from .conftest import NEW_URL, form_data, jpeg_with_gps, png_bytes, upload

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 200


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    return out.getvalue()


def pdf_bytes(*, javascript: bool = False, attachment: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    if javascript:
        script = DictionaryObject(
            {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('hi');")}
        )
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(script)
    if attachment:
        writer.add_attachment("invoice.exe", WINDOWS_EXE)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def rejected(name: str, content: bytes) -> str:
    with pytest.raises(ValidationError) as excinfo:
        evidence_validate([upload(name, content)])
    return " ".join(excinfo.value.messages)


def test_png_jpeg_webp_and_pdf_are_accepted_with_the_sha256_of_the_bytes_received():
    webp = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 200, 0)).save(webp, format="WEBP")
    files = {
        "a.png": png_bytes(),
        "b.jpg": jpeg_with_gps(),
        "c.webp": webp.getvalue(),
        "d.pdf": pdf_bytes(),
    }
    uploads = evidence_validate([upload(name, content) for name, content in files.items()])

    assert [u.content_type for u in uploads] == ["image/png", "image/jpeg", "image/webp", "application/pdf"]
    for u, content in zip(uploads, files.values(), strict=True):
        assert u.sha256 == hashlib.sha256(content).hexdigest()


def test_type_is_judged_by_content_not_by_name():
    uploads = evidence_validate([upload("screenshot.pdf", png_bytes())])
    assert uploads[0].content_type == "image/png"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("screenshot.png", WINDOWS_EXE),  # a renamed executable
        ("screenshot.jpg", ELF),
        ("evidence.pdf", zip_bytes()),
        ("page.png", b"<html><script>alert(1)</script></html>"),
        ("vector.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("anim.gif", b"GIF89a" + b"\x00" * 100),
        ("notes.txt", b"just text"),
    ],
)
def test_files_that_are_not_png_jpeg_webp_or_pdf_are_rejected_whatever_their_name(name, content):
    assert "only PNG, JPEG or WebP pictures and PDF documents" in rejected(name, content)


@pytest.mark.parametrize(
    "content",
    [
        png_bytes() + zip_bytes(),  # a ZIP glued after IEND
        jpeg_with_gps() + zip_bytes(),  # ... after the JPEG's EOI
        jpeg_with_gps() + b"<script>alert(1)</script>",
        png_bytes() + WINDOWS_EXE,
        pdf_bytes() + zip_bytes(),  # after %%EOF
        pdf_bytes().replace(b"%%EOF", b"%%EOF\n<html><script>alert(1)</script></html>\n%%EOF"),
    ],
)
def test_polyglots_are_rejected(content):
    message = rejected("shot.png", content)
    assert any(words in message for words in ["hidden inside", "attached after it", "after its end"]), message


def png_with_chunk(kind: bytes, data: bytes) -> bytes:
    import struct
    import zlib

    png = png_bytes()
    chunk = struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return png[:33] + chunk + png[33:]  # right after IHDR


@pytest.mark.parametrize("payload", [zip_bytes(), WINDOWS_EXE, b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF"])
def test_an_image_whose_head_is_one_type_and_carries_another_inside_is_rejected(payload):
    assert "hidden inside" in rejected("shot.png", png_with_chunk(b"zzZz", payload))


def test_an_image_carrying_another_format_inside_a_metadata_chunk_is_rejected():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(document.cookie)</script>")
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="PNG", pnginfo=info)
    assert "hidden inside" in rejected("shot.png", out.getvalue())


def test_pdf_with_javascript_is_rejected():
    assert "scripts, actions or attached files" in rejected("letter.pdf", pdf_bytes(javascript=True))


def test_pdf_with_an_embedded_executable_is_rejected():
    assert "hidden inside" in rejected("letter.pdf", pdf_bytes(attachment=True))


def test_pdf_with_any_embedded_file_is_rejected():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_attachment("notes.txt", b"harmless words")
    out = io.BytesIO()
    writer.write(out)
    assert "attached files" in rejected("letter.pdf", out.getvalue())


def test_pdf_whose_javascript_name_is_hex_escaped_is_rejected():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}
    )
    out = io.BytesIO()
    writer.write(out)
    escaped = out.getvalue().replace(b"/JavaScript", b"/J#61vaScript").replace(b"/JS ", b"/J#53 ")
    assert "scripts, actions" in rejected("letter.pdf", escaped)


def test_pdf_with_launch_action_is_rejected():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )
    out = io.BytesIO()
    writer.write(out)
    assert "scripts, actions" in rejected("letter.pdf", out.getvalue())


def test_unparsable_pdf_is_rejected():
    assert "damaged" in rejected("letter.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nrubbish\n%%EOF\n")


def test_truncated_image_is_rejected():
    assert "damaged or incomplete" in rejected("shot.png", png_bytes()[:60])


@override_settings(EVIDENCE_MAX_BYTES=10_000)
def test_oversized_file_is_rejected():
    noisy = io.BytesIO()
    Image.frombytes("RGB", (100, 100), os.urandom(30_000)).save(noisy, format="PNG")
    assert len(noisy.getvalue()) > 10_000
    assert "larger than" in rejected("big.png", noisy.getvalue())


def test_more_than_the_maximum_number_of_files_is_rejected():
    with pytest.raises(ValidationError) as excinfo:
        evidence_validate([upload(f"{i}.png", png_bytes()) for i in range(6)])
    assert "at most 5 files" in excinfo.value.messages[0]


@override_settings(EVIDENCE_MAX_PIXELS=1_000_000)
def test_decompression_bomb_is_rejected_before_it_is_decoded():
    # 4,000 x 4,000 pixels of one colour compress to a few kilobytes and would take 48 MB to decode.
    out = io.BytesIO()
    Image.new("RGB", (4000, 4000), (255, 255, 255)).save(out, format="PNG")
    assert len(out.getvalue()) < 100_000
    assert "too many pixels" in rejected("bomb.png", out.getvalue())


def test_png_whose_header_claims_a_huge_size_is_rejected_as_a_bomb():
    # A PNG header announcing 100,000 x 100,000 pixels, beyond Pillow's own hard limit.
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = lambda kind, data: (  # noqa: E731
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    )
    content = (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b"")
    )
    assert "too many pixels" in rejected("bomb.png", content)


def test_messages_name_each_bad_file():
    with pytest.raises(ValidationError) as excinfo:
        evidence_validate([upload("good.png", png_bytes()), upload("../../evil.exe", WINDOWS_EXE)])
    assert len(excinfo.value.messages) == 1
    assert excinfo.value.messages[0].startswith("evil.exe: ")


@pytest.mark.django_db
def test_exif_and_gps_are_gone_from_the_stored_image_and_the_sha256_is_of_the_original(
    client, x_platform, django_capture_on_commit_callbacks
):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the fixture really has GPS

    data = form_data(x_platform)
    data["evidence"] = [upload("IMG_0001.jpg", original, "image/jpeg"), upload("shot.png", png_bytes(), "image/png")]
    response = client.post(NEW_URL, data)

    assert response.status_code == 303
    complaint = Complaint.objects.get()
    # Kept as received, apart, until the worker re-encodes it; nothing serves it meanwhile.
    received = Evidence.objects.get(complaint=complaint, content_type="image/jpeg")
    assert received.state == Evidence.State.PENDING and received.file.name.startswith("quarantine/")
    with django_capture_on_commit_callbacks(execute=True):
        evidences_clean_pending()
    stored = Evidence.objects.get(complaint=complaint, content_type="image/jpeg")
    assert stored.state == Evidence.State.READY and stored.file.name.startswith("evidence/")
    assert not received.file.storage.exists(received.file.name)  # the bytes as received are gone
    assert stored.sha256 == hashlib.sha256(original).hexdigest()
    assert stored.original_name == "IMG_0001.jpg"
    assert "IMG_0001" not in stored.file.name  # stored under a random name
    with stored.file.open("rb") as fh:
        content = fh.read()
    image = Image.open(io.BytesIO(content))
    assert not image.getexif()
    assert b"Exif" not in content and b"PhoneMaker" not in content
    assert image.size == (64, 48)
    assert complaint.evidence.count() == 2


@pytest.mark.django_db
def test_a_rejected_upload_files_nothing_and_shows_the_message_on_the_form(client, x_platform):
    data = form_data(x_platform)
    data["evidence"] = [upload("screenshot.png", WINDOWS_EXE, "image/png")]
    response = client.post(NEW_URL, data)

    assert response.status_code == 200
    assert "screenshot.png: only PNG, JPEG or WebP" in " ".join(response.context["form"].errors["evidence"])
    assert Complaint.objects.count() == 0 and Evidence.objects.count() == 0
