"""Sessions as a spreadsheet (CSV or XLSX) for organisations without LHÉO software: a template with explained
French headers, the current sessions in the same format (they upload back unchanged), and an upload that checks
every row, says what is wrong where, previews, and writes everything or nothing."""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from openpyxl import load_workbook

from catalogue.choices import RecruitmentState
from catalogue.models import Action
from core.dates import impossible_date_message
from core.spreadsheets import Sheet, cell_restored, csv_bytes, xlsx_bytes
from sessions.models import TrainingSession, session_errors
from sessions.services import session_save

from .upload_safety import Deadline, UnsafeFile, check_zip, spreadsheet_kind

# (header, explanation), in the order of the columns.
COLUMNS = [
    ("identifiant session", "Laissez vide pour une nouvelle session ; sinon ne le modifiez pas."),
    ("identifiant action", "Identifiant de l'action (voir votre espace), obligatoire."),
    ("intitulé", "Pour vous repérer : cette colonne n'est pas lue."),
    ("date de début", "JJ/MM/AAAA ; vide si inconnue."),
    ("date de fin", "JJ/MM/AAAA ; vide si inconnue."),
    ("ouverture des inscriptions", "JJ/MM/AAAA ; facultatif."),
    ("clôture des inscriptions", "JJ/MM/AAAA ; facultatif, au plus tard le jour du début."),
    ("état du recrutement", "ouvert, fermé ou suspendu."),
    ("entrées permanentes", "oui ou non."),
    ("nombre de places", "Nombre entier ; facultatif."),
    ("places restantes", "Nombre entier entre 0 et le nombre de places ; facultatif."),
    ("à distance", "oui si la session a lieu entièrement à distance, sinon non."),
    ("lieu", "Adresse exacte d'un lieu de l'action (voir la fiche de l'action) ; vide si à distance."),
    ("publiée", "oui ou non."),
]
HEADERS = [name for name, _ in COLUMNS]
STATES = {
    "ouvert": RecruitmentState.OPEN,
    "fermé": RecruitmentState.CLOSED,
    "ferme": RecruitmentState.CLOSED,
    "suspendu": RecruitmentState.SUSPENDED,
}
STATE_NAMES = {
    RecruitmentState.OPEN: "ouvert",
    RecruitmentState.CLOSED: "fermé",
    RecruitmentState.SUSPENDED: "suspendu",
}
MAX_ROWS = 5000
# The column where each session rule's message is reported.
RULE_COLUMNS = {
    "start_date": "date de début",
    "end_date": "date de fin",
    "registration_closes": "clôture des inscriptions",
    "places_left": "places restantes",
    "place": "lieu",
}


def yes_no(value: bool) -> str:
    return "oui" if value else "non"


