"""Complaints stored in clear before complaints 0010/0011 are encrypted by the migration itself."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from complaints.models import Complaint, Evidence

ENCRYPTING = ("complaints", "0010_pii_encrypted_columns")
CLEAR = {
    "full_name": "Farah Qureshi",
    "email": "farah.qureshi@example.pk",
    "narrative": "My account was suspended after I posted about Kashmir Solidarity Day.",
    "platform_notice_text": "You violated our rules on violent speech.",
}
FILE_NAME = "cnic-farah-qureshi.jpg"


def migrate(targets: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return MigrationExecutor(connection)  # a fresh one reads the state just written


def raw_row(complaint_id: int) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_name, email, narrative, platform_notice_text FROM complaints_complaint WHERE id = %s",
            [complaint_id],
        )
        row = dict(zip(CLEAR, cursor.fetchone(), strict=True))
        cursor.execute("SELECT original_name FROM complaints_evidence WHERE complaint_id = %s", [complaint_id])
        row["original_name"] = cursor.fetchone()[0]
    return row


@pytest.mark.django_db(transaction=True)
def test_rows_written_in_clear_before_the_migration_are_encrypted_by_it_and_read_back():
    before = sorted(MigrationExecutor(connection).loader.graph.node_map[ENCRYPTING].parents)
    executor = migrate([parent.key for parent in before])
    old = executor.loader.project_state([parent.key for parent in before]).apps
    platform = old.get_model("complaints", "Platform").objects.create(slug="x", name="X")
    case = old.get_model("complaints", "Case").objects.create(
        reference="PTA-2026-0000001",
        platform=platform,
        account_handle="KashmirVoice",
        account_handle_normalized="kashmirvoice",
    )
    complaint = old.get_model("complaints", "Complaint").objects.create(
        reference="PTA-C-2026-0000001",
        case=case,
        platform=platform,
        cnic="3520212345672",
        mobile="+923001234567",
        province="PK-PB",
        city="Lahore",
        account_handle="KashmirVoice",
        account_handle_normalized="kashmirvoice",
        action_type="ACCOUNT_SUSPENDED",
        action_date=date(2026, 2, 5),
        category="KASHMIR_SOLIDARITY",
    )
    old.get_model("complaints", "Evidence").objects.create(
        complaint=complaint, file="evidence/2026/11/abc", content_type="image/jpeg", size=1, sha256="0" * 64
    )
    # The columns as they were before 0010: written in clear, by SQL.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE complaints_complaint SET full_name = %s, email = %s, narrative = %s, platform_notice_text = %s "
            "WHERE id = %s",
            [*CLEAR.values(), complaint.pk],
        )
        cursor.execute(
            "UPDATE complaints_evidence SET original_name = %s WHERE complaint_id = %s", [FILE_NAME, complaint.pk]
        )
    assert raw_row(complaint.pk) == {**CLEAR, "original_name": FILE_NAME}

    executor = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    stored = raw_row(complaint.pk)
    for name, clear in {**CLEAR, "original_name": FILE_NAME}.items():
        assert stored[name].startswith("gAAAA"), name  # a Fernet token
        assert clear not in stored[name]
    reloaded = Complaint.objects.get(pk=complaint.pk)
    assert {name: getattr(reloaded, name) for name in CLEAR} == CLEAR
    assert Evidence.objects.get(complaint=reloaded).original_name == FILE_NAME

    # A rollback writes the clear text back, so the plain columns before 0010 hold readable values.
    migrate([parent.key for parent in before])
    assert raw_row(complaint.pk) == {**CLEAR, "original_name": FILE_NAME}
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_a_complaint_without_email_or_platform_notice_keeps_them_blank(x_platform):
    from tests.factories import complaint_create

    complaint = complaint_create(email="", platform_notice_text="")
    reloaded = Complaint.objects.get(pk=complaint.pk)
    assert (reloaded.email, reloaded.platform_notice_text) == ("", "")
    assert reloaded.full_name == complaint.full_name
