"""A day's worth of admin records with realistic, long values: the lists must still fit 1366 px.

Everything is written through the services, so the timeline, the outbox and the replies hold what
a real day leaves behind.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from complaints.evidence import evidence_validate
from complaints.models import Case, Complaint
from complaints.services import case_note_add, case_transition, complaint_reject
from notices.models import AdvanceNotice, Letter, Reply, ReplyCaseOutcome
from notices.services import (
    CaseOutcomeInput,
    letter_approve,
    letter_draft_for_cases,
    letter_send,
    reply_record,
)
from tests.advance.conftest import _advance_grants, notice_submit  # noqa: F401 - the advance grants, for every test
from tests.factories import complaint_create, platform_get
from tests.intake.conftest import png_bytes, upload
from tests.notices.conftest import _sms_in_memory  # noqa: F401

LONG_NAMES = [
    "Muhammad Abdul Rehman Khan Niazi Chaudhry",
    "Syeda Fatima Zahra Bukhari Naqvi Gilani",
    "Sardar Ahmed Nawaz Khan Leghari Mazari",
]
LONG_HANDLES = [
    "KashmirSolidarityVoiceOfficial2026",
    "JournalistsForFreeSpeechBalochistan",
    "TheValleyIndependentNewsNetworkPK",
]


@dataclass
class World:
    case: Case
    complaint: Complaint
    letter: Letter
    reply: Reply
    advance: AdvanceNotice
    # A case still open, on a letter sent and not yet answered: the reply form has a row for it.
    open_case: Case
    open_letter: Letter


def world_build(*, ayesha: User, sana: User, zara: User) -> World:
    x = platform_get("x")
    x.contacts.create(name="Grievance Officer for Pakistan", role="grievance officer", email="grievance@x.example")
    facebook = platform_get("facebook")
    facebook.contacts.create(name="Public Policy Team", role="policy", email="policy@facebook.example")
    photo = evidence_validate([upload("screenshot of the suspension notice.png", png_bytes((640, 480)))])
    complaints = [
        complaint_create(
            platform=x if i % 2 == 0 else facebook,
            account_handle=f"{LONG_HANDLES[i % 3]}{i}",
            full_name=LONG_NAMES[i % 3],
            email=f"citizen{i}@example.pk" if i % 3 == 0 else "",
            evidence=photo if i == 0 else None,
        )
        for i in range(8)
    ]
    first = complaints[0]
    case = first.case
    case_transition(case=case, to=Case.Status.IN_REVIEW, actor=ayesha)
    case_note_add(case=case, text="Called the citizen: the appeal was refused on 3 August.", actor=ayesha)
    complaint_reject(complaint=complaints[2], reason=Complaint.RejectionReason.choices[0][0], actor=sana, note="")
    letter = letter_draft_for_cases(cases=[case], actor=zara)[0]
    letter_approve(letter=letter, actor=sana)
    letter_send(letter=letter, actor=zara)
    reply = reply_record(
        letter=letter,
        received_at=timezone.now(),
        ticket_ref="X-TS-2026-0000042-GRIEVANCE",
        text="The account has been reviewed and restored.",
        outcomes=[
            CaseOutcomeInput(
                case=case, action_taken=ReplyCaseOutcome.ActionTaken.YES, outcome=Case.Outcome.choices[0][0]
            )
        ],
        attachments=[],
        actor=zara,
    )
    open_case = complaints[1].case
    case_transition(case=open_case, to=Case.Status.IN_REVIEW, actor=sana)
    open_letter = letter_draft_for_cases(cases=[open_case], actor=zara)[0]
    letter_approve(letter=open_letter, actor=sana)
    letter_send(letter=open_letter, actor=zara)
    open_case.refresh_from_db()
    advance = notice_submit(x, account_handle=f"@{LONG_HANDLES[0]}", platform_reference="X-TS-2026-0000042-LONG-REF")
    case.refresh_from_db()
    return World(
        case=case,
        complaint=first,
        letter=letter,
        reply=reply,
        advance=advance,
        open_case=open_case,
        open_letter=open_letter,
    )


@pytest.fixture
def world(ayesha: User, sana: User, zara: User, omar: User) -> World:
    return world_build(ayesha=ayesha, sana=sana, zara=zara)
