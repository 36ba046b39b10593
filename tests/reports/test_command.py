"""manage.py report_export: every dataset and format, PII only on request, always logged, clear errors."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError

from complaints.models import Case, PiiAccessLog
from complaints.services import case_transition
from notices.services import letter_draft_for_cases
from reports.datasets import DATASETS
from reports.models import ExportLog
from tests.factories import complaint_create

from .conftest import csv_rows, xlsx_formula_cells, xlsx_sheets

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(zara, sana, x_platform, facebook_platform) -> None:
    complaint_create(full_name="Farah Qureshi", account_handle="KashmirVoice")
    complaint_create(full_name="Imran Ali", platform=facebook_platform, account_handle="imran.ali")
    for case in Case.objects.all():
        case_transition(case=case, to=Case.Status.IN_REVIEW, actor=sana)
    letter_draft_for_cases(cases=Case.objects.all(), actor=zara)
    PiiAccessLog.objects.create(user=sana, action=PiiAccessLog.Action.REVEAL)


def _run(tmp_path: Path, dataset: str, fmt: str, *extra: str) -> tuple[Path, str]:
    output = tmp_path / f"{dataset}.{fmt}"
    out = StringIO()
    call_command("report_export", "--dataset", dataset, "--format", fmt, "--output", str(output), *extra, stdout=out)
    return output, out.getvalue()


def _table(path: Path) -> list[list[str]]:
    if path.suffix == ".csv":
        return csv_rows(path.read_bytes())
    rows = xlsx_sheets(path.read_bytes())["Data"]
    return [["" if v is None else str(v) for v in row] for row in rows]


EXPECTED_ROWS = {"complaints": 2, "cases": 2, "letters": 2, "pii_access": 1}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_each_dataset_exports_without_pii_and_is_logged_as_the_system_user(records, tmp_path, dataset, fmt):
    path, message = _run(tmp_path, dataset, fmt)

    table = _table(path)
    spec = DATASETS[dataset]
    assert table[0] == [c.header for c in spec.columns if not c.pii]
    assert len(table) - 1 == EXPECTED_ROWS[dataset]
    assert "Farah" not in path.read_bytes().decode("latin-1")
    assert f"{EXPECTED_ROWS[dataset]} rows of {dataset}" in message
    log = ExportLog.objects.get()
    assert (log.user.username, log.via, log.with_pii, log.row_count) == ("system", "COMMAND", False, len(table) - 1)
    assert not User.objects.get(username="system").is_active
    if fmt == "csv":
        dictionary = csv_rows((tmp_path / f"{dataset}.dictionary.csv").read_bytes())
        assert [row[0] for row in dictionary[1:]] == table[0]
    else:
        assert xlsx_formula_cells(path.read_bytes()) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_with_pii_adds_the_pii_columns_in_clear_and_a_pii_access_row(records, tmp_path, fmt):
    path, _ = _run(tmp_path, "complaints", fmt, "--with-pii")

    table = _table(path)
    assert table[0][-6:] == ["Full name", "CNIC", "Mobile", "Email", "Account handle", "Narrative"]
    names = {row[table[0].index("Full name")] for row in table[1:]}
    assert names == {"Farah Qureshi", "Imran Ali"}
    assert all(len(row[table[0].index("CNIC")]) == 15 for row in table[1:])  # 5-7-1 with dashes
    log = ExportLog.objects.get()
    assert log.with_pii
    assert PiiAccessLog.objects.filter(action="EXPORT", user__username="system", detail__export=log.pk).exists()


def test_period_and_platform_narrow_the_rows(records, tmp_path):
    path, _ = _run(tmp_path, "complaints", "csv", "--platform", "facebook", "--since", "2000-01-01")
    assert len(csv_rows(path.read_bytes())) == 2
    path, _ = _run(tmp_path, "complaints", "csv", "--until", "2000-01-01")
    assert len(csv_rows(path.read_bytes())) == 1
    assert ExportLog.objects.order_by("at").first().filters == {"since": ["2000-01-01"], "platform": ["facebook"]}


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--dataset", "people"], "invalid choice: 'people'"),
        (["--format", "pdf"], "invalid choice: 'pdf'"),
        (["--since", "yesterday"], "'yesterday' is not a date in the form YYYY-MM-DD"),
        (["--since", "2026-02-01", "--until", "2026-01-01"], "--since is after --until"),
        (["--platform", "myspace"], "No platform 'myspace'; use one of: facebook, x"),
        (["--dataset", "pii_access", "--platform", "x"], "--platform does not apply to pii_access"),
        (["--dataset", "letters", "--with-pii"], "letters has no PII columns"),
        (["--output", "/nonexistent-folder/out.csv"], "The folder /nonexistent-folder does not exist"),
    ],
)
def test_bad_arguments_are_a_clear_command_error_and_export_nothing(records, tmp_path, arguments, message):
    given = {"--dataset": "complaints", "--format": "csv", "--output": str(tmp_path / "out.csv")}
    for flag, value in zip(arguments[::2], arguments[1::2], strict=False):
        given[flag] = value
    argv = [part for pair in given.items() for part in pair]
    argv += [a for a in arguments if a == "--with-pii"]
    with pytest.raises(CommandError, match=message.replace("(", r"\(")):
        call_command("report_export", *[a for a in argv if a])
    assert not ExportLog.objects.exists()


def test_a_folder_as_output_is_refused(records, tmp_path):
    with pytest.raises(CommandError, match="is a folder"):
        call_command("report_export", "--dataset", "cases", "--format", "csv", "--output", str(tmp_path))
