"""Hostile spreadsheets: what an uploaded CSV or XLSX must pass before a row of it is read.

An XLSX file is a zip archive, and a small one can unpack to gigabytes (a "zip bomb": 290 KB holding two million
rows). Before openpyxl opens it, every member's declared uncompressed size and compression ratio are checked; the
zipfile module then never inflates a member beyond its declared size (it stops there and fails the CRC check), so
the declared sizes bound the work. Rows are read in read-only streaming mode, reading stops at the row limit plus
one, and a time budget stops a file that is slow to read for any other reason. The reader is chosen by the file's
content and its extension together: a `.csv` that is a zip archive, or an `.xlsx` that is not, is refused.

Every message is French and says what to do.
"""

import io
import time
import zipfile

from django.conf import settings

ZIP_MAGIC = b"PK\x03\x04"
# One member of a sessions workbook (sheet XML, shared strings) unpacks to a few MB at 5,000 rows.
MAX_MEMBER_BYTES = 20_000_000
MAX_TOTAL_BYTES = 50_000_000
MAX_MEMBERS = 200
# Spreadsheet XML compresses well, about 10 to 30 times; beyond this ratio a large member is a bomb.
MAX_RATIO = 100
RATIO_CHECKED_FROM = 1_000_000  # small members may compress better without harm


class UnsafeFile(Exception):
    """The file is refused as a whole, before its rows are read; the message is for the person (French)."""


class Deadline:
    """A time budget for reading one file; `check()` raises UnsafeFile once it is spent."""

    def __init__(self, seconds: float | None = None):
        self.seconds = settings.SPREADSHEET_READ_SECONDS if seconds is None else seconds
        self.ends = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise UnsafeFile(
                f"La lecture de ce fichier dépasse {self.seconds:g} secondes : découpez-le en fichiers plus petits "
                "ou enregistrez-le à nouveau depuis votre tableur."
            )


def spreadsheet_kind(data: bytes, filename: str) -> str:
    """ "xlsx" or "csv", from the extension and the content together; UnsafeFile when they disagree."""
    name = filename.lower()
    is_zip = data[:4] == ZIP_MAGIC
    if name.endswith(".xlsx"):
        if not is_zip:
            raise UnsafeFile(
                "Ce fichier porte l'extension .xlsx mais n'est pas un classeur XLSX : enregistrez-le depuis votre "
                "tableur au format « Classeur Excel (.xlsx) » ou « CSV »."
            )
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        if is_zip or data[:2] == b"PK":
            raise UnsafeFile(
                "Ce fichier porte l'extension .csv mais contient une archive (un classeur XLSX ?) : renommez-le "
                "en .xlsx ou enregistrez-le au format CSV."
            )
        return "csv"
    raise UnsafeFile("Déposez un fichier .csv ou .xlsx.")


def check_zip(data: bytes) -> None:
    """Refuses an archive whose members would unpack too large, or too many times larger than they are."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise UnsafeFile("Ce fichier XLSX est illisible : enregistrez-le à nouveau depuis votre tableur.") from error
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UnsafeFile(f"Ce classeur contient {len(members)} éléments : ce n'est pas un classeur de sessions.")
        total = 0
        for member in members:
            total += member.file_size
            too_large = member.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES
            ratio = member.file_size / max(member.compress_size, 1)
            if too_large or (member.file_size > RATIO_CHECKED_FROM and ratio > MAX_RATIO):
                raise UnsafeFile(
                    "Ce classeur est refusé : une fois décompressé, il serait bien plus volumineux qu'un fichier de "
                    "sessions. Déposez le modèle du portail rempli, ou découpez le fichier."
                )
