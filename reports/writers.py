"""Rows to CSV or XLSX in constant memory.

CSV goes out in batches of encoded lines, UTF-8 with a byte-order mark so that Excel reads Urdu
names. XLSX is written by rustpy-xlsxwriter (Rust's rust_xlsxwriter, by xlsxwriter's author) in
its constant-memory mode, rows pulled from the cursor as it writes: at a million rows Python's
xlsxwriter spent about 7 µs a cell, and the export was only 6x faster than django-import-export's
(docs/reports.md). Every text cell is written as a string: the file can never hold a formula,
whatever a citizen typed. Text cells have already been through csvsafe.cell_safe
(datasets.Column.converter), so a CSV opened in a spreadsheet is inert too.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import IO, Any

from rustpy_xlsxwriter import write_worksheets

from .datasets import DATE, NUMBER, Column

# Excel's limit is 1,048,576 rows a sheet; one of them is the header.
XLSX_SHEET_ROWS = 1_048_575
CSV_BATCH_ROWS = 2_000
COPY_CHUNK = 1024 * 1024

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
    total: int,
    progress: Progress | None = None,
    sheet_rows: int = XLSX_SHEET_ROWS,
) -> int:
    """Write the workbook: data sheets of at most ``sheet_rows`` rows each, then the dictionary.

    ``total`` is how many rows ``rows`` holds (counted in the same snapshot): the writer takes its
    list of sheets up front. The last data sheet takes whatever is left, so a miscount can never
    drop a row; past Excel's limit the writer refuses rather than truncates.
    """
    headers = [column.header for column in columns]
    texts = [i for i, column in enumerate(columns) if column.kind not in (DATE, NUMBER)]
    counted = _counting(rows, progress)
    source = iter(counted)
    sheets = max(1, -(-total // sheet_rows))

    def sheet(number: int) -> Iterator[dict[str, Any]]:
        taken = source if number == sheets else islice(source, sheet_rows)
        written = False
        for cells in taken:
            for i in texts:
                value = cells[i]
                if value is not None and type(value) is not str:
                    cells[i] = str(value)
            written = True
            yield dict(zip(headers, cells, strict=True))
        if not written:
            # A row of blanks writes the header and no cell: an empty sheet still says its columns.
            yield dict.fromkeys(headers)

    workbook: list[tuple[str, Any]] = [
        ("Data" if number == 1 else f"Data {number}", sheet(number)) for number in range(1, sheets + 1)
    ]
    workbook.append(
        ("Dictionary", [dict(zip(DICTIONARY_HEADER, line, strict=True)) for line in dictionary_rows(columns)])
    )
    # Strings are always written as text (never a formula, number or link), dates as date cells.
    options: dict[str, Any] = {"bold_headers": True, "datetime_format": "yyyy-mm-dd"}
    if isinstance(out, str):
        write_worksheets(workbook, out, **options)
        return counted.count
    # Given a file object, the writer holds the whole workbook in memory until it is done (100 MB at a
    # million rows); given a path, it writes to disk as it goes. So: a private directory, then a copy.
    with tempfile.TemporaryDirectory(prefix="export-") as directory:
        path = os.path.join(directory, "export.xlsx")
        write_worksheets(workbook, path, **options)
        with open(path, "rb") as written:
            shutil.copyfileobj(written, out, COPY_CHUNK)
    return counted.count


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
