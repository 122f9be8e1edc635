"""LHÉO import (2.2 and 2.3), in two passes over the file (ADR 0005, ADR 0010).

1. Check: the file before parsing (size, encoding, hostile declarations), then every formation, action and session
   on its own (official schema when configured, then the portal's rules: exchange.lheo_reader), each problem with
   its line, element path and record `numero`.
2. Write (exchange.lheo_writer), with one of two policies:
   - an organisation's own upload is all or nothing: one problem and nothing is written (one transaction);
   - a feed (Carif-Oref, national body, an organisation's tool) is written record by record: valid records are
     written and invalid ones skipped and reported, unless more than `max_rejected_percent` of its sessions are
     invalid, when nothing is written (the feed is broken as a whole).
   Records are matched on stable ids (the organisation's SIRET, the `numero` of formations, actions and sessions),
   so that a second import of the same file changes nothing. What a new version no longer has is archived
   (unpublished, never deleted) and comes back when it reappears; a feed only archives the records it created.

`commit=False` is a preview: everything is checked and written inside a transaction that is rolled back, so the
counts say exactly what the import would do.
"""

import pickle
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from lxml import etree

from organisms.models import Organism

from .lheo_reader import (
    NS22,
    NS23,
    CommuneIndex,
    FormationRecord,
    Problem,
    Reader,
    Source,
    check_file,
    formation_elements,
    official_schema,
    root_version,
)
from .lheo_writer import Rejected, Writer
from .xml_errors import syntax_message

__all__ = ["NS22", "NS23", "ImportReport", "Policy", "Problem", "import_lheo", "official_schema"]

# Formations written per batch: about as many actions and a few thousand sessions, a transaction each.
BATCH_FORMATIONS = 250
# A progress report every this many sessions checked.
PROGRESS_EVERY = 1000


@dataclass(frozen=True)
class Policy:
    all_or_nothing: bool
    max_rejected_percent: float = 5.0

    @property
    def label(self) -> str:
        if self.all_or_nothing:
            return "tout ou rien"
        return f"fiche par fiche (au plus {self.max_rejected_percent:g} % de sessions invalides)"


ORGANISATION_POLICY = Policy(all_or_nothing=True)
FEED_POLICY = Policy(all_or_nothing=False, max_rejected_percent=5)


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    archived: int = 0
    rejected: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def _counts():
    return {kind: Counts() for kind in ("organismes", "formations", "actions", "sessions")}


@dataclass
class ImportReport:
    version: str = ""
    schema_checked: bool = False
    policy: Policy = FEED_POLICY
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, Counts] = field(default_factory=_counts)
    sessions_total: int = 0
    sessions_rejected: int = 0
    written: bool = False
    more_problems: int = 0  # problems found beyond the MAX_PROBLEMS kept in full
    refused: str = ""  # why nothing is written, when the file is refused as a whole
    archiving: str = ""  # what was archived, or why nothing was

    @property
    def ok(self) -> bool:
        """The file can be (or was) written."""
        return not self.refused

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.more_problems

    @property
    def rejected_percent(self) -> float:
        return 100 * self.sessions_rejected / self.sessions_total if self.sessions_total else 0.0

    def refuse(self, reason: str) -> None:
        self.refused = reason
        self.written = False

    def summary(self) -> str:
        parts = []
        for kind, c in self.counts.items():
            parts.append(
                f"{kind} : {c.created} créé(s), {c.updated} modifié(s), {c.unchanged} inchangé(s)"
                + (f", {c.archived} archivé(s)" if c.archived else "")
                + (f", {c.rejected} rejeté(s)" if c.rejected else "")
            )
        if self.refused:
            state = "refusé, rien n'est écrit"
        else:
            state = "écrit" if self.written else "simulation, rien n'est écrit"
        text = f"LHÉO {self.version or '?'} ({state}) : " + " ; ".join(parts) + f". {self.problem_count} problème(s)"
        text += f", dont {self.more_problems} non détaillé(s)." if self.more_problems else "."
        if self.sessions_rejected:
            text += f" {self.sessions_rejected} session(s) sur {self.sessions_total} rejetée(s)."
        if self.refused:
            text += f" {self.refused}"
        return text


def import_lheo(
    data: bytes | str | Path,
    *,
    organism: Organism | None = None,
    commit: bool = False,
    by=None,
    policy: Policy | None = None,
    source: str = "",
    actor_label: str = "",
    max_bytes: int | None = None,
    progress: Callable[[str, int, int | None], None] | None = None,
) -> ImportReport:
    """Imports an LHÉO file (bytes or a path); see the module's docstring.

    `organism`: the file only describes this organisation's offer. `policy`: all or nothing for an organisation's
    upload (the default when `organism` is given), record by record otherwise. `source`: the name of the feed the
    records come from (exchange.models.FeedSource), which scopes archiving. `progress(stage, done, total)` is called
    as sessions are checked ("vérification", total unknown) then written ("écriture").
    """
    policy = policy or (ORGANISATION_POLICY if organism is not None else FEED_POLICY)
    report = ImportReport(policy=policy)
    file = Source(data)
    refusal = check_file(file, max_bytes=max_bytes or settings.LHEO_IMPORT_MAX_BYTES)
    if refusal is None:
        report.version, refusal = root_version(file)
    if refusal is not None:
        report.problems.append(refusal)
        report.refuse("Le fichier est refusé avant lecture.")
        return report
    report.schema_checked = official_schema() is not None
    communes = CommuneIndex()

    with tempfile.TemporaryFile(prefix="lheo-") as spool:
        return _import(file, spool, report, policy, organism, commit, by, source, actor_label, communes, progress)


