"""A picture is re-encoded by a worker after the submission; until then nobody can open it.

The request checks the picture's structure and header and keeps the bytes as received apart
(``quarantine/``, PENDING). The worker's batch re-encodes it (READY) or refuses it (REFUSED) and
deletes the bytes as received. No view serves a file that is not READY.
"""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from PIL import Image, ImageFile

from complaints.evidence import evidence_validate
from complaints.models import CaseEvent, Complaint, Evidence
from complaints.services import evidence_clean_one, evidence_quarantine_sweep, evidences_clean_pending
from complaints.services.evidence import CLEAN_CLAIM_SECONDS
from tests.factories import complaint_create
from tests.notices.conftest import seconds_until, worker_start

from .conftest import NEW_URL, form_data, png_bytes, upload
from .test_evidence_download import verified_login


def png_with_text(secret: bytes) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", (60, 40), (200, 30, 30))
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", secret.decode())
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_with_broken_pixels() -> bytes:
    """Whole chunks, a readable header, and pixel data that does not decompress."""
    content = bytearray(png_bytes((64, 48)))
    start = content.index(b"IDAT") + 4
    length = int.from_bytes(content[start - 8 : start - 4], "big")
    content[start : start + length] = b"\xff" * length
    return bytes(content)


@pytest.fixture
def caseworker(db) -> User:
    user = User.objects.create_user("nadia", password="x" * 12, is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_evidence", "view_case", "view_complaint", "view_all_cases"])
    )
    return user


@pytest.mark.django_db
def test_a_picture_is_served_only_after_the_worker_has_re_encoded_it(
    client, x_platform, caseworker, django_capture_on_commit_callbacks
):
    secret = b"GPS 34.0837N 74.7973E Farah"
    data = {**form_data(x_platform), "evidence": [upload("shot.png", png_with_text(secret), "image/png")]}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(NEW_URL, data).status_code == 303
    assert any(getattr(c, "__name__", "") == "evidence_clean_publish" for c in callbacks)
    item = Evidence.objects.get()
    assert item.state == Evidence.State.PENDING and item.file.name.startswith("quarantine/")

    staff = client.__class__()
    verified_login(staff, caseworker)
    assert staff.get(f"/staff/evidence/{item.pk}/").status_code == 404
    assert staff.get(f"/staff/evidence/{item.pk}/thumbnail/").status_code == 404
    page = staff.get(f"/admin/complaints/complaint/{item.complaint_id}/change/").content.decode()
    assert "being checked" in page and f"/staff/evidence/{item.pk}/" not in page

    with django_capture_on_commit_callbacks(execute=True):
        assert evidences_clean_pending() == {"READY": 1}
    item.refresh_from_db()
    assert item.state == Evidence.State.READY and item.file.name.startswith("evidence/")
    response = staff.get(f"/staff/evidence/{item.pk}/")
    assert response.status_code == 200
    served = b"".join(response.streaming_content)
    assert served.startswith(b"\x89PNG") and secret not in served and b"Comment" not in served
    assert staff.get(f"/staff/evidence/{item.pk}/thumbnail/").status_code == 200
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.EVIDENCE_CHECKED)
    assert event.data == {"evidence": item.pk, "state": "READY"}
    assert evidence_clean_one(evidence_id=item.pk) is None  # a second run, or another worker: nothing


@pytest.mark.django_db
def test_a_picture_that_cannot_be_decoded_is_refused_and_not_kept(
    client, x_platform, caseworker, django_capture_on_commit_callbacks
):
    data = {**form_data(x_platform), "evidence": [upload("shot.png", png_with_broken_pixels(), "image/png")]}
    assert client.post(NEW_URL, data).status_code == 303  # its header reads: it is accepted
    item = Evidence.objects.get()
    received = item.file.name
    with django_capture_on_commit_callbacks(execute=True):
        assert evidences_clean_pending() == {"REFUSED": 1}
    item.refresh_from_db()
    assert (item.state, item.file.name) == (Evidence.State.REFUSED, "")
    assert not item.file.storage.exists(received)
    event = CaseEvent.objects.get(kind=CaseEvent.Kind.EVIDENCE_CHECKED)
    assert event.data["state"] == "REFUSED" and "damaged" in event.data["reason"]
    staff = client.__class__()
    verified_login(staff, caseworker)
    assert staff.get(f"/staff/evidence/{item.pk}/").status_code == 404
    page = staff.get(f"/admin/complaints/complaint/{item.complaint_id}/change/").content.decode()
    assert "could not be read, and was not kept" in page
    assert Complaint.objects.count() == 1  # the complaint itself stands


