"""The demo and bulk loaders: what they promise a person trying the admin, and valid data at scale."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from complaints.models import Case, CaseEvent, Complaint, Platform, PlatformContact
from complaints.pii import pii_hash

from .conftest import verified_client

pytestmark = pytest.mark.django_db


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


def test_seed_bulk_writes_valid_ciphertext_that_search_finds():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_bulk", complaints=300, caseworkers=4, stdout=io.StringIO())
    bulk = Complaint.objects.filter(reference__contains="-B-")
    assert bulk.count() == 300
    complaint = bulk.order_by("pk").first()
    assert len(complaint.cnic) == 13 and complaint.cnic.isdigit()  # decrypts
    assert complaint.cnic_hash == pii_hash(complaint.cnic)
    assert CaseEvent.objects.filter(complaint__in=bulk, kind=CaseEvent.Kind.COMPLAINT_RECEIVED).count() == 300
    assert User.objects.filter(groups__name="Caseworker").count() >= 4
    response = verified_client(User.objects.get(username="sana")).get(
        "/admin/complaints/complaint/", {"q": complaint.cnic}
    )
    assert complaint.pk in {c.pk for c in response.context["cl"].result_list}
