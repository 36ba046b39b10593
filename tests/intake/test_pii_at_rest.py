"""Key rotation for every encrypted column: prepend a salt, re-encrypt, drop the old one."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from complaints import fields as pii_fields
from complaints.management.commands.pii_reencrypt import encrypted_fields_by_model
from complaints.models import Complaint
from complaints.services import EvidenceUpload
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db


@contextmanager
def keys(**settings_overrides) -> Iterator[None]:
    """The library caches derived keys on each field; a rotation in one process must drop them."""

    def forget() -> None:
        for _model, fields in encrypted_fields_by_model():
            for field in fields:
                field.__dict__.pop("keys", None)
                field.__dict__.pop("f", None)

    with override_settings(**settings_overrides):
        forget()
        try:
            yield
        finally:
            forget()
    forget()


def raw_cnic(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cnic FROM complaints_complaint WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_rotating_the_salt_and_reencrypting_lets_the_old_salt_be_dropped():
    with keys(SALT_KEY=["old-salt"]):
        complaint = complaint_create(cnic="3520212345672")
        before = raw_cnic(complaint.pk)

    with keys(SALT_KEY=["new-salt", "old-salt"]):
        assert Complaint.objects.get(pk=complaint.pk).cnic == "3520212345672"  # old rows still readable
        # The complaint and its acknowledgement notice (address and body are encrypted too).
        with pytest.raises(CommandError, match="2 rows still need"):
            call_command("pii_reencrypt", "--check")
        call_command("pii_reencrypt")
        call_command("pii_reencrypt", "--check")  # now clean: no error
        assert raw_cnic(complaint.pk) != before

    with keys(SALT_KEY=["new-salt"]):
        reloaded = Complaint.objects.get(pk=complaint.pk)
        assert (reloaded.cnic, reloaded.mobile) == ("3520212345672", complaint.mobile)


def test_dropping_the_old_salt_too_early_is_reported_and_nothing_is_overwritten():
    with keys(SALT_KEY=["old-salt"]):
        complaint = complaint_create(cnic="3520212345672")
        before = raw_cnic(complaint.pk)
    with keys(SALT_KEY=["new-salt"]):
        # The library hands back the ciphertext rather than failing: it must never be saved again.
        assert Complaint.objects.get(pk=complaint.pk).cnic != "3520212345672"
        with pytest.raises(CommandError, match="2 rows cannot be decrypted"):  # the complaint and its notice
            call_command("pii_reencrypt")
    assert raw_cnic(complaint.pk) == before


def test_moving_the_secret_key_to_the_fallbacks_works_the_same_way():
    with keys(SECRET_KEY="old-secret-key-" + "x" * 40, SECRET_KEY_FALLBACKS=[]):
        complaint = complaint_create(cnic="3520212345672")
    with keys(SECRET_KEY="new-secret-key-" + "y" * 40, SECRET_KEY_FALLBACKS=["old-secret-key-" + "x" * 40]):
        call_command("pii_reencrypt")
    with keys(SECRET_KEY="new-secret-key-" + "y" * 40, SECRET_KEY_FALLBACKS=[]):
        assert Complaint.objects.get(pk=complaint.pk).cnic == "3520212345672"


def raw_columns(table: str, columns: list[str], pk: int, key: str = "id") -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {table} WHERE {key} = %s", [pk])  # noqa: S608
        return dict(zip(columns, cursor.fetchone(), strict=True))


COMPLAINT_PII = ["full_name", "cnic", "mobile", "email", "narrative", "platform_notice_text"]


def test_every_encrypted_field_of_every_model_is_found_for_rotation():
    found = {model._meta.label: {f.name for f in fields} for model, fields in encrypted_fields_by_model()}
    assert found["complaints.Complaint"] == set(COMPLAINT_PII)
    assert found["complaints.Evidence"] == {"original_name"}


def test_rotation_reencrypts_every_encrypted_column_of_a_complaint_and_its_evidence():
    with keys(SALT_KEY=["old-salt"]):
        complaint = complaint_create(
            full_name="Farah Qureshi",
            email="farah@example.pk",
            narrative="Suspended after my Kashmir Solidarity Day post.",
            platform_notice_text="You broke our rules.",
            evidence=[EvidenceUpload(b"png", "farah-qureshi.png", "image/png", "0" * 64, 3)],
        )
        before = raw_columns("complaints_complaint", COMPLAINT_PII, complaint.pk)
        evidence_before = raw_columns("complaints_evidence", ["original_name"], complaint.pk, key="complaint_id")

    with keys(SALT_KEY=["new-salt", "old-salt"]):
        call_command("pii_reencrypt", stdout=io.StringIO())
        after = raw_columns("complaints_complaint", COMPLAINT_PII, complaint.pk)
        evidence_after = raw_columns("complaints_evidence", ["original_name"], complaint.pk, key="complaint_id")
    assert all(after[name] != before[name] for name in COMPLAINT_PII)
    assert evidence_after != evidence_before

    with keys(SALT_KEY=["new-salt"]):
        call_command("pii_reencrypt", "--check", stdout=io.StringIO())
        reloaded = Complaint.objects.get(pk=complaint.pk)
        assert (reloaded.full_name, reloaded.email, reloaded.narrative, reloaded.platform_notice_text) == (
            "Farah Qureshi",
            "farah@example.pk",
            "Suspended after my Kashmir Solidarity Day post.",
            "You broke our rules.",
        )
        assert (reloaded.cnic, reloaded.mobile) == (complaint.cnic, complaint.mobile)
        assert reloaded.evidence.get().original_name == "farah-qureshi.png"


def test_every_encrypted_field_of_every_model_validates_without_state_on_the_shared_field():
    # The library's own fields flag themselves "already decrypted" while validating (every thread
    # shares the field object); complaints.fields validates without it.
    loose = [
        f"{model._meta.label}.{field.name}"
        for model, found in encrypted_fields_by_model()
        for field in found
        if not isinstance(field, pii_fields._StatelessClean)
    ]
    assert loose == []


@pytest.mark.django_db
def test_a_refused_cnic_in_a_form_leaves_every_later_read_decrypted():
    complaint = complaint_create()
    field = Complaint._meta.get_field("cnic")
    with pytest.raises(ValidationError):
        field.clean("3520212345671-and-more", None)
    assert Complaint.objects.get(pk=complaint.pk).cnic == complaint.cnic
