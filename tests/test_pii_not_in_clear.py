"""After a whole journey, no table holds a complainant's name, CNIC, mobile, email or story in clear.

Every row of every table is read as text (``SELECT t::text``, so every column of every type is
covered, including JSON event data and tables added later) and searched for the values the journey
and the demo loader wrote. The notices tables hold what other engineers encrypt (notice address and
body, the letter annex): their assertion is separate so it can be followed on its own.
"""

from __future__ import annotations

import io

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.db import connection

from complaints.models import Case, Complaint
from complaints.services import case_transition, complaint_accept, complaint_pii_reveal
from notices.models import Letter
from notices.services import letter_annex_download, letter_approve, letter_draft_for_cases, letter_send
from tests.intake.conftest import NEW_URL, form_data, png_bytes, upload

pytestmark = pytest.mark.django_db

# What Farah types into the public form, and the name of the screenshot she attaches.
FARAH = {
    "full_name": "Farah Naz Qureshi",
    "cnic": "35202-7654321-4",
    "mobile": "0333 7654321",
    "email": "farah.naz.q@example.pk",
    "narrative": "They suspended my account the morning after my Srinagar curfew thread went viral.",
    "platform_notice_text": "Farah Naz Qureshi, your account broke the rules on hateful conduct.",
}
FARAH_NEEDLES = [
    "Farah Naz Qureshi",
    "3520276543214",
    "35202-7654321-4",
    "3337654321",  # inside +923337654321 and 03337654321
    "farah.naz.q@example.pk",
    "Srinagar curfew thread",
    "farah-naz-qureshi",
]


def table_rows_as_text() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        tables = [name for (name,) in cursor.fetchall()]
        dump = {}
        for table in tables:
            cursor.execute(f"SELECT t::text FROM {connection.ops.quote_name(table)} t")  # noqa: S608
            dump[table] = [row for (row,) in cursor.fetchall()]
    # Session data is signed base64: read it decoded, as whoever holds the SECRET_KEY could.
    dump["django_session"] += [str(session.get_decoded()) for session in Session.objects.all()]
    return dump


def found_in_clear(needles: list[str]) -> dict[str, set[str]]:
    """{table: the needles found in it}, case-insensitively."""
    lowered = [n.lower() for n in needles]
    hits: dict[str, set[str]] = {}
    for table, rows in table_rows_as_text().items():
        text = "\n".join(rows).lower()
        found = {n for n in lowered if n in text}
        if found:
            hits[table] = found
    return hits


@pytest.fixture
def journey_needles(client, ayesha, sana, zara, x_platform) -> list[str]:
    """The demo loader's complainants; Farah files, Ayesha triages, Sana reveals her details, a letter goes to X."""
    call_command("seed_demo", stdout=io.StringIO())
    demo = list(Complaint.objects.all())
    assert len(demo) == 36
    needles = list(FARAH_NEEDLES)
    for person in demo:
        needles += [person.full_name, person.cnic, person.mobile, person.narrative]
        needles += [person.email] if person.email else []

    data = form_data(x_platform, **FARAH)
    data["evidence"] = [upload("farah-naz-qureshi-suspension.png", png_bytes(), "image/png")]
    assert client.post(NEW_URL, data).status_code == 303
    complaint = Complaint.objects.latest("pk")
    assert complaint.full_name == FARAH["full_name"]  # what was written is what we search for

    complaint_accept(complaint=complaint, actor=ayesha)
    assert complaint_pii_reveal(complaint=complaint, actor=sana).email == FARAH["email"]  # logged, by id
    case = case_transition(case=Case.objects.get(pk=complaint.case_id), to=Case.Status.IN_REVIEW, actor=ayesha)
    case = case_transition(case=case, to=Case.Status.REFERRED_TO_PLATFORM, actor=ayesha)
    [letter] = letter_draft_for_cases(cases=[case], actor=zara)
    letter = letter_approve(letter=letter, actor=sana)
    letter = letter_send(letter=letter, actor=zara)
    assert FARAH["full_name"] in letter_annex_download(letter=Letter.objects.get(pk=letter.pk), actor=sana)
    return sorted(set(needles))


def test_no_complaints_or_other_table_holds_a_complainant_detail_in_clear(journey_needles):
    hits = {
        table: found for table, found in found_in_clear(journey_needles).items() if not table.startswith("notices_")
    }
    assert hits == {}


def test_no_notices_table_holds_a_complainant_detail_in_clear(journey_needles):
    hits = {table: found for table, found in found_in_clear(journey_needles).items() if table.startswith("notices_")}
    assert hits == {}


def test_the_search_finds_a_detail_written_in_clear(x_platform):
    """The check itself: a name stored in clear in any table is found."""
    Case.objects.create(
        reference="PTA-2026-0000009",
        platform=x_platform,
        account_handle="Farah Naz Qureshi",
        account_handle_normalized="farahnazqureshi",
    )
    assert found_in_clear(["farah naz qureshi"]) == {"complaints_case": {"farah naz qureshi"}}


def test_seed_bulk_writes_no_complainant_detail_in_clear():
    call_command("seed_bulk", complaints=50, caseworkers=2, stdout=io.StringIO())
    bulk = list(Complaint.objects.all())
    assert len(bulk) == 50 and all(c.full_name and c.narrative for c in bulk)  # they decrypt
    needles = {c.full_name for c in bulk} | {c.cnic for c in bulk} | {c.email for c in bulk if c.email}
    needles |= {c.narrative for c in bulk} | {c.platform_notice_text for c in bulk if c.platform_notice_text}
    assert found_in_clear(sorted(needles)) == {}