def french_date(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def current_rows(organism) -> list[list[str]]:
    sessions = (
        TrainingSession.objects.for_organism(organism)
        .select_related("action__formation", "place__commune")
        .order_by("action__formation__title", "start_date", "pk")
    )
    return [
        [
            s.public_id,
            s.action.public_id,
            s.action.formation.title,
            french_date(s.start_date),
            french_date(s.end_date),
            french_date(s.registration_opens),
            french_date(s.registration_closes),
            STATE_NAMES[s.recruitment_state],
            yes_no(s.rolling_entry),
            "" if s.capacity is None else str(s.capacity),
            "" if s.places_left is None else str(s.places_left),
            yes_no(s.is_remote),
            place_label(s.place) if s.place else "",
            yes_no(s.is_published),
        ]
        for s in sessions
    ]


def place_label(place) -> str:
    return f"{place.street}, {place.postcode} {place.commune.name}"


def to_csv(rows: list[list[str]]) -> bytes:
    return csv_bytes([HEADERS, *rows])


def to_xlsx(rows: list[list[str]]) -> bytes:
    return xlsx_bytes(
        [
            Sheet("Sessions", [HEADERS, *rows], column_width=22, columns=len(HEADERS)),
            Sheet("Explications", [["Colonne", "Ce qu'elle contient"], *COLUMNS]),
        ]
    )


class FileError(Exception):
    """The file as a whole cannot be read: wrong format, encoding or delimiter."""


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Rows of cells (strings) after the header, which must be the template's. The reader is chosen by extension
    and content together, an XLSX archive is checked before it is opened, and reading stops at the row limit plus
    one or when the time budget is spent (exchange/upload_safety.py)."""
    deadline = Deadline()
    try:
        kind = spreadsheet_kind(data, filename)
        if kind == "xlsx":
            check_zip(data)
            table = xlsx_table(data, deadline)
        else:
            table = csv_table(data, deadline)
    except UnsafeFile as error:
        raise FileError(str(error)) from error
    if not table:
        raise FileError("Le fichier est vide.")
    header = [str(cell).strip().lower() for cell in table[0]][: len(HEADERS)]
    if header != HEADERS:
        if len(table[0]) == 1 and any(sep in str(table[0][0]) for sep in (",", "\t", "|")):
            raise FileError(
                "Séparateur non reconnu : les colonnes doivent être séparées par des points-virgules (;), comme dans le modèle."
            )
        missing = [name for name in HEADERS if name not in header]
        raise FileError(
            "La première ligne doit reprendre les colonnes du modèle, dans l'ordre"
            + (f" ; absentes ou mal nommées : {', '.join(missing)}" if missing else "")
            + "."
        )
    if len(table) - 1 > MAX_ROWS:
        raise FileError(f"Plus de {MAX_ROWS} lignes : {MAX_ROWS} au plus par fichier.")
    return [
        [cell_restored(str(cell).strip()).strip() for cell in row[: len(HEADERS)]] + [""] * (len(HEADERS) - len(row))
        for row in table[1:]
    ]


def kept_rows(rows, deadline: Deadline) -> list[list]:
    """The non-empty rows, at most the header and MAX_ROWS + 1 rows: one more than allowed is enough to refuse."""
    table = []
    for number, row in enumerate(rows):
        if number % 200 == 0:
            deadline.check()
        if any(str(cell).strip() for cell in row):
            table.append(row)
            if len(table) > MAX_ROWS + 1:
                break
    return table


def xlsx_table(data: bytes, deadline: Deadline) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise FileError("Ce fichier XLSX est illisible : enregistrez-le à nouveau depuis votre tableur.") from error
    try:
        sheet = workbook.worksheets[0]
        rows = (
            ["" if cell is None else cell_text(cell) for cell in row]
            for row in sheet.iter_rows(max_col=len(HEADERS), values_only=True)
        )
        return kept_rows(rows, deadline)
    except UnsafeFile:
        raise
    except Exception as error:
        raise FileError("Ce fichier XLSX est illisible : enregistrez-le à nouveau depuis votre tableur.") from error
    finally:
        workbook.close()


def csv_table(data: bytes, deadline: Deadline) -> list[list[str]]:
    text = None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or "\x00" in text:
        raise FileError(
            "Encodage non reconnu : enregistrez le fichier au format « CSV UTF-8 (délimité par des "
            "points-virgules) » depuis votre tableur."
        )
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first_line else "," if "," in first_line else "\t" if "\t" in first_line else ";"
    try:
        return kept_rows(csv.reader(io.StringIO(text), delimiter=delimiter), deadline)
    except csv.Error as error:
        raise FileError(f"Ce fichier CSV est mal formé : {error}.") from error


def cell_text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass
class RowError:
    line: int
    column: str
    message: str

    def __str__(self):
        return f"ligne {self.line}, colonne « {self.column} » : {self.message}"


@dataclass
class UploadReport:
    errors: list[RowError] = field(default_factory=list)
    file_error: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.file_error


def parse_date(text: str, line: int, column: str, errors: list) -> date | None:
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    message = impossible_date_message(text) or f"« {text} » n'est pas une date au format JJ/MM/AAAA."
    errors.append(RowError(line, column, message))
    return None


def parse_bool(text: str, line: int, column: str, errors: list) -> bool:
    value = text.lower()
    if value in ("oui", "o", "1", "vrai", "x"):
        return True
    if value in ("non", "n", "0", "faux", ""):
        return False
    errors.append(RowError(line, column, f"« {text} » : écrivez oui ou non."))
    return False


def parse_int(text: str, line: int, column: str, errors: list) -> int | None:
    if not text:
        return None
    if not text.isdigit():
        errors.append(RowError(line, column, f"« {text} » n'est pas un nombre entier positif."))
        return None
    return int(text)


def upload_sessions(data: bytes, filename: str, *, organism, by, commit: bool) -> UploadReport:
    report = UploadReport()
    try:
        table = read_table(data, filename)
    except FileError as error:
        report.file_error = str(error)
        return report

    actions = {
        a.public_id: a for a in Action.objects.for_organism(organism).prefetch_related("training_places__commune")
    }
    sessions = {s.public_id: s for s in TrainingSession.objects.for_organism(organism)}
    planned = []
    for index, row in enumerate(table, start=2):
        errors: list[RowError] = []
        cells = dict(zip(HEADERS, row, strict=False))
        action = actions.get(cells["identifiant action"])
        if action is None:
            errors.append(
                RowError(
                    index,
                    "identifiant action",
                    f"« {cells['identifiant action']} » n'est pas une action de votre organisme.",
                )
            )
        session = None
        if cells["identifiant session"]:
            session = sessions.get(cells["identifiant session"])
            if session is None:
                errors.append(
                    RowError(
                        index,
                        "identifiant session",
                        "Session inconnue dans votre organisme : laissez vide pour en créer une.",
                    )
                )
            elif action is not None and session.action_id != action.pk:
                errors.append(RowError(index, "identifiant action", "Cette session appartient à une autre action."))
        start = parse_date(cells["date de début"], index, "date de début", errors)
        end = parse_date(cells["date de fin"], index, "date de fin", errors)
        opens = parse_date(cells["ouverture des inscriptions"], index, "ouverture des inscriptions", errors)
        closes = parse_date(cells["clôture des inscriptions"], index, "clôture des inscriptions", errors)
        state = STATES.get(cells["état du recrutement"].lower() or "ouvert")
        if state is None:
            errors.append(
                RowError(
                    index,
                    "état du recrutement",
                    f"« {cells['état du recrutement']} » : écrivez ouvert, fermé ou suspendu.",
                )
            )
        capacity = parse_int(cells["nombre de places"], index, "nombre de places", errors)
        left = parse_int(cells["places restantes"], index, "places restantes", errors)
        remote = parse_bool(cells["à distance"], index, "à distance", errors)
        place = None
        if not remote and action is not None:
            label = cells["lieu"]
            place = next((p for p in action.training_places.all() if place_label(p).lower() == label.lower()), None)
            if place is None:
                known = (
                    " ; ".join(place_label(p) for p in action.training_places.all())
                    or "aucun lieu : indiquez « oui » dans « à distance »"
                )
                errors.append(RowError(index, "lieu", f"« {label} » n'est pas un lieu de cette action ({known})."))
        values = {
            "start_date": start,
            "end_date": end,
            "registration_opens": opens,
            "registration_closes": closes,
            "recruitment_state": state or RecruitmentState.OPEN,
            "rolling_entry": parse_bool(cells["entrées permanentes"], index, "entrées permanentes", errors),
            "capacity": capacity,
            "places_left": left,
            "is_remote": remote,
            "place": place,
            "is_published": parse_bool(cells["publiée"] or "oui", index, "publiée", errors),
        }
        # The session's rules are the model's (sessions.models.session_errors), as for the web form and LHÉO;
        # a column whose cell could not be read is not checked again.
        columns_in_error = {error.column for error in errors}
        for name, message in session_errors(**values, has_place=place is not None).items():
            column = RULE_COLUMNS[name]
            if column not in columns_in_error and not (name == "place" and action is None):
                errors.append(RowError(index, column, message))
        report.errors.extend(errors)
        if not errors:
            planned.append((session, action, values))
    if report.errors:
        return report
    for session, _, values in planned:
        if session is None:
            report.created += 1
        elif any(getattr(session, name) != value for name, value in values.items()):
            report.updated += 1
        else:
            report.unchanged += 1
    if commit:
        with transaction.atomic():
            for session, action, values in planned:
                if session is None:
                    session_save(session=TrainingSession(action=action), data=values, by=by, organism=organism)
                elif any(getattr(session, name) != value for name, value in values.items()):
                    session_save(session=session, data=values, by=by, organism=organism)
        report.written = True
    return report
