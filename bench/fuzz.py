"""10,000 fuzz inputs against the public form, tracking, the upload parsers and handle parsing.

    .venv/bin/python bench/fuzz.py [--scale 1.0]

In-process, through Django's test client with the test settings, against a database of its own
(test_<TEST_DATABASE_URL's name>_fuzz, created and dropped here). The inputs come from the same
hypothesis strategies as tests/intake/test_fuzz.py. It prints the inputs and 5xx answers per target
(for the parsers, an exception other than their refusal is what would have been a 500) and whether
anything was left half-written; it exits non-zero unless every count of 5xx is 0. Evidence files go
to the test settings' private folder, so do not run tests/intake at the same time: their files would
count as orphans here.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulator_portal.settings.test")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.exceptions import ValidationError  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402
from hypothesis import HealthCheck, Phase, given  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from complaints.evidence import evidence_validate  # noqa: E402
from complaints.handles import InvalidHandle, handle_normalize  # noqa: E402
from complaints.models import Complaint, Evidence  # noqa: E402
from regulator_portal.celery import app as celery_app  # noqa: E402
from tests.factories import platform_get  # noqa: E402
from tests.intake.conftest import upload  # noqa: E402
from tests.intake.fuzzing import assert_intake_whole, form_posts, handles, track_posts, upload_bytes  # noqa: E402

SHARE = {"form": 0.1, "tracking": 0.2, "uploads": 0.55, "handles": 0.15}
inputs: Counter[str] = Counter()
errors: Counter[str] = Counter()
seconds: dict[str, float] = {}


def run(target: str, examples: int, strategy: st.SearchStrategy[Any], check: Callable[[Any], bool]) -> None:
    """`check` answers whether the input was handled (a page or a refusal) rather than a 5xx."""

    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def fuzz(value: Any) -> None:
        inputs[target] += 1
        if not check(value):
            errors[target] += 1

    clock = time.perf_counter()
    fuzz()
    seconds[target] = time.perf_counter() - clock


def upload_handled(content: bytes) -> bool:
    try:
        evidence_validate([upload("evidence.bin", content)])
    except ValidationError:
        pass
    except Exception:  # what a view would have turned into a 500
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the 10,000 inputs to run")
    total = int(10_000 * parser.parse_args().scale)

    # Acknowledgements would be published to the tests' Redis with no worker to take them.
    celery_app.conf.broker_url = "memory://localhost/"
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        "test_" + settings.DATABASES["default"]["NAME"] + "_fuzz"
    )
    setup_test_environment()
    databases = setup_databases(verbosity=0, interactive=False)
    # In-process caches: the shared Redis database is flushed by every test run on this machine.
    local = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    limits = override_settings(
        COMPLAINT_RATE_PER_IP="1000000/h",
        TRACK_RATE_PER_IP="1000000/h",
        CACHES={"default": {**local, "LOCATION": "fuzz"}, "ratelimit": {**local, "LOCATION": "fuzz-ratelimit"}},
    )
    limits.enable()
    started = time.time() - 1
    try:
        platform = platform_get("x")
        client = Client(raise_request_exception=False)
        clock = time.perf_counter()
        run(
            "form",
            int(total * SHARE["form"]),
            form_posts(platform),
            lambda data: client.post("/en/complaints/new/", data).status_code < 500,
        )
        run(
            "tracking",
            int(total * SHARE["tracking"]),
            track_posts,
            lambda data: client.post("/en/complaints/track/", data).status_code < 500,
        )
        run("uploads", int(total * SHARE["uploads"]), upload_bytes, upload_handled)
        run("handles", int(total * SHARE["handles"]), handles, lambda value: _handle_handled(platform, value))
        try:
            assert_intake_whole(since=started)
            whole = "yes"
        except AssertionError as exc:
            whole = f"NO: {exc}"
        elapsed = time.perf_counter() - clock
        filed = f"{Complaint.objects.count()} complaints filed with {Evidence.objects.count()} evidence files"
    finally:
        limits.disable()
        teardown_databases(databases, verbosity=0)

    for target in SHARE:
        print(f"{target:9} {inputs[target]:>6} inputs  {errors[target]:>3} 5xx  in {seconds[target]:.0f} s")
    print(f"{'total':9} {sum(inputs.values()):>6} inputs  {sum(errors.values()):>3} 5xx  in {elapsed:.0f} s")
    print(f"{filed}; every complaint whole, no orphan file: {whole}")
    return 0 if not errors and whole == "yes" else 1


def _handle_handled(platform: Any, value: str) -> bool:
    try:
        handle_normalize(platform, value)
    except InvalidHandle:
        pass
    except Exception:  # as in upload_handled
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
