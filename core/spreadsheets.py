"""Every CSV and XLSX file the portal writes goes through these two functions (open data streams its own CSV).

CSV: UTF-8 with a byte order mark and semicolons, as French spreadsheet programs open them. XLSX: sheet titles made
valid (31 characters at most, none of []:*?/\\), optional column widths.
"""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str) -> str:
    """A title Excel accepts: the forbidden characters become spaces, then 31 characters at most."""
    cleaned = " ".join(SHEET_TITLE_FORBIDDEN.sub(" ", text).split())
    return cleaned[:31].strip() or "Feuille"


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert(text: str) -> str:
    """Text typed by the public, made inert in a spreadsheet: a cell that a spreadsheet program would read as a
    formula (=, +, -, @) starts with an apostrophe instead."""
    return "'" + text if isinstance(text, str) and text.startswith(FORMULA_STARTS) else text


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
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
            worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
