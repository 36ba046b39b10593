"""CSV cells that a spreadsheet will not run.

Excel, LibreOffice and Google Sheets treat a cell starting with = + - @ (and, after a tab or a
carriage return, the same) as a formula: a complainant's "name" of ``=HYPERLINK("https://…")`` would
run on the platform's or our analyst's machine. OWASP's advice is to prefix such a cell with an
apostrophe, which the spreadsheet shows as text. Every CSV the portal writes passes its cells here.
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """The value as a CSV cell's text, with an apostrophe before anything a spreadsheet would evaluate."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
