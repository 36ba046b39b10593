"""Staff never lose a letter's edits, the page says who acts next, the primary actions look primary,
and the letter reads as an official letter. Referring a case through a letter accepts its complaints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from complaints.models import Case, CaseEvent, Complaint
from complaints.services import complaint_mark_duplicate, complaint_reject
from notices import selectors, services
from notices.models import Letter, LetterType
from tests.factories import complaint_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(x_platform):
    return x_platform.contacts.create(
        name="Grievance Officer", role="grievance officer in Pakistan", email="grievance@x.example"
    )


@pytest.fixture
def draft(zara, contact) -> Letter:
    complaint = complaint_create(account_handle="kashmir_voice")
    Case.objects.filter(pk=complaint.case_id).update(status=Case.Status.IN_REVIEW)
    [letter] = services.letter_draft_for_cases(cases=[complaint.case], actor=zara)
    return letter


def _form(letter: Letter, **changes: str) -> dict[str, str]:
    data = {
        "contact": str(letter.contact_id),
        "channel": letter.channel,
        "legal_basis": letter.legal_basis,
        "subject": letter.subject,
        "body": letter.body,
    }
    return {**data, **changes}


def _change_url(letter: Letter) -> str:
    return reverse("admin:notices_letter_change", args=[letter.pk])


def test_approve_saves_the_edit_first_and_the_approval_covers_it(staff_client, sana, draft):
    edited = "Request to review and restore one account on X (Twitter), edited by Sana"
    response = staff_client(sana).post(_change_url(draft), _form(draft, subject=edited, _approve="1"), follow=True)
    page = response.content.decode()
    assert "Letter saved and approved." in page
    draft.refresh_from_db()
    assert (draft.subject, draft.status, draft.approved_by) == (edited, Letter.Status.APPROVED, sana)
    assert edited in page and "Ready for a correspondence officer to send." in page
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.LETTER, data__action="approved").count() == 1


def test_an_edit_that_does_not_validate_is_neither_lost_nor_approved(staff_client, sana, draft):
    response = staff_client(sana).post(_change_url(draft), _form(draft, subject="", body="Kept body", _approve="1"))
    page = response.content.decode()
    assert response.status_code == 200 and "This field is required." in page
    assert "Kept body" in page  # the edit is still in the form
    draft.refresh_from_db()
    assert draft.status == Letter.Status.DRAFT and draft.body != "Kept body"


def test_a_refused_approval_keeps_the_saved_edit_and_says_why(staff_client, zara, sana, draft):
    # Zara drafted it; make her a supervisor for a moment: four eyes still refuse her approval.
    zara.groups.add(sana.groups.get())
    response = staff_client(zara).post(
        _change_url(draft), _form(draft, subject="Zara's better subject", _approve="1"), follow=True
    )
    page = response.content.decode()
    assert "Your changes were saved, but the letter was not approved" in page
    assert "someone other than the person who drafted it" in page
    draft.refresh_from_db()
    assert (draft.subject, draft.status) == ("Zara's better subject", Letter.Status.DRAFT)


def test_send_is_refused_while_the_form_has_unsaved_edits(staff_client, zara, sana, draft):
    services.letter_approve(letter=draft, actor=sana)
    draft.refresh_from_db()
    as_zara = staff_client(zara)
    response = as_zara.post(_change_url(draft), _form(draft, subject="Changed at the last minute", _send="1"))
    page = response.content.decode()
    assert response.status_code == 200 and "This letter has changes that are not saved." in page
    assert "Changed at the last minute" in page
    draft.refresh_from_db()
    assert draft.status == Letter.Status.APPROVED and draft.subject != "Changed at the last minute"

    sent = as_zara.post(_change_url(draft), _form(draft, _send="1"), follow=True)
    assert "Letter queued for sending; its cases await the platform." in sent.content.decode()
    draft.refresh_from_db()
    assert draft.status == Letter.Status.SENT


def test_the_page_says_who_acts_next_and_its_buttons_are_primary(staff_client, zara, sana, draft):
    page = staff_client(sana).get(_change_url(draft)).content.decode()
    assert 'data-testid="letter-next-step"' in page and "Waiting for a supervisor to approve." in page
    assert 'name="_approve" value="1" class="primary-action"' in page
    assert "css/admin-actions.css" in page
    # Enter in a field submits with the form's first button: that must stay Save, not Approve.
    assert page.index('name="_save"') < page.index('name="_approve"')
    services.letter_approve(letter=draft, actor=sana)
    page = staff_client(zara).get(_change_url(draft)).content.decode()
    assert "Ready for a correspondence officer to send." in page
    assert 'name="_send" value="1" class="primary-action"' in page


def test_next_step_for_each_state(zara, sana, draft):
    now = timezone.now()
    assert selectors.letter_next_step(letter=draft, now=now) == "Waiting for a supervisor to approve."
    services.letter_approve(letter=draft, actor=sana)
    services.letter_send(letter=draft, actor=zara)
    draft.refresh_from_db()
    due = date_format(timezone.localtime(draft.response_due_at), "j F Y")
    assert selectors.letter_next_step(letter=draft, now=now) == f"Waiting for the platform's reply by {due}."
    late = selectors.letter_next_step(letter=draft, now=draft.response_due_at + timedelta(minutes=1))
    assert late.startswith(f"The platform's reply was due by {due} and is overdue: a reminder is drafted")
    draft.contact = None
    draft.status = Letter.Status.DRAFT
    assert "platform contact with an email address" in selectors.letter_next_step(letter=draft, now=now)


def test_the_seeded_letter_reads_as_an_official_letter(draft, x_platform):
    today = timezone.localtime()
    reply_by = date_format(today + timedelta(hours=x_platform.response_hours), "j F Y")
    body, subject = draft.body, draft.subject
    assert subject == "Request to review and restore 1 account on X (Twitter)"
    assert draft.our_reference not in subject  # the email's subject line adds it once: [reference] subject
    assert body.startswith("The Pakistan Telecommunication Authority\nHeadquarters, F-5/1, Islamabad\n")
    assert body.count(draft.our_reference) == 1
    assert f"Date: {date_format(today, 'j F Y')}" in body
    assert "Grievance Officer\ngrievance officer in Pakistan\nX (Twitter)\n\nDear Grievance Officer," in body
    assert (
        "Under section 37 of the Prevention of Electronic Crimes Act 2016 and the Removal and Blocking of "
        "Unlawful Online Content Rules 2021, the Pakistan Telecommunication Authority has received" in body
    )
    assert f"by {reply_by}, quoting our reference" in body
    assert "@kashmir_voice" in body
    assert body.rstrip().endswith(
        "Yours faithfully,\n\nDirector, Complaints and Enforcement\nThe Pakistan Telecommunication Authority"
    )


def test_the_migration_leaves_a_supervisors_own_template_alone(sana):
    import importlib

    from django.apps import apps

    from notices.models import LetterTemplate

    migration = importlib.import_module("notices.migrations.0013_letters_official_wording")
    own = LetterTemplate.objects.get(letter_type=LetterType.ESCALATION, language="en")
    own.body = "Our own escalation wording."
    own.save()
    migration.backward(apps, None)
    reverted = LetterTemplate.objects.get(letter_type=LetterType.REINSTATEMENT_REQUEST, language="en")
    assert reverted.body.startswith("To ")  # the seeded wording of 0002 is back
    migration.forward(apps, None)
    assert LetterTemplate.objects.get(pk=reverted.pk).body.startswith("The {{ regulator_name }}")
    assert LetterTemplate.objects.get(pk=own.pk).body == "Our own escalation wording."


def test_sending_a_letter_accepts_the_received_complaints_and_leaves_the_others(zara, sana, ayesha, contact):
    received, rejected, duplicate = (complaint_create(account_handle="valley_news") for _ in range(3))
    complaint_reject(complaint=rejected, reason=Complaint.RejectionReason.TOO_OLD, actor=ayesha)
    complaint_mark_duplicate(complaint=duplicate, duplicate_of=received, actor=ayesha)
    Case.objects.filter(pk=received.case_id).update(status=Case.Status.IN_REVIEW)
    [letter] = services.letter_draft_for_cases(cases=[received.case], actor=zara)
    services.letter_approve(letter=letter, actor=sana)
    services.letter_send(letter=letter, actor=zara)
    statuses = [Complaint.objects.get(pk=c.pk).status for c in (received, rejected, duplicate)]
    assert statuses == ["ACCEPTED", "REJECTED", "DUPLICATE"]
    accepted = CaseEvent.objects.get(kind=CaseEvent.Kind.COMPLAINT_ACCEPTED)
    assert (accepted.complaint_id, accepted.actor) == (received.pk, zara)


def test_a_case_with_nothing_to_pursue_is_refused_when_drafting(zara, ayesha, contact):
    complaint = complaint_create(account_handle="nothing_left")
    complaint_reject(complaint=complaint, reason=Complaint.RejectionReason.INCOMPLETE, actor=ayesha)
    Case.objects.filter(pk=complaint.case_id).update(status=Case.Status.IN_REVIEW)
    with pytest.raises(services.LetterError, match="nothing to refer"):
        services.letter_draft_for_cases(cases=[complaint.case], actor=zara)
    assert not Letter.objects.exists()
