"""Peak memory and time of checking one request's evidence, against the decode budgets.

    .venv/bin/python bench/evidence_memory.py [--json]

Scenarios: the audit's request (five 6300×6300 RGBA PNGs, which once took 29 s and grew a worker from
74 MB to 720 MB), five pictures that each fit the per-picture budget and together exceed the request's
pixel budget, five 12 MP phone photos (which must all pass), and five pictures just over the pixel
cap. The growth is the peak resident size (VmHWM, reset before each scenario) minus the resident size
before it. Needs no database.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulator_portal.settings.test")

import django  # noqa: E402

django.setup()

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402

from complaints.evidence import evidence_validate  # noqa: E402
from tests.intake.payloads import big_png  # noqa: E402

MB = 1024 * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def measure(name: str, files: list[bytes]) -> dict[str, object]:
    uploads = [SimpleUploadedFile(f"{name}-{n}.png", content) for n, content in enumerate(files)]
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current size
    before = _status_kb("VmRSS")
    started = time.perf_counter()
    try:
        accepted, refused = len(evidence_validate(uploads)), 0
    except ValidationError as exc:
        refused = len(exc.messages)
        accepted = len(files) - refused
    return {
        "scenario": name,
        "files": len(files),
        "upload_kb": sum(len(f) for f in files) // 1024,
        "accepted": accepted,
        "refused": refused,
        "seconds": round(time.perf_counter() - started, 2),
        "peak_growth_mb": round((_status_kb("VmHWM") - before) / 1024, 1),
    }


def main() -> None:
    results = [
        measure("audit-5x6300x6300-rgba", [big_png(6300, 6300, mode="RGBA")] * 5),
        measure("5x6000x3000-rgb", [big_png(6000, 3000, mode="RGB")] * 5),
        measure("5-phone-photos-4032x3024-rgb", [big_png(4032, 3024, mode="RGB")] * 5),
        measure("over-the-pixel-cap-6400x6400-rgba", [big_png(6400, 6400, mode="RGBA")] * 5),
    ]
    if "--json" in sys.argv:
        print(json.dumps(results))
        return
    for row in results:
        print(
            f"{row['scenario']:34} {row['upload_kb']:>6} KB in  {row['accepted']} accepted {row['refused']} refused"
            f"  {row['seconds']:>6} s  peak +{row['peak_growth_mb']} MB"
        )


if __name__ == "__main__":
    main()
