"""Rejections that cannot carry a payload: a reason chosen from a translated list, and a staff note
that reaches the citizen only after a supervisor other than its author approves it."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from complaints.models import CaseActionError, CaseEvent, Complaint
from complaints.services import complaint_accept, complaint_reject, complaint_rejection_note_approve
from notices.models import Notice
from tests.factories import complaint_create
from tests.intake.conftest import TRACK_URL

from .conftest import verified_client

pytestmark = pytest.mark.django_db
COMPLAINTS = "/admin/complaints/complaint/"
NOTE = "Send us the appeal number from the platform email and file again."


def test_rejection_notice_shows_the_reason_label_in_the_citizens_language_never_staff_text(ayesha, x_platform):
    urdu = complaint_create(preferred_language="ur")
    english = complaint_create(preferred_language="en", account_handle="ValleyNews")
    client = verified_client(ayesha)
    for complaint in (urdu, english):
        client.post(
            f"{COMPLAINTS}{complaint.pk}/triage/",
            {"decision": "reject", "reason": "INCOMPLETE", "note": "<a href='http://evil.example'>click</a>"},
        )
    ur_body = Notice.objects.get(complaint=urdu, kind="rejected").body
    en_body = Notice.objects.get(complaint=english, kind="rejected").body
    assert "شکایت میں وہ معلومات موجود نہیں جو اس پر کارروائی کے لیے ہمیں درکار ہیں۔" in ur_body
    assert "The complaint is missing details we need to take it up." in en_body
    assert "missing details" not in ur_body  # no English inside the Urdu notice
    for body in (ur_body, en_body):
        assert "evil.example" not in body
    urdu.refresh_from_db()
    assert (urdu.status, urdu.rejection_reason) == (Complaint.Status.REJECTED, "INCOMPLETE")


def test_free_text_in_place_of_a_reason_is_refused_with_a_message(ayesha, x_platform):
    complaint = complaint_create()
    response = verified_client(ayesha).post(
        f"{COMPLAINTS}{complaint.pk}/triage/",
        {"decision": "reject", "reason": "Call 0300 1234567 for help"},
        follow=True,
    )
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED
    assert not Notice.objects.filter(kind="rejected").exists()


def test_a_note_is_internal_until_another_supervisor_approves_it_then_one_email_tells_the_citizen(
    ayesha, sana, x_platform
):
    complaint = complaint_create(preferred_language="en", email="farah@example.pk")
    complaint_reject(complaint=complaint, reason="INCOMPLETE", note=NOTE, actor=ayesha)
    assert not Notice.objects.filter(body__contains=NOTE).exists()
    track = {"reference": complaint.reference, "mobile": "0" + complaint.mobile[3:]}
    page = verified_client(ayesha).post(TRACK_URL, track).content.decode()
    assert "The complaint is missing details we need to take it up." in page and NOTE not in page

    # The caseworker sees no approve button and cannot approve; the supervisor can.
    assert "approve-note" not in verified_client(ayesha).get(f"{COMPLAINTS}{complaint.pk}/change/").content.decode()
    assert verified_client(ayesha).post(f"{COMPLAINTS}{complaint.pk}/note-approve/").status_code == 403
    client = verified_client(sana)
    assert "approve-note" in client.get(f"{COMPLAINTS}{complaint.pk}/change/").content.decode()
    client.post(f"{COMPLAINTS}{complaint.pk}/note-approve/")

    complaint.refresh_from_db()
    assert complaint.rejection_note_approved_by == sana and complaint.rejection_note_approved_at is not None
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.REJECTION_NOTE_APPROVED, actor=sana).count() == 1
    [notice] = Notice.objects.filter(kind="rejection_note")
    assert (notice.channel, notice.address) == ("EMAIL", "farah@example.pk") and NOTE in notice.body
    assert NOTE in verified_client(ayesha).post(TRACK_URL, track).content.decode()
    # Approving twice sends nothing more.
    with pytest.raises(CaseActionError):
        complaint_rejection_note_approve(complaint=complaint, actor=sana)
    assert Notice.objects.filter(kind="rejection_note").count() == 1


def test_a_supervisor_cannot_approve_her_own_note_and_a_caseworker_cannot_approve_any(ayesha, sana, x_platform):
    complaint = complaint_create()
    complaint_reject(complaint=complaint, reason="OTHER", note=NOTE, actor=sana)
    with pytest.raises(CaseActionError):
        complaint_rejection_note_approve(complaint=complaint, actor=sana)
    with pytest.raises(PermissionDenied):
        complaint_rejection_note_approve(complaint=complaint, actor=ayesha)
    assert "approve-note" not in verified_client(sana).get(f"{COMPLAINTS}{complaint.pk}/change/").content.decode()
    complaint.refresh_from_db()
    assert complaint.rejection_note_approved_at is None and not Notice.objects.filter(kind="rejection_note").exists()


def test_a_citizen_without_email_never_gets_a_note_by_sms(ayesha, sana, x_platform):
    complaint = complaint_create(email="")
    complaint_reject(complaint=complaint, reason="INCOMPLETE", note=NOTE, actor=ayesha)
    complaint_rejection_note_approve(complaint=complaint, actor=sana)
    assert not Notice.objects.filter(body__contains=NOTE).exists()


def test_accepting_again_clears_the_reason_and_the_note(ayesha, x_platform):
    complaint = complaint_create()
    complaint_reject(complaint=complaint, reason="INCOMPLETE", note=NOTE, actor=ayesha)
    complaint_accept(complaint=complaint, actor=ayesha)
    complaint.refresh_from_db()
    assert (complaint.rejection_reason, complaint.rejection_note, complaint.rejection_note_by) == ("", "", None)


def test_the_data_migration_keeps_old_free_text_as_an_internal_note_under_the_general_reason(ayesha, x_platform):
    complaint = complaint_create()
    Complaint.objects.filter(pk=complaint.pk).update(status=Complaint.Status.REJECTED)
    with connection.cursor() as cursor:
        # The column 0009 dropped, back for this transaction only (rolled back after the test).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE complaints_complaint ADD COLUMN status_reason text NOT NULL DEFAULT ''")
        cursor.execute(
            "UPDATE complaints_complaint SET status_reason = %s WHERE id = %s", ["Not our platform.", complaint.pk]
        )
    # The models as they stood after 0008, before 0009 dropped status_reason.
    old_apps = MigrationExecutor(connection).loader.project_state(("complaints", "0008_rejection_reasons")).apps
    importlib.import_module("complaints.migrations.0008_rejection_reasons").reasons_from_free_text(old_apps, None)
    complaint.refresh_from_db()
    assert (complaint.rejection_reason, complaint.rejection_note) == ("OTHER", "Not our platform.")
    assert complaint.rejection_note_approved_at is None  # never reviewed, so never shown to the citizen


def test_roles_that_do_not_work_complaints_never_read_the_note(ayesha, omar, zara, x_platform):
    complaint = complaint_create()
    complaint_reject(complaint=complaint, reason="INCOMPLETE", note=NOTE, actor=ayesha)
    for reader in (omar, zara):
        body = verified_client(reader).get(f"{COMPLAINTS}{complaint.pk}/change/").content.decode()
        assert NOTE not in body and "Withheld" in body
    assert NOTE in verified_client(ayesha).get(f"{COMPLAINTS}{complaint.pk}/change/").content.decode()
