"""The case timeline reads as sentences: every kind of event, with labels, never codes or "key: value"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.evidence import evidence_validate
from complaints.models import Case, CaseEvent, Complaint
from complaints.services import (
    case_escalate_overdue,
    case_merge,
    case_priority_set,
    case_split,
    case_take,
    complaint_accept,
    complaint_mark_duplicate,
    complaint_reject,
    complaint_rejection_note_approve,
)
from complaints.timeline import WORDING, case_timeline_lines, event_sentence
from notices.models import Notice
from notices.services import notice_retry
from tests.cases.conftest import verified_client
from tests.factories import complaint_create
from tests.intake.conftest import png_bytes, upload

from .conftest import world_build

pytestmark = pytest.mark.django_db

# A code as the services store it: IN_REVIEW, NEW, letter_reinstatement_request, case_overdue.
CODE = re.compile(r"^(?:[A-Z]{3,}(?:_[A-Z]+)*|[a-z]+(?:_[a-z]+)+)$")
# Codes whose label is the same word.
SAME_AS_LABEL = {"SMS"}


def every_kind_of_event(ayesha, sana, zara) -> None:
    """Each kind of event, written by the service that writes it in real life."""
    world_build(ayesha=ayesha, sana=sana, zara=zara)
    first = complaint_create(account_handle="ValleyNews", full_name="Farah Qureshi")
    second = complaint_create(account_handle="ValleyNews", full_name="Bilal Ahmed")
    third = complaint_create(account_handle="ValleyNews", full_name="Sana Mir")
    # A picture re-encoded by the worker after the submission (EVIDENCE_CHECKED).
    pending = evidence_validate([upload("shot.png", png_bytes((64, 48)))], defer_pictures=True)
    complaint_create(account_handle="ValleyNews", full_name="Omar Baig", evidence=pending)
    case = first.case
    case_take(case=case, actor=ayesha)
    complaint_accept(complaint=first, actor=ayesha)
    complaint_mark_duplicate(complaint=second, duplicate_of=first, actor=ayesha)
    complaint_reject(complaint=third, reason=Complaint.RejectionReason.choices[0][0], actor=ayesha, note="Not ours.")
    complaint_rejection_note_approve(complaint=third, actor=sana)
    case_priority_set(case=case, priority=Case.Priority.EMERGENCY, actor=sana)
    case_split(complaint=second, actor=ayesha)
    other = complaint_create(account_handle="ValleyNewsBackup").case
    case_merge(source=other, target=case, actor=sana)
    case_escalate_overdue(now=timezone.now() + timedelta(days=60))
    dead = Notice.objects.filter(case=case).first()
    Notice.objects.filter(pk=dead.pk).update(status=Notice.Status.DEAD)
    dead.refresh_from_db()
    notice_retry(notice=dead, actor=sana)


def test_every_kind_of_event_reads_as_a_sentence_without_codes(ayesha, sana, zara, omar):
    every_kind_of_event(ayesha, sana, zara)
    assert set(WORDING) == set(CaseEvent.Kind.values)
    events = list(CaseEvent.objects.select_related("actor", "case"))
    assert {event.kind for event in events} == set(CaseEvent.Kind.values)

    for event in events:
        text = event_sentence(event, case_reference=event.case.reference).text
        assert text and text[0].isupper() and text.endswith("."), (event.kind, text)
        for key, value in event.data.items():
            assert not re.search(rf"\b{re.escape(key)}\s*[:=]", text, re.IGNORECASE), (event.kind, text)
            if isinstance(value, str) and CODE.match(value) and value not in SAME_AS_LABEL:
                assert not re.search(rf"\b{re.escape(value)}\b", text), (event.kind, value, text)


def test_the_timeline_names_people_and_statuses_as_staff_say_them(ayesha, sana, zara, omar):
    world = world_build(ayesha=ayesha, sana=sana, zara=zara)
    texts = [line.text for line in case_timeline_lines(world.case)]

    assert "Ayesha moved the case from New to In review." in texts
    assert any(re.fullmatch(r"Acknowledgement sent to the complainant by (SMS|email)\.", t) for t in texts), texts
    assert f"Zara sent the reinstatement request {world.letter.our_reference} to the platform." in texts
    assert any(t.startswith("Zara recorded the platform's decision to ") for t in texts), texts
    notes = [line.note for line in case_timeline_lines(world.case) if line.note]
    assert "Called the citizen: the appeal was refused on 3 August." in notes


def test_the_case_page_shows_the_sentences_and_one_date_format(ayesha, sana, zara, omar):
    world = world_build(ayesha=ayesha, sana=sana, zara=zara)
    page = verified_client(sana).get(f"/admin/complaints/case/{world.case.pk}/change/").content.decode()
    timeline = page[page.index('id="case-timeline"') :]

    assert "Ayesha moved the case from New to In review." in timeline
    assert "old:" not in timeline and "kind:" not in timeline and "IN_REVIEW" not in timeline
    # "3 Dec 2026, 14:05": day, short month, year, and the time.
    assert re.search(r"\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\b", timeline)
    visible = re.sub(r"<[^>]+>", "", timeline)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", visible)
