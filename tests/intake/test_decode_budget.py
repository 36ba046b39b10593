"""One request's pictures are decoded within a pixel and memory budget: the audit's five 6300×6300 RGBA
PNGs (828 KB) took 29 s and grew a worker from 74 MB to 720 MB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from complaints.evidence import evidence_validate

from .conftest import upload
from .payloads import big_png

BENCH = Path(__file__).resolve().parents[2] / "bench" / "evidence_memory.py"


def test_five_pictures_at_the_cap_take_less_than_200_mb_and_a_few_seconds_together():
    # A fresh process, so that the peak resident size is this request's alone.
    output = subprocess.run([sys.executable, str(BENCH), "--json"], capture_output=True, check=True, timeout=300)
    results = {row["scenario"]: row for row in json.loads(output.stdout)}

    audit = results["audit-5x6300x6300-rgba"]
    assert audit["upload_kb"] < 1000
    assert audit["accepted"] == 1 and audit["refused"] == 4  # the rest exceed the request's pixel budget
    assert audit["peak_growth_mb"] < 200
    assert audit["seconds"] < 20  # was 29 s; about 3 s on a quiet machine, more on this shared one
    assert results["5x6000x3000-rgb"]["peak_growth_mb"] < 200
    photos = results["5-phone-photos-4032x3024-rgb"]
    assert photos["accepted"] == 5 and photos["peak_growth_mb"] < 200
    over = results["over-the-pixel-cap-6400x6400-rgba"]
    assert over["refused"] == 5 and over["seconds"] < 2


@override_settings(EVIDENCE_MAX_REQUEST_PIXELS=2_000_000)
def test_pictures_beyond_the_requests_pixel_budget_are_refused_with_a_message():
    files = [upload(f"shot{n}.png", big_png(1000, 900, mode="RGB")) for n in range(3)]

    with pytest.raises(ValidationError) as excinfo:
        evidence_validate(files)

    assert excinfo.value.messages == ["shot2.png: the pictures together are too large; send fewer or smaller pictures."]


@override_settings(EVIDENCE_MAX_DECODE_BYTES=3_000_000)
def test_a_picture_whose_pixels_need_more_memory_than_the_budget_is_refused_before_decoding():
    fits = big_png(1000, 1000, mode="RGB")  # 3,000,000 bytes decoded
    too_big = big_png(1000, 1000, mode="RGBA")  # 4,000,000 bytes

    assert len(evidence_validate([upload("fits.png", fits)])) == 1
    with pytest.raises(ValidationError, match="too many pixels"):
        evidence_validate([upload("big.png", too_big)])


@override_settings(EVIDENCE_MAX_PIXELS=1_000_000)
@pytest.mark.parametrize(("size", "accepted"), [((1000, 1000), True), ((1000, 1001), False), ((1001, 1000), False)])
def test_a_picture_at_the_pixel_cap_is_accepted_and_one_just_over_is_refused(size, accepted):
    content = big_png(*size, mode="L")
    if accepted:
        assert len(evidence_validate([upload("shot.png", content)])) == 1
    else:
        with pytest.raises(ValidationError, match="too many pixels"):
            evidence_validate([upload("shot.png", content)])
