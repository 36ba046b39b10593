"""The demo and bulk loaders: what they promise a person trying the admin, and valid data at scale."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Max, Min
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.management.commands.seed_demo import NAMES, NARRATIVES
from complaints.models import Case, CaseEvent, Complaint, PiiAccessLog, Platform, PlatformContact
from complaints.pii import mobile_mask, pii_hash

from .conftest import verified_client

pytestmark = pytest.mark.django_db

CASES = "/admin/complaints/case/"
COMPLAINTS = "/admin/complaints/complaint/"


def test_seed_demo_is_idempotent_and_prints_a_way_in():
    first = io.StringIO()
    call_command("seed_demo", stdout=first)
    counts = (
        Platform.objects.count(),
        PlatformContact.objects.count(),
        User.objects.count(),
        Complaint.objects.count(),
    )
    second = io.StringIO()
    call_command("seed_demo", stdout=second)
    assert counts == (5, 5, 6, 36)
    assert (Platform.objects.count(), PlatformContact.objects.count(), User.objects.count()) == counts[:3]
    assert Complaint.objects.count() == 36 and "none added" in second.getvalue()
    output = first.getvalue()
    for username in ("ayesha", "bilal", "sana", "zara", "omar", "admin"):
        assert TOTPDevice.objects.filter(user__username=username, confirmed=True).count() == 1
        assert f"otpauth://totp/PTA%3A{username}?secret=" in output
    assert "ayesha-demo-2026" in output
    assert set(Case.objects.values_list("status", flat=True)) >= {"NEW", "IN_REVIEW", "AWAITING_PLATFORM", "CLOSED"}


def listed(response) -> list[int]:
    return sorted(row.pk for row in response.context["cl"].result_list)


def schema() -> list[tuple[str, ...]]:
    """The bulk tables' indexes and constraints, as the database defines them."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 'index', indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%(t)s) UNION ALL "
            "SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%(t)s) ORDER BY 1, 2",
            {"t": ["complaints_case", "complaints_complaint", "complaints_caseevent"]},
        )
        return cursor.fetchall()


def test_seed_bulk_rows_decrypt_count_up_and_are_found_by_every_admin_search():
    call_command("seed_demo", stdout=io.StringIO())
    before = schema()
    out = io.StringIO()
    call_command("seed_bulk", complaints=10_000, caseworkers=4, stdout=out)
    assert "Added 10000 complaints in 7142 cases in" in out.getvalue()
    # The load drops most indexes and the keys it fills, and puts every one back as it was.
    assert "indexes rebuilt" in out.getvalue() and "foreign keys checked" in out.getvalue()
    assert schema() == before and len(before) > 40
    bulk = Complaint.objects.filter(reference__contains="-B-")
    cases = Case.objects.filter(reference__contains="-CB-")
    assert (bulk.count(), cases.count()) == (10_000, 7_142)
    # One opening event per case and one receipt event per complaint; every case has a complaint,
    # and repeat complaints pile onto some of them.
    assert CaseEvent.objects.filter(case__in=cases, kind=CaseEvent.Kind.CASE_OPENED).count() == 7_142
    assert CaseEvent.objects.filter(complaint__in=bulk, kind=CaseEvent.Kind.COMPLAINT_RECEIVED).count() == 10_000
    per_case = Counter(bulk.values_list("case_id", flat=True))
    assert len(per_case) == 7_142 and max(per_case.values()) >= 3
    assert not bulk.exclude(platform_id=F("case__platform_id")).exists()
    # Realism the dashboards rely on: several platforms, every status, outcomes on closed cases only,
    # dates spread over two years.
    assert cases.values("platform").distinct().count() == 5
    assert set(cases.values_list("status", flat=True)) == set(Case.Status.values)
    assert not cases.filter(status=Case.Status.CLOSED, outcome="").exists()
    assert not cases.exclude(status=Case.Status.CLOSED).exclude(outcome="").exists()
    span = bulk.aggregate(first=Min("received_at"), last=Max("received_at"))
    assert (span["last"] - span["first"]).days > 600
    # Every complainant is their own person: their own CNIC and mobile, hashed as the search hashes.
    people = list(bulk.order_by("pk")[:200])
    assert len({c.cnic for c in people}) == len({c.mobile for c in people}) == 200
    for complaint in people:
        assert len(complaint.cnic) == 13 and complaint.cnic.isdigit()  # decrypts
        assert complaint.mobile.startswith("+923") and len(complaint.mobile) == 13
        assert complaint.cnic_hash == pii_hash(complaint.cnic) and complaint.mobile_hash == pii_hash(complaint.mobile)
        assert complaint.full_name in NAMES and complaint.narrative in NARRATIVES
        assert complaint.email in ("", f"citizen{complaint.pk}@example.pk")
    # Each value is its own token, as the field writes it, not one ciphertext shared between rows.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT full_name), count(DISTINCT narrative) FROM complaints_complaint WHERE id = ANY(%s)",
            [[c.pk for c in people]],
        )
        assert cursor.fetchone() == (200, 200)

    supervisor = verified_client(User.objects.get(username="sana"))
    complaint = bulk.select_related("case").order_by("-pk").first()
    case = complaint.case
    siblings = sorted(case.complaints.values_list("pk", flat=True))
    assert complaint.reference.count("-") == 3  # PTA-B-2025-0500019
    for term in (complaint.reference, complaint.reference.lower(), f" {complaint.reference} "):
        assert listed(supervisor.get(COMPLAINTS, {"q": term})) == [complaint.pk], term
        assert listed(supervisor.get(CASES, {"q": term})) == [case.pk], term
    assert listed(supervisor.get(COMPLAINTS, {"q": case.reference})) == siblings
    assert listed(supervisor.get(CASES, {"q": case.reference.lower()})) == [case.pk]
    # A handle is a prefix search: a longer handle may match too.
    assert case.pk in listed(supervisor.get(CASES, {"q": "@" + case.account_handle}))
    assert complaint.pk in listed(supervisor.get(COMPLAINTS, {"q": case.account_handle.upper()}))
    cnic = f"{complaint.cnic[:5]}-{complaint.cnic[5:12]}-{complaint.cnic[12:]}"
    assert listed(supervisor.get(COMPLAINTS, {"q": cnic})) == [complaint.pk]
    assert listed(supervisor.get(CASES, {"q": "0" + complaint.mobile[3:]})) == [case.pk]
    assert PiiAccessLog.objects.filter(action=PiiAccessLog.Action.SEARCH).count() == 2
    # Without the permission a CNIC finds nothing: it is searched as a handle.
    caseworker = verified_client(User.objects.get(username="ayesha"))
    assert listed(caseworker.get(COMPLAINTS, {"q": complaint.cnic})) == []
    # The admin shows the complaint, masked, without an error.
    page = supervisor.get(f"{COMPLAINTS}{complaint.pk}/change/")
    assert page.status_code == 200 and mobile_mask(complaint.mobile) in page.content.decode()


def test_seed_bulk_refuses_nonsense_with_a_message():
    call_command("seed_demo", stdout=io.StringIO())
    with pytest.raises(CommandError, match="at least 1"):
        call_command("seed_bulk", complaints=0, stdout=io.StringIO())
    assert not Complaint.objects.filter(reference__contains="-B-").exists()
