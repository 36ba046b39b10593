"""Rows to CSV or XLSX in constant memory.

CSV goes out in batches of encoded lines, UTF-8 with a byte-order mark so that Excel reads Urdu
names. XLSX is written by xlsxwriter in constant_memory mode (each row is flushed to a temporary
file as soon as the next one starts) into a file object, with every text cell written by
write_string: the file can never hold a formula, whatever a citizen typed. Text cells have already
been through csvsafe.cell_safe (datasets.Column.converter), so a CSV opened in a spreadsheet is
inert too.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import IO, Any

import xlsxwriter

from .datasets import DATE, NUMBER, Column

# Excel's limit is 1,048,576 rows a sheet; one of them is the header.
XLSX_SHEET_ROWS = 1_048_575
CSV_BATCH_ROWS = 2_000

Progress = Callable[[int], None]


def dictionary_rows(columns: list[Column]) -> list[list[str]]:
    return [[column.header, column.definition, "Yes" if column.pii else "No"] for column in columns]


DICTIONARY_HEADER = ["Column", "Definition", "PII"]


def csv_chunks(columns: list[Column], rows: Iterable[list[Any]]) -> Iterator[bytes]:
    """The CSV, header first, as a stream of byte chunks (a few thousand rows each)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.header for column in columns])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CSV_BATCH_ROWS:
            writer.writerows(batch)
            batch.clear()
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    writer.writerows(batch)
    tail = buffer.getvalue()
    if tail:
        yield tail.encode()


def csv_dictionary(columns: list[Column]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(DICTIONARY_HEADER)
    writer.writerows(dictionary_rows(columns))
    return "\ufeff".encode() + buffer.getvalue().encode()


def csv_write(
    out: IO[bytes], columns: list[Column], rows: Iterable[list[Any]], *, progress: Progress | None = None
) -> int:
    """Write the CSV to ``out``; returns the number of data rows."""
    counted = _counting(rows, progress)
    for chunk in csv_chunks(columns, counted):
        out.write(chunk)
    return counted.count


def xlsx_write(
    out: IO[bytes] | str,
    columns: list[Column],
    rows: Iterable[list[Any]],
    *,
    progress: Progress | None = None,
    sheet_rows: int = XLSX_SHEET_ROWS,
) -> int:
    """Write the workbook: data sheets of at most ``sheet_rows`` rows each, then the dictionary."""
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            # Belt and braces: write_string never makes a formula, and nothing else is guessed.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    headers = [column.header for column in columns]
    kinds = [column.kind for column in columns]
    counted = _counting(rows, progress)
    sheet_number = 0
    sheet, row_index = None, sheet_rows  # the first row opens the first sheet
    for cells in counted:
        if row_index == sheet_rows:
            sheet_number += 1
            sheet = workbook.add_worksheet("Data" if sheet_number == 1 else f"Data {sheet_number}")
            _header(sheet, headers, bold)
            row_index = 0
        row_index += 1
        for col, (kind, value) in enumerate(zip(kinds, cells, strict=True)):
            if value is None or value == "":
                continue
            if kind == DATE and isinstance(value, date):
                sheet.write_datetime(row_index, col, value, day)  # type: ignore[union-attr]
            elif kind == NUMBER:
                sheet.write_number(row_index, col, value)  # type: ignore[union-attr]
            else:
                sheet.write_string(row_index, col, str(value))  # type: ignore[union-attr]
    if sheet is None:
        _header(workbook.add_worksheet("Data"), headers, bold)
    dictionary = workbook.add_worksheet("Dictionary")
    _header(dictionary, DICTIONARY_HEADER, bold)
    for i, line in enumerate(dictionary_rows(columns), start=1):
        for col, text in enumerate(line):
            dictionary.write_string(i, col, text)
    workbook.close()
    return counted.count


def _header(sheet: Any, headers: list[str], bold: Any) -> None:
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)


class _counting:
    """Counts rows as they pass, reporting every few thousand to ``progress``."""

    EVERY = 5_000

    def __init__(self, rows: Iterable[list[Any]], progress: Progress | None) -> None:
        self.rows, self.progress, self.count = rows, progress, 0

    def __iter__(self) -> Iterator[list[Any]]:
        for row in self.rows:
            yield row
            self.count += 1
            if self.progress is not None and self.count % self.EVERY == 0:
                self.progress(self.count)
        if self.progress is not None:
            self.progress(self.count)
