"""An upload-attack corpus, generated here: every file is refused with a message naming it, or stored
only as a re-encoded picture or a rebuilt PDF with nothing active or foreign left inside."""

from __future__ import annotations

import pytest
from django.test import override_settings

from .conftest import jpeg_with_gps, png_bytes
from .fuzzing import refused_or_clean
from .payloads import (
    ACTIVE_PDFS,
    ARCHIVES,
    ELF,
    MALFORMED_EXIF,
    PHP,
    SHELL_SCRIPT,
    WINDOWS_EXE,
    big_png,
    jpeg_bytes,
    jpeg_with_comment,
    jpeg_with_exif,
    pdf_bytes,
    png_with_chunk,
    webp_bytes,
    webp_with_chunk,
)

EXECUTABLES = {"elf": ELF, "exe": WINDOWS_EXE, "shell": SHELL_SCRIPT, "php": PHP, "html": ARCHIVES["html"]}


@pytest.mark.parametrize("extension", ["jpg", "png", "pdf", "webp"])
@pytest.mark.parametrize("kind", EXECUTABLES)
def test_renamed_executables_and_scripts_are_refused_whatever_their_name(kind, extension):
    assert refused_or_clean(f"evidence.{extension}", EXECUTABLES[kind]) == "refused"


def _containers() -> dict[str, object]:
    pdf = pdf_bytes()
    return {
        "png-appended": lambda p: png_bytes() + p,
        "png-in-a-chunk": png_with_chunk,
        "jpeg-appended": lambda p: jpeg_bytes() + p,
        "jpeg-in-a-comment": jpeg_with_comment,
        "jpeg-in-exif": lambda p: jpeg_with_exif(b"II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00" + p),
        "webp-appended": lambda p: webp_bytes() + p,
        "webp-in-a-chunk": webp_with_chunk,
        "pdf-appended": lambda p: pdf + p,
        "pdf-before-the-end": lambda p: pdf.replace(b"%%EOF", b"%" + p.replace(b"\n", b" ") + b"\n%%EOF"),
        "pdf-in-a-stream": lambda p: pdf.replace(
            b"trailer", b"99 0 obj\n<< /Length %d >>\nstream\n" % len(p) + p + b"\nendstream\nendobj\ntrailer"
        ),
        "pdf-at-the-start": lambda p: b"%PDF-1.7\n%" + p.replace(b"\n", b" ") + b"\n" + pdf[9:],
    }


CONTAINERS = _containers()


@pytest.mark.parametrize("payload", ARCHIVES)
@pytest.mark.parametrize("container", CONTAINERS)
def test_polyglots_in_every_container_are_refused_or_stored_without_the_payload(container, payload):
    data = ARCHIVES[payload]
    content = CONTAINERS[container](data)  # type: ignore[operator]
    name = "evidence." + container.split("-")[0].replace("jpeg", "jpg")

    outcome = refused_or_clean(name, content, marker=data[:24] if len(data) >= 8 else None)

    if container.endswith("appended"):
        assert outcome == "refused"


@pytest.mark.parametrize("kind", ACTIVE_PDFS)
def test_active_pdfs_are_refused_or_stored_rebuilt_with_nothing_active(kind):
    refused_or_clean("letter.pdf", ACTIVE_PDFS[kind])


@pytest.mark.parametrize("kind", ["javascript", "launch", "submitform", "gotor", "embedded-file", "xfa"])
def test_pdfs_that_run_submit_fetch_or_carry_files_are_refused_not_cleaned(kind):
    assert refused_or_clean("letter.pdf", ACTIVE_PDFS[kind]) == "refused"


@override_settings(EVIDENCE_MAX_PIXELS=4_000_000)
@pytest.mark.parametrize(
    ("size", "mode", "outcome"),
    [((2000, 2000), "RGBA", "clean"), ((2000, 2001), "RGBA", "refused"), ((4000, 1000), "L", "clean")],
)
def test_bombs_at_the_pixel_cap_pass_and_just_over_it_are_refused(size, mode, outcome):
    assert refused_or_clean("shot.png", big_png(*size, mode=mode)) == outcome


@pytest.mark.parametrize("kind", MALFORMED_EXIF)
def test_malformed_exif_is_never_a_crash_and_never_stored(kind):
    refused_or_clean("photo.jpg", jpeg_with_exif(MALFORMED_EXIF[kind]))


def test_gps_exif_is_gone_from_a_stored_photo():
    assert refused_or_clean("photo.jpg", jpeg_with_gps()) == "clean"
