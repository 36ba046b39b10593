"""Staff download evidence through a checked, logged view; nobody gets it from a public URL."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.models import Evidence, PiiAccessLog
from complaints.services import EvidenceUpload
from tests.factories import complaint_create

from .conftest import png_bytes

pytestmark = pytest.mark.django_db


def verified_login(client, user: User) -> None:
    """Sign in as the OTP admin login would: password and a confirmed TOTP device."""
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def evidence(db) -> Evidence:
    from complaints.evidence import evidence_validate

    from .conftest import upload

    uploads: list[EvidenceUpload] = evidence_validate([upload("my screenshot.png", png_bytes())])
    complaint = complaint_create(evidence=uploads)
    return complaint.evidence.get()


@pytest.fixture
def permitted(db) -> User:
    user = User.objects.create_user("nadia", password="x" * 12, is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_evidence"), Permission.objects.get(codename="view_case")
    )
    return user


def test_staff_with_the_permission_download_as_attachment_and_the_access_is_logged(client, evidence, permitted):
    verified_login(client, permitted)

    response = client.get(f"/staff/evidence/{evidence.pk}/")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "my screenshot.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    log = PiiAccessLog.objects.get()
    assert (log.user, log.complaint_id, log.action) == (permitted, evidence.complaint_id, PiiAccessLog.Action.EVIDENCE)
    assert log.detail["sha256"] == evidence.sha256


def test_anonymous_visitors_are_sent_to_the_login(client, evidence):
    response = client.get(f"/staff/evidence/{evidence.pk}/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert PiiAccessLog.objects.count() == 0


def test_staff_without_a_second_factor_are_sent_to_the_login(client, evidence, permitted):
    client.force_login(permitted)
    response = client.get(f"/staff/evidence/{evidence.pk}/")
    assert response.status_code == 302


def test_staff_without_the_permission_are_refused(client, evidence):
    user = User.objects.create_user("guest", password="x" * 12, is_staff=True)
    verified_login(client, user)
    assert client.get(f"/staff/evidence/{evidence.pk}/").status_code == 403
    assert PiiAccessLog.objects.count() == 0


def test_caseworker_cannot_download_evidence_of_a_case_assigned_to_someone_else(client, evidence, ayesha, bilal):
    from complaints.models import Case

    Case.objects.filter(pk=evidence.complaint.case_id).update(assigned_to=bilal)
    if not ayesha.has_perm("complaints.view_evidence"):
        ayesha.user_permissions.add(Permission.objects.get(codename="view_evidence"))
        ayesha = User.objects.get(pk=ayesha.pk)
    verified_login(client, ayesha)

    assert client.get(f"/staff/evidence/{evidence.pk}/").status_code == 404
    assert PiiAccessLog.objects.count() == 0


def test_evidence_is_not_served_under_any_public_path(client, evidence):
    for path in [f"/{evidence.file.name}", f"/media/{evidence.file.name}", f"/static/{evidence.file.name}"]:
        assert client.get(path).status_code == 404, path