@pytest.mark.django_db
def test_pdfs_and_staff_attachments_are_still_cleaned_in_the_request():
    [picture] = evidence_validate([upload("shot.png", png_bytes())])  # a platform's reply attachment
    assert not picture.pending
    [deferred] = evidence_validate([upload("shot.png", png_bytes())], defer_pictures=True)
    assert deferred.pending and deferred.content == png_bytes()
    complaint = complaint_create(evidence=[picture])
    assert complaint.evidence.get().state == Evidence.State.READY


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_re_encodes_a_filed_picture_within_seconds(client, x_platform):
    worker = worker_start(broker_url=settings.CELERY_BROKER_URL, email_url="dummymail://")
    try:
        data = {**form_data(x_platform), "evidence": [upload("shot.png", png_with_text(b"secret"), "image/png")]}
        filed_at = time.monotonic()
        assert client.post(NEW_URL, data).status_code == 303
        item = Evidence.objects.get()

        def checked() -> bool:
            item.refresh_from_db()
            return item.state != Evidence.State.PENDING

        waited = seconds_until(checked, since=filed_at)
        output = worker.output()
    finally:
        worker.stop()
    assert item.state == Evidence.State.READY, output
    assert waited < 10
    with item.file.open("rb") as handle:
        assert b"secret" not in handle.read()


@pytest.mark.parametrize("lenient", [False, True], ids=["pillow-default", "after-weasyprint"])
def test_a_png_whose_pixels_do_not_decode_is_refused_where_it_is_decoded(monkeypatch, lenient):
    # Importing WeasyPrint (a statistics PDF) turns on Pillow's lenient decoding for the process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    # Pillow decodes a PNG to look for EXIF after its pixels, and reading the orientation swallowed
    # the broken stream as "no EXIF": such a picture was stored as whatever had decoded.
    with pytest.raises(ValidationError, match="damaged or incomplete"):
        evidence_validate([upload("shot.png", png_with_broken_pixels())])
    # The request that defers the decoding reads its header only, and accepts it for the worker.
    [deferred] = evidence_validate([upload("shot.png", png_with_broken_pixels())], defer_pictures=True)
    assert deferred.pending


@pytest.mark.django_db
def test_the_hourly_sweep_deletes_pictures_a_killed_worker_left_in_quarantine(client, x_platform, caplog):
    # The test storage outlives each test's rolled-back rows: start from an empty quarantine.
    evidence_quarantine_sweep(now=timezone.now() + timedelta(days=1))
    caplog.clear()
    data = {**form_data(x_platform), "evidence": [upload("shot.png", png_with_text(b"GPS 34N"), "image/png")]}
    assert client.post(NEW_URL, data).status_code == 303
    waiting = Evidence.objects.get()  # PENDING: its worker has not run yet
    storage = waiting.file.storage
    left = storage.save(f"{waiting.file.name.rsplit('/', 1)[0]}/leftover", io.BytesIO(png_with_text(b"GPS 34N")))
    fresh = storage.save(f"{waiting.file.name.rsplit('/', 1)[0]}/in-flight", io.BytesIO(png_bytes()))
    an_hour_ago = time.time() - 3600
    for name in (left, waiting.file.name):
        os.utime(storage.path(name), (an_hour_ago, an_hour_ago))

    assert evidence_quarantine_sweep() == 1
    assert not storage.exists(left)  # no row points at it: the bytes as received of a lost clean
    assert storage.exists(waiting.file.name)  # still PENDING: its worker will clean it
    assert storage.exists(fresh)  # too young: its submission may not have committed yet
    assert "deleted 1 picture(s) left in quarantine/ without a row" in caplog.text
    assert "leftover" not in caplog.text and "quarantine/20" not in caplog.text
    storage.delete(fresh)