def _import(file, spool, report, policy, organism, commit, by, source, actor_label, communes, progress):
    # Pass 1: every record checked. In memory, only the problems and the keys of rejected records; the valid
    # records wait in a spool file (pickled, one formation at a time) for the second pass.
    reader = Reader(organism=organism, communes=communes)
    rejected: set[tuple] = set()

    def keep(record):
        _note_rejected(record, rejected)
        valid = record.valid_part()
        if valid is not None:
            pickle.dump(valid, spool, protocol=pickle.HIGHEST_PROTOCOL)

    if not _read(file, report, reader, progress, on_record=keep):
        return report
    report.problems.extend(reader.problems)
    report.more_problems += reader.more_problems
    total = report.sessions_total
    if total == 0 and not report.problems:
        report.refuse("Le fichier ne contient aucune session.")
        return report
    if policy.all_or_nothing and report.problems:
        report.refuse("Un fichier d'organisme est écrit en entier ou pas du tout : corrigez les problèmes signalés.")
        return report
    if report.rejected_percent > policy.max_rejected_percent or (total == 0 and report.problems):
        report.refuse(
            f"{report.rejected_percent:.1f} % des sessions sont invalides ({report.sessions_rejected} sur {total}), "
            f"au plus {policy.max_rejected_percent:g} % admis : le flux est tenu pour cassé, rien n'est écrit."
        )
        return report

    # Pass 2: the valid records written in batches; a preview or an all-or-nothing import in one transaction.
    writer = Writer(
        report=report,
        by=by,
        actor_label=actor_label,
        organism=organism,
        source=source,
        republish_actions=bool(source),
        all_or_nothing=policy.all_or_nothing,
        communes=communes,
        on_rejected=lambda unit, action, session: _note_written_rejected(unit, action, session, rejected),
    )
    one_transaction = policy.all_or_nothing or not commit
    try:
        with transaction.atomic() if one_transaction else _no_transaction():
            spool.seek(0)
            _write(spool, report, writer, progress)
            if report.problems and policy.all_or_nothing:
                raise Rejected()
            if source or organism is not None or policy.all_or_nothing:
                with transaction.atomic():
                    writer.archive(kept=lambda key: _is_kept(key, rejected))
            report.written = commit
            if not commit:
                transaction.set_rollback(True)
    except Rejected:
        report.refuse("Un fichier d'organisme est écrit en entier ou pas du tout : corrigez les problèmes signalés.")
    report.archiving = _archiving_note(source, organism, policy)
    return report


def _read(file, report, reader, progress, *, on_record) -> bool:
    checked = 0
    try:
        for position, element in formation_elements(file, report.version):
            record = reader.formation(element, position)
            report.sessions_total += record.session_count()
            report.sessions_rejected += record.rejected_sessions()
            _count_rejected(report, record)
            on_record(record)
            if progress is not None and report.sessions_total - checked >= PROGRESS_EVERY:
                checked = report.sessions_total
                progress("vérification", checked, None)
    except etree.XMLSyntaxError as error:
        report.problems.append(Problem(error.lineno or None, "", syntax_message(error)))
        report.refuse("Le fichier n'est pas un document XML bien formé : rien n'est écrit.")
        return False
    if progress is not None:
        progress("vérification", report.sessions_total, report.sessions_total)
    return True


def _count_rejected(report: ImportReport, record: FormationRecord) -> None:
    if not record.valid:
        report.counts["formations"].rejected += 1
        return
    for action in record.actions:
        if not action.valid:
            report.counts["actions"].rejected += 1
            continue
        report.counts["sessions"].rejected += sum(not session.valid for session in action.sessions)


def _spooled(spool) -> Iterator[FormationRecord]:
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def _write(spool, report, writer, progress) -> None:
    batch, written = [], 0
    if progress is not None:  # the write starts now (a background job can no longer be cancelled)
        progress("écriture", 0, report.sessions_total)
    for record in _spooled(spool):
        batch.append(record)
        if len(batch) >= BATCH_FORMATIONS:
            writer.write(batch)
            written += sum(r.session_count() for r in batch)
            batch = []
            if progress is not None:
                progress("écriture", written, report.sessions_total)
    writer.write(batch)
    if progress is not None:
        progress("écriture", report.sessions_total, report.sessions_total)


def _note_rejected(record: FormationRecord, rejected: set) -> None:
    """Keys of the records the file has but that are invalid: their last written version is kept (not archived)."""
    if not record.valid:
        rejected.add((record.siret, record.numero))
        return
    for action in record.actions:
        if not action.valid:
            rejected.add((record.siret, record.numero, action.numero))
            continue
        for session in action.sessions:
            if not session.valid:
                rejected.add((record.siret, record.numero, action.numero, session.numero))


def _note_written_rejected(unit, action, session, rejected: set) -> None:
    if action is None:
        rejected.add((unit.siret, unit.numero))
    elif session is None:
        rejected.add((unit.siret, unit.numero, action.numero))
    else:
        rejected.add((unit.siret, unit.numero, action.numero, session.numero))


def _is_kept(key: tuple, rejected: set) -> bool:
    return any(key[:n] in rejected for n in (2, 3, 4))


def _archiving_note(source: str, organism, policy: Policy) -> str:
    if source:
        return f"Les fiches du flux « {source} » absentes du fichier sont archivées (retirées de la publication)."
    if organism is not None or policy.all_or_nothing:
        return "Les sessions à venir des organismes du fichier qu'il ne contient plus sont archivées."
    return "Sans flux nommé (--source), rien n'est archivé : seules les fiches du fichier sont écrites."


class _no_transaction:
    """Each batch is its own transaction (feeds): a run stopped half-way keeps whole batches."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
