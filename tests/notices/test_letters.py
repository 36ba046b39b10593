"""Letters to platforms and their replies, through the services (no worker needed)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.formats import date_format

from complaints.evidence import evidence_validate
from complaints.models import Case, CaseEvent
from complaints.services import complaint_reject
from notices import services
from notices.models import InvalidTransition, Letter, LetterType, Notice, Reply, ReplyCaseOutcome
from tests.factories import complaint_create
from tests.intake.test_evidence import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def x_contact(x_platform):
    return x_platform.contacts.create(
        name="Grievance Officer", role="grievance officer in Pakistan", email="grievance@x.example"
    )


def _cases_in_review(n: int, **overrides) -> list[Case]:
    complaints = [complaint_create(account_handle=f"voice_{i:03d}", **overrides) for i in range(n)]
    ids = [c.case_id for c in complaints]
    Case.objects.filter(pk__in=ids).update(status=Case.Status.IN_REVIEW)
    return list(Case.objects.filter(pk__in=ids).order_by("reference"))


def test_a_batch_letter_with_300_cases_renders_and_its_annex_holds_pii_only_where_consented(zara, sana, x_contact):
    complaints = [
        complaint_create(
            account_handle=f"voice_{i:03d}",
            full_name=f"Citizen {i:03d}",
            email=f"citizen{i:03d}@example.pk",
            consent_share_with_platform=i % 3 != 0,
            account_url=f"https://x.com/voice_{i:03d}",
        )
        for i in range(300)
    ]
    Case.objects.filter(pk__in=[c.case_id for c in complaints]).update(status=Case.Status.IN_REVIEW)

    [letter] = services.letter_draft_for_cases(cases=Case.objects.all(), actor=zara)

    assert letter.status == Letter.Status.DRAFT and letter.our_reference.startswith("PTA-L-")
    assert letter.cases.count() == 300
    assert "300 accounts" in letter.subject and "300. " in letter.body and "@voice_299" in letter.body
    rows = list(csv.DictReader(io.StringIO(services.letter_annex_csv(letter=letter))))
    assert len(rows) == 300
    by_handle = {row["account_handle"]: row for row in rows}
    for i, complaint in enumerate(complaints):
        row = by_handle[f"voice_{i:03d}"]
        assert row["our_reference"] == letter.our_reference and row["case_reference"] == complaint.case.reference
        assert row["account_url"] == f"https://x.com/voice_{i:03d}" and row["action"] == "Account suspended"
        expected = complaint.full_name if complaint.consent_share_with_platform else ""
        assert row["consenting_complainant_names"] == expected
    assert CaseEvent.objects.filter(kind=CaseEvent.Kind.LETTER, data__action="drafted").count() == 300

    services.letter_approve(letter=letter, actor=sana)
    services.letter_send(letter=letter, actor=zara)
    assert Case.objects.filter(status=Case.Status.AWAITING_PLATFORM).count() == 300
    assert Notice.objects.filter(kind="referred").count() == 300
    letter.refresh_from_db()
    assert len(list(csv.DictReader(io.StringIO(letter.annex_csv)))) == 300


def test_one_draft_per_platform(zara, x_platform, facebook_platform):
    cases = _cases_in_review(2) + _cases_in_review(1, platform_slug="facebook")
    letters = services.letter_draft_for_cases(cases=cases, actor=zara)
    assert sorted((lt.platform.slug, lt.cases.count()) for lt in letters) == [("facebook", 1), ("x", 2)]


def test_zara_drafts_and_sends_only_sana_approves(zara, sana, omar, ayesha, x_contact):
    cases = _cases_in_review(2)
    with pytest.raises(PermissionDenied):
        services.letter_draft_for_cases(cases=cases, actor=ayesha)
    [letter] = services.letter_draft_for_cases(cases=cases, actor=zara)
    for not_a_supervisor in (zara, omar, ayesha):
        with pytest.raises(PermissionDenied):
            services.letter_approve(letter=letter, actor=not_a_supervisor)
    with pytest.raises(PermissionDenied):
        services.letter_send(letter=letter, actor=omar)
    with pytest.raises(InvalidTransition):
        services.letter_send(letter=letter, actor=zara)  # not approved yet
    services.letter_approve(letter=letter, actor=sana)
    letter = services.letter_send(letter=letter, actor=zara)

    assert letter.status == Letter.Status.SENT and letter.approved_by == sana
    expected_due = letter.date_sent + timedelta(hours=letter.platform.response_hours)
    assert letter.response_due_at == expected_due
    for case in cases:
        case.refresh_from_db()
        assert case.status == Case.Status.AWAITING_PLATFORM and case.response_due_at == expected_due
        assert case.sent_to_platform_at is not None
    notice = Notice.objects.get(letter=letter)
    assert (notice.recipient_kind, notice.address) == ("PLATFORM_CONTACT", "grievance@x.example")
    assert letter.our_reference in notice.subject
    assert len(list(csv.reader(io.StringIO(letter.annex_csv)))) == 3  # header and two cases, frozen at sending
    assert Notice.objects.filter(kind="referred").count() == 2  # each citizen hears it went to the platform


def test_a_supervisor_cannot_approve_their_own_draft(sana, x_contact):
    [letter] = services.letter_draft_for_cases(cases=_cases_in_review(1), actor=sana)
    with pytest.raises(services.LetterError):
        services.letter_approve(letter=letter, actor=sana)


def test_a_case_cannot_be_on_two_unsent_letters_and_new_cases_cannot_be_referred(zara, x_contact):
    cases = _cases_in_review(1)
    services.letter_draft_for_cases(cases=cases, actor=zara)
    with pytest.raises(services.LetterError, match="already on a letter"):
        services.letter_draft_for_cases(cases=cases, actor=zara)
    new_case = complaint_create(account_handle="brand_new").case
    with pytest.raises(services.LetterError, match="cannot be referred"):
        services.letter_draft_for_cases(cases=[new_case], actor=zara)


def _sent_letter(zara, sana, cases) -> Letter:
    [letter] = services.letter_draft_for_cases(cases=cases, actor=zara)
    services.letter_approve(letter=letter, actor=sana)
    return services.letter_send(letter=letter, actor=zara)


def test_a_reply_moves_cases_records_outcomes_and_keeps_the_attachment_private(zara, sana, x_contact):
    decided, undecided = _cases_in_review(2)
    letter = _sent_letter(zara, sana, [decided, undecided])
    reply = services.reply_record(
        letter=letter,
        received_at=timezone.now(),
        ticket_ref="X-123",
        text="One account restored; the other is under review.",
        outcomes=[
            services.CaseOutcomeInput(case=decided, action_taken="YES", outcome=Case.Outcome.REINSTATED),
            services.CaseOutcomeInput(case=undecided, action_taken="UNSPECIFIED"),
        ],
        attachments=evidence_validate(
            [SimpleUploadedFile("decision.pdf", pdf_bytes(), content_type="application/pdf")]
        ),
        actor=zara,
    )
    decided.refresh_from_db()
    undecided.refresh_from_db()
    letter.refresh_from_db()
    assert (decided.status, decided.outcome, decided.timely_response) == ("CLOSED", "REINSTATED", True)
    assert undecided.status == Case.Status.PLATFORM_RESPONDED
    assert letter.status == Letter.Status.REPLIED and letter.platform_ticket_ref == "X-123"
    assert reply.is_timely and ReplyCaseOutcome.objects.filter(reply=reply).count() == 2
    attachment = reply.attachments.get()
    # In the private storage that evidence uses (no URL is ever served from it), under a random name.
    assert attachment.file.storage is storages["private"] and attachment.file.name.startswith("replies/")
    assert "decision" not in attachment.file.name
    assert CaseEvent.objects.filter(case=decided, kind=CaseEvent.Kind.REPLY).count() == 1
    assert Notice.objects.filter(kind="closed", complaint__case=decided).count() == 1
    assert Notice.objects.filter(kind="platform_responded", complaint__case=undecided).count() == 1


def test_a_reply_recorded_after_the_deadline_is_timely_if_it_arrived_before_it(zara, sana, x_contact):
    [case] = _cases_in_review(1)
    letter = _sent_letter(zara, sana, [case])
    Letter.objects.filter(pk=letter.pk).update(response_due_at=timezone.now() - timedelta(hours=2))
    Case.objects.filter(pk=case.pk).update(response_due_at=timezone.now() - timedelta(hours=2))
    letter.refresh_from_db()
    arrived = letter.response_due_at - timedelta(hours=1)
    services.reply_record(
        letter=letter,
        received_at=arrived,
        ticket_ref="X-9",
        text="Restored.",
        outcomes=[services.CaseOutcomeInput(case=case, action_taken="YES", outcome=Case.Outcome.REINSTATED)],
        attachments=[],
        actor=zara,
    )
    case.refresh_from_db()
    assert case.platform_responded_at == arrived
    assert case.timely_response is True


def test_a_reply_naming_a_case_not_on_the_letter_is_refused(zara, sana, x_contact):
    on_letter, other = _cases_in_review(2)
    letter = _sent_letter(zara, sana, [on_letter])
    with pytest.raises(services.LetterError, match="not on this letter"):
        services.reply_record(
            letter=letter,
            received_at=timezone.now(),
            ticket_ref="",
            text="?",
            attachments=[],
            actor=zara,
            outcomes=[services.CaseOutcomeInput(case=other)],
        )
    assert Reply.objects.count() == 0


def test_an_overdue_letter_gets_one_reminder_per_overdue_period(zara, sana, x_contact):
    cases = _cases_in_review(2)
    letter = _sent_letter(zara, sana, cases)
    assert services.letter_remind_overdue() == 0  # not overdue yet
    Letter.objects.filter(pk=letter.pk).update(next_reminder_at=timezone.now() - timedelta(minutes=1))
    assert services.letter_remind_overdue() == 1
    assert services.letter_remind_overdue() == 0  # once per period
    reminder = Letter.objects.get(reminder_of=letter)
    # A reminder is drafted, not sent: it waits for a supervisor like any other letter.
    assert reminder.letter_type == LetterType.REMINDER and reminder.status == Letter.Status.DRAFT
    assert reminder.approved_by is None and not Notice.objects.filter(letter=reminder).exists()
    assert letter.our_reference in reminder.subject and reminder.cases.count() == 2
    assert date_format(timezone.localtime(letter.date_sent), "j F Y") in reminder.body
    letter.refresh_from_db()
    assert letter.next_reminder_at > timezone.now() + timedelta(hours=letter.platform.response_hours - 1)
    # Another overdue period while the reminder still waits: no second reminder on top of it.
    Letter.objects.filter(pk=letter.pk).update(next_reminder_at=timezone.now() - timedelta(minutes=1))
    assert services.letter_remind_overdue() == 0
    services.letter_approve(letter=reminder, actor=sana)
    reminder = services.letter_send(letter=reminder, actor=zara)
    assert reminder.status == Letter.Status.SENT
    assert Notice.objects.filter(letter=reminder, recipient_kind="PLATFORM_CONTACT").count() == 1
    # A reply to the reminder answers the original too: no more reminders.
    services.reply_record(
        letter=reminder,
        received_at=timezone.now(),
        ticket_ref="T",
        text="Acknowledged.",
        outcomes=[],
        attachments=[],
        actor=zara,
        kind=Reply.Kind.ACKNOWLEDGEMENT,
    )
    letter.refresh_from_db()
    assert letter.status == Letter.Status.REPLIED and letter.next_reminder_at is None


def test_rejection_and_overdue_notices(sana, ayesha):
    complaint = complaint_create(preferred_language="en")
    complaint_reject(complaint=complaint, reason="PLATFORM_NOT_COVERED", actor=ayesha)
    rejected = Notice.objects.get(kind="rejected")
    assert "The service is not one of the platforms we correspond with." in rejected.body
    case = complaint.case
    case.due_at = timezone.now() - timedelta(hours=1)
    services.case_overdue_notify(case=case, supervisors=[sana])
    services.case_overdue_notify(case=case, supervisors=[sana])  # the same overdue step: one notice
    overdue = Notice.objects.get(kind="case_overdue")
    assert (overdue.recipient_kind, overdue.address) == ("STAFF", "sana@pta.example")
    assert case.reference in overdue.subject
