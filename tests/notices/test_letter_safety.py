"""What a letter can say, to whom, and with which annex: only what was approved, and nothing from the database."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.template import TemplateSyntaxError
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import given
from hypothesis import strategies as st

from complaints.forms import ComplaintForm
from complaints.models import Case, CaseEvent, PlatformContact
from notices import services
from notices.models import CorrespondenceEvent, Letter, LetterTemplate, Notice
from notices.services.annex import ANNEX_COLUMNS
from regulator_portal.csvsafe import csv_cell
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db

HOSTILE = (
    "A{{ case.complaints.all }}B{{ platform.complaints.all }}C{{ letter.created_by.password }}"
    "D{{ contact.platform.complaints.all }}E{{ letter.approved_by.totpdevice_set.all }}"
    "F{% for case in cases %}[{{ case.complaints.all }}{{ case.pk }}{{ case.platform.contacts.all }}]{% endfor %}"
    "G{{ original.letter.cases.all }}H{{ cases.0.complaints.all.0.cnic }}I"
)


@pytest.fixture
def x_contact(x_platform):
    return x_platform.contacts.create(name="Grievance Officer", role="grievance officer", email="grievance@x.example")


def _in_review(*complaints):
    Case.objects.filter(pk__in=[c.case_id for c in complaints]).update(status=Case.Status.IN_REVIEW)
    return list(Case.objects.filter(pk__in=[c.case_id for c in complaints]).order_by("reference"))


def test_a_template_that_reaches_for_complainants_or_staff_secrets_renders_nothing(zara, sana, x_contact):
    sana.password = make_password("a-supervisors-password")
    sana.save()
    TOTPDevice.objects.create(user=zara, name="phone", confirmed=True)
    consenting = complaint_create(account_handle="one", full_name="Farah Qureshi", cnic="3520212345672")
    silent = complaint_create(
        account_handle="two", full_name="Imran Ali", consent_share_with_platform=False, email="imran@example.pk"
    )
    template = LetterTemplate.objects.get(letter_type="REINSTATEMENT_REQUEST", language="en")
    template.subject, template.body = "S{{ case.complaints.all }}", HOSTILE
    services.letter_template_save(template=template, actor=sana)

    [letter] = services.letter_draft_for_cases(cases=_in_review(consenting, silent), actor=zara)

    assert letter.subject == "S"
    assert letter.body.strip() == "ABCDEF[][]GHI"
    for secret in ("Farah", "Imran", "35202", "example.pk", "pbkdf2", "+92", "Complaint", "Queryset", "TOTP"):
        assert secret not in letter.body


@pytest.mark.parametrize(
    "text", ["{% debug %}", "{% load static %}", "{% include 'admin/base.html' %}", "{% extends 'x.html' %}"]
)
def test_tags_that_reach_outside_the_letters_values_are_refused(text):
    with pytest.raises(TemplateSyntaxError):
        services.wording_compile(text)


def test_only_a_supervisor_edits_a_template_and_each_edit_is_on_record(staff_client, zara, sana):
    template = LetterTemplate.objects.get(letter_type="REMINDER", language="en")
    url = reverse("admin:notices_lettertemplate_change", args=[template.pk])
    data = {"letter_type": "REMINDER", "language": "en", "subject": "Reminder {{ letter.our_reference }}"}
    assert staff_client(zara).post(url, {**data, "body": "Changed by Zara"}).status_code == 403
    old_body = template.body
    response = staff_client(sana).post(url, {**data, "body": "Please reply to {{ original.our_reference }}."})
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.body == "Please reply to {{ original.our_reference }}."
    event = CorrespondenceEvent.objects.get(kind=CorrespondenceEvent.Kind.TEMPLATE_CHANGED)
    assert event.actor == sana and event.template == template
    assert event.data["old"]["body"] == old_body and event.data["new"]["body"] == template.body
    page = staff_client(sana).get(reverse("admin:notices_correspondenceevent_change", args=[event.pk]))
    assert page.status_code == 200 and "Please reply to" in page.content.decode()
    assert "Save" not in page.content.decode()
    assert staff_client(zara).get(reverse("admin:notices_correspondenceevent_changelist")).status_code == 403


def _approved(zara, sana, *complaints) -> Letter:
    [letter] = services.letter_draft_for_cases(cases=_in_review(*complaints), actor=zara)
    return services.letter_approve(letter=letter, actor=sana)


def test_changing_the_contacts_address_after_approval_sends_the_letter_back_to_draft(
    staff_client, zara, sana, x_contact
):
    letter = _approved(zara, sana, complaint_create())
    assert letter.recipient_email == "grievance@x.example" and letter.annex_csv
    url = reverse("admin:complaints_platformcontact_change", args=[x_contact.pk])
    data = {"platform": x_contact.platform_id, "name": x_contact.name, "role": x_contact.role, "is_primary": "on"}
    # The officer who would send the letter cannot redirect it.
    assert staff_client(zara).post(url, {**data, "email": "me@outside.example"}).status_code == 403
    response = staff_client(sana).post(url, {**data, "email": "new-officer@x.example"}, follow=True)
    assert "drafts again" in response.content.decode() and letter.our_reference in response.content.decode()
    letter.refresh_from_db()
    assert (letter.status, letter.approved_by, letter.recipient_email) == (Letter.Status.DRAFT, None, "")
    event = CorrespondenceEvent.objects.get(kind=CorrespondenceEvent.Kind.CONTACT_CHANGED)
    assert event.data["old"]["email"] == "grievance@x.example" and event.data["new"]["email"] == "new-officer@x.example"
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.LETTER, data__action="returned to draft").exists()


def test_a_letter_is_sent_only_as_approved_even_if_the_contact_was_changed_behind_the_admins_back(
    zara, sana, x_contact
):
    letter = _approved(zara, sana, complaint_create())
    PlatformContact.objects.filter(pk=x_contact.pk).update(email="me@outside.example")
    with pytest.raises(services.LetterError, match="draft again"):
        services.letter_send(letter=letter, actor=zara)
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DRAFT and not Notice.objects.filter(letter=letter).exists()


def test_a_new_complaint_changing_the_annex_after_approval_sends_the_letter_back_to_draft(zara, sana, x_contact):
    first = complaint_create(account_handle="kashmir_voice")
    letter = _approved(zara, sana, first)
    complaint_create(account_handle="kashmir_voice", full_name="Imran Ali")  # joins the same case
    with pytest.raises(services.LetterError, match="draft again"):
        services.letter_send(letter=letter, actor=zara)
    assert Letter.objects.get(pk=letter.pk).status == Letter.Status.DRAFT


def test_editing_an_approved_letter_sends_it_back_to_draft_and_says_so(staff_client, zara, sana, x_contact):
    letter = _approved(zara, sana, complaint_create())
    url = reverse("admin:notices_letter_change", args=[letter.pk])
    data = {
        "contact": x_contact.pk,
        "channel": "EMAIL",
        "legal_basis": letter.legal_basis,
        "subject": letter.subject,
        "body": letter.body + "\nP.S. one more thing.",
    }
    response = staff_client(zara).post(url, data, follow=True)
    assert "draft again" in response.content.decode()
    letter.refresh_from_db()
    assert letter.status == Letter.Status.DRAFT and letter.approved_by is None and "P.S." in letter.body


def test_the_email_goes_to_the_frozen_address_with_the_frozen_annex(zara, sana, x_contact):
    letter = _approved(zara, sana, complaint_create())
    services.letter_send(letter=letter, actor=zara)
    notice = Notice.objects.get(letter=letter)
    letter.refresh_from_db()
    assert notice.address == letter.recipient_email == "grievance@x.example"
    assert notice.body == letter.body
    with connection.cursor() as cursor:  # the annex names complainants: encrypted at rest
        cursor.execute("SELECT annex_csv FROM notices_letter WHERE id = %s", [letter.pk])
        [stored] = cursor.fetchone()
    assert "Farah" in letter.annex_csv and "Farah" not in stored and letter.our_reference not in stored


def test_the_annex_carries_only_names_of_consenting_complainants_and_no_contact_details_or_formulas(
    zara, sana, x_contact
):
    named = complaint_create(account_handle="one", full_name='=HYPERLINK("https://evil.example")', cnic="3520299999992")
    silent = complaint_create(account_handle="two", full_name="Imran Ali", consent_share_with_platform=False)
    letter = _approved(zara, sana, named, silent)
    rows = list(csv.DictReader(io.StringIO(letter.annex_csv)))
    assert [row["consenting_complainant_names"] for row in rows] == ['\'=HYPERLINK("https://evil.example")', ""]
    text = letter.annex_csv
    for detail in (named.cnic, named.mobile, named.email, silent.mobile, "Imran", "Kashmir Solidarity Day", "+92"):
        assert detail not in text


@given(st.text())
def test_no_csv_cell_starts_with_something_a_spreadsheet_evaluates(value):
    cell = csv_cell(value)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell in {value, f"'{value}"}


def test_plain_cells_are_unchanged():
    assert csv_cell("PTA-C-2026-000001") == "PTA-C-2026-000001" and csv_cell(3) == "3" and csv_cell(None) == ""


def test_the_consent_box_lists_exactly_what_the_annex_carries_in_both_languages():
    field = ComplaintForm.base_fields["consent_share_with_platform"]
    with translation.override("en"):
        label, help_text = str(field.label), str(field.help_text)
    assert all(word in label for word in ("name", "handle", "link", "account ID", "what the platform did"))
    assert all(word in help_text for word in ("CNIC", "mobile", "email", "what you wrote"))
    with translation.override("ur"):
        assert str(field.label) != label and "ہینڈل" in str(field.label)
        assert str(field.help_text) != help_text and "شناختی کارڈ" in str(field.help_text)
    assert set(ANNEX_COLUMNS) == {
        "our_reference",
        "case_reference",
        "account_handle",
        "account_url",
        "platform_account_id",
        "action",
        "action_date",
        "complaints",
        "consenting_complainant_names",
    }
