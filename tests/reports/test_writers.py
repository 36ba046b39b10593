"""The neutraliser and the XLSX writer, on their own."""

from __future__ import annotations

import io
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from regulator_portal.csvsafe import FORMULA_TRIGGERS, cell_safe, row_safe
from reports.datasets import DATE, NUMBER, Column
from reports.writers import csv_chunks, xlsx_write

from .conftest import csv_rows, xlsx_formula_cells, xlsx_sheets


@given(st.text())
def test_no_neutralised_cell_starts_with_a_formula_trigger_and_nothing_else_changes(value):
    safe = cell_safe(value)
    assert not safe.startswith(FORMULA_TRIGGERS)
    assert safe == value or safe == "'" + value


def test_each_trigger_gets_an_apostrophe_and_numbers_and_dates_are_left_alone():
    for trigger in ["=1+1", "+92", "-2", "@SUM(A1)", "\tx", "\rx"]:
        assert cell_safe(trigger) == "'" + trigger
    assert cell_safe("Lahore") == "Lahore"
    assert row_safe(["=x", -1, date(2026, 1, 1), None]) == ["'=x", -1, date(2026, 1, 1), None]


COLUMNS = [
    Column("Name", "A name.", "name"),
    Column("Day", "A day.", "day", DATE),
    Column("N", "A count.", "n", NUMBER),
]


def _rows(n: int) -> list[list]:
    return [[f"person {i}", date(2026, 1, 1 + i % 28), i] for i in range(n)]


def test_an_xlsx_past_the_sheet_limit_continues_on_further_sheets_each_with_the_header():
    out = io.BytesIO()
    written = xlsx_write(out, COLUMNS, _rows(5), total=5, sheet_rows=2)

    sheets = xlsx_sheets(out.getvalue())
    assert written == 5
    assert list(sheets) == ["Data", "Data 2", "Data 3", "Dictionary"]
    assert [len(sheets[name]) for name in ["Data", "Data 2", "Data 3"]] == [3, 3, 2]
    assert all(sheets[name][0] == ["Name", "Day", "N"] for name in ["Data", "Data 2", "Data 3"])
    names = [row[0] for name in ["Data", "Data 2", "Data 3"] for row in sheets[name][1:]]
    assert names == [f"person {i}" for i in range(5)]
    assert sheets["Data"][1][1].date() == date(2026, 1, 1)  # a real date cell, not text
    assert sheets["Data"][1][2] == 0


def test_an_xlsx_exactly_at_the_limit_needs_no_second_sheet_and_an_empty_one_still_has_its_header():
    out = io.BytesIO()
    xlsx_write(out, COLUMNS, _rows(2), total=2, sheet_rows=2)
    assert list(xlsx_sheets(out.getvalue())) == ["Data", "Dictionary"]

    empty = io.BytesIO()
    assert xlsx_write(empty, COLUMNS, [], total=0, sheet_rows=2) == 0
    assert [list(row) for row in xlsx_sheets(empty.getvalue())["Data"]] == [["Name", "Day", "N"]]


def test_text_that_looks_like_a_formula_is_never_a_formula_cell_even_unneutralised():
    # The datasets neutralise first; the writer alone still writes text as text.
    out = io.BytesIO()
    xlsx_write(out, COLUMNS, [["=1+1", None, None]], total=1)
    assert xlsx_formula_cells(out.getvalue()) == []


def test_csv_comes_out_in_batches_and_reads_back_whole():
    chunks = list(csv_chunks(COLUMNS, _rows(4500)))
    assert len(chunks) > 2
    rows = csv_rows(b"".join(chunks))
    assert rows[0] == ["Name", "Day", "N"] and len(rows) == 4501 and rows[-1] == ["person 4499", "2026-01-20", "4499"]


def test_a_count_that_fell_short_of_the_rows_drops_none_of_them():
    # The count and the rows come from one snapshot; if they ever disagreed, the last sheet takes
    # the rest rather than losing rows.
    out = io.BytesIO()
    assert xlsx_write(out, COLUMNS, _rows(5), total=2, sheet_rows=2) == 5
    sheets = xlsx_sheets(out.getvalue())
    assert list(sheets) == ["Data", "Dictionary"]
    assert [row[0] for row in sheets["Data"][1:]] == [f"person {i}" for i in range(5)]


def test_the_dictionary_sheet_defines_every_column_and_headers_are_bold():
    out = io.BytesIO()
    xlsx_write(out, COLUMNS, _rows(1), total=1)
    sheets = xlsx_sheets(out.getvalue())
    assert sheets["Dictionary"][0] == ["Column", "Definition", "PII"]
    assert [row[:2] for row in sheets["Dictionary"][1:]] == [["Name", "A name."], ["Day", "A day."], ["N", "A count."]]
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(out.getvalue()))
    assert all(cell.font.b for cell in book["Data"][1])