@pytest.mark.django_db
def test_a_picture_another_worker_has_claimed_is_left_to_it_until_its_claim_runs_out(client, x_platform):
    assert client.post(NEW_URL, {**form_data(x_platform), "evidence": [upload("a.png", png_bytes(), "image/png")]})
    item = Evidence.objects.get()
    Evidence.objects.filter(pk=item.pk).update(claimed_at=timezone.now())  # a worker is on it
    assert evidences_clean_pending() == {}
    assert Evidence.objects.get().state == Evidence.State.PENDING
    # That worker died: after CLEAN_CLAIM_SECONDS the picture is taken over.
    stale = timezone.now() - timedelta(seconds=CLEAN_CLAIM_SECONDS + 1)
    Evidence.objects.filter(pk=item.pk).update(claimed_at=stale)
    assert evidences_clean_pending() == {"READY": 1}


@pytest.mark.django_db(transaction=True)
def test_the_worker_reads_and_writes_storage_outside_any_transaction(client, x_platform, monkeypatch):
    # Storage may be S3: a transaction (and a pooled server connection) must not wait on it.
    assert client.post(NEW_URL, {**form_data(x_platform), "evidence": [upload("a.png", png_bytes(), "image/png")]})
    storage = Evidence.objects.get().file.storage
    seen: list[bool] = []
    for name in ("open", "save"):
        original = getattr(storage, name)

        def recording(*args, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            seen.append(connection.in_atomic_block)
            return _original(*args, **kwargs)

        monkeypatch.setattr(storage, name, recording)
    assert evidences_clean_pending() == {"READY": 1}
    assert seen == [False, False]  # the read of the picture as received, the write of the clean one


@pytest.mark.django_db
def test_a_storage_failure_leaves_the_picture_pending_for_the_next_run(client, x_platform, monkeypatch, caplog):
    assert client.post(NEW_URL, {**form_data(x_platform), "evidence": [upload("a.png", png_bytes(), "image/png")]})
    storage = Evidence.objects.get().file.storage

    def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("storage unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(storage, "open", unreachable)
        assert evidences_clean_pending() == {}
    item = Evidence.objects.get()
    assert (item.state, item.claimed_at) == (Evidence.State.PENDING, None)  # not held for two minutes
    assert "not checked (ConnectionError); the next run tries again" in caplog.text
    assert evidences_clean_pending() == {"READY": 1}


@pytest.mark.django_db
def test_a_worker_whose_claim_was_taken_over_records_nothing_and_leaves_no_file(client, x_platform, monkeypatch):
    import complaints.evidence

    assert client.post(NEW_URL, {**form_data(x_platform), "evidence": [upload("a.png", png_bytes(), "image/png")]})
    item = Evidence.objects.get()
    storage = item.file.storage
    saved: list[str] = []
    original_save, original_clean = storage.save, complaints.evidence.evidence_clean

    def slow_clean(kind, content):  # type: ignore[no-untyped-def]
        # Meanwhile the claim ran out and another worker took the picture over.
        Evidence.objects.filter(pk=item.pk).update(claimed_at=timezone.now() + timedelta(seconds=1))
        return original_clean(kind, content)

    monkeypatch.setattr(complaints.evidence, "evidence_clean", slow_clean)
    monkeypatch.setattr(storage, "save", lambda *a, **k: saved.append(original_save(*a, **k)) or saved[-1])
    assert evidence_clean_one(evidence_id=item.pk) is None
    item.refresh_from_db()
    assert item.state == Evidence.State.PENDING and storage.exists(item.file.name)  # the other worker's now
    assert saved and not storage.exists(saved[0])  # this worker's re-encoded copy is gone
    assert not CaseEvent.objects.filter(kind=CaseEvent.Kind.EVIDENCE_CHECKED).exists()
