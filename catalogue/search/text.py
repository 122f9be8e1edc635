"""Text search: accent-folded documents, a lexicon for misspellings, and the query for each engine.

PostgreSQL: a French, unaccented text-search configuration over a weighted document (title and job titles first)
stored in a generated, GIN-indexed column (migration catalogue 0003), ranked with ts_rank; misspelt words are corrected against the lexicon
with trigram similarity. SQLite: accent-folded word matching, corrections with difflib, titles ranked first.
"""

import difflib
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.db import connections
from django.db.models import Case, IntegerField, Q, Value, When

from catalogue.models import Action, SearchSynonym, SearchWord

WORD = re.compile(r"[a-z0-9]+")
ROME_CODE = re.compile(r"^[a-n][0-9]{4}$")  # a ROME job code as typed, folded ("m1861")
# Matches of every word of the query as a whole word rank above matches through a prefix ("git" before "gite").
WHOLE_WORD_BONUS = 1.0
SHORT_WORD = 3  # letters: such a word counts as whole only as typed, not through its stem
# Actions of a ROME code typed in the query rank first.
ROME_CODE_BONUS = 2.0
HYPHENATED = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE"})
MIN_LEXICON_WORD = 3
MAX_QUERY_WORDS = 8
# Lexicon words a query word may extend and still count as known (plurals, feminine forms: "formations").
KNOWN_SUFFIX = 2


def fold(text: str) -> str:
    """Lower case, no accents, ligatures spelt out: "Développeur Œnologie" -> "developpeur oenologie"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).lower()


def simplify(name: str) -> str:
    """A place name as people type it: folded, hyphens and apostrophes as spaces ("Saint-Maur" and "saint maur"
    compare equal). Stored as `Commune.search_name`."""
    return " ".join(re.split(r"[\s'\u2019-]+", fold(name))).strip()


def with_glued_variants(folded: str) -> str:
    """Adds the glued form of hyphenated words, so that "expertcomptable" finds "expert-comptable"."""
    glued = {match.replace("-", "") for match in HYPHENATED.findall(folded)}
    return folded + (" " + " ".join(sorted(glued)) if glued else "")


def document_fields(
    *,
    title: str,
    job_titles: Iterable[str],
    organism_names: Iterable[str],
    body: Iterable[str],
    folding: Callable[[str], str] = fold,
):
    """The two search fields of an action, folded: what it is called, then everything else about it. Each part is
    folded apart (the same as folding the whole), so that a caller writing many documents may pass a cached fold."""
    return {
        "search_title": with_glued_variants(" ; ".join(map(folding, [title, *job_titles]))),
        "search_body": with_glued_variants(" ; ".join(map(folding, [*organism_names, *body]))),
    }


def query_words(q: str) -> list[str]:
    return WORD.findall(fold(q))[:MAX_QUERY_WORDS]


def lexicon_words(texts: Iterable[str]) -> set[str]:
    return {word for text in texts for word in WORD.findall(text) if MIN_LEXICON_WORD <= len(word) <= 60}


def lexicon_add(texts: Iterable[str]) -> None:
    """Adds the words of these documents to the lexicon (existing words are left alone). No look-up first: on a
    lexicon of 100,000 words, `word IN (thousands of words)` cost seconds a call; a conflict costs an index probe."""
    words = lexicon_words(texts)
    SearchWord.objects.bulk_create([SearchWord(word=w) for w in sorted(words)], batch_size=2000, ignore_conflicts=True)


@dataclass(frozen=True)
class TextMatches:
    """Actions matching a text query, best first, with their relevance and the corrections applied."""

    ranks: dict[int, float]
    corrections: dict[str, list[str]]
    synonyms: dict[str, list[str]] = field(default_factory=dict)  # query word -> equivalents used


# Synonyms ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Synonyms:
    """The synonym list as the search uses it: folded word -> folded equivalents (each one or more words)."""

    equivalents: dict[str, tuple[str, ...]]

    @cached_property
    def token(self) -> tuple:
        """What the text cache keys on, so that an edited list gives new answers."""
        return tuple(sorted(self.equivalents.items()))


def synonyms_from_rows(rows: Iterable[tuple[str, str]]) -> Synonyms:
    equivalents = {}
    for word, lines in rows:
        words = query_words(word)
        found = tuple(dict.fromkeys(" ".join(WORD.findall(fold(line))) for line in lines.splitlines()))
        if len(words) == 1 and any(found):
            equivalents[words[0]] = tuple(line for line in found if line and line != words[0])
    return Synonyms(equivalents)


_synonyms: dict[str, tuple[float, Synonyms]] = {}
_synonyms_lock = threading.Lock()


def current_synonyms(*, using: str = "default") -> Synonyms:
    """The synonym list, read again at most every SEARCH_SYNONYMS_SECONDS by each process (one small query): an
    edit by region staff reaches every web process within that delay, and a search costs no query for it."""
    now = time.monotonic()
    with _synonyms_lock:
        cached = _synonyms.get(using)
        if cached is not None and now - cached[0] < settings.SEARCH_SYNONYMS_SECONDS:
            return cached[1]
    synonyms = synonyms_from_rows(SearchSynonym.objects.using(using).values_list("word", "equivalents"))
    with _synonyms_lock:
        _synonyms[using] = (now, synonyms)
    return synonyms


def forget_synonyms() -> None:
    """Reads the list again at the next search (tests, and the admin's own process after an edit)."""
    with _synonyms_lock:
        _synonyms.clear()


def is_known(word: str, lexicon_word: str) -> bool:
    """The start of a lexicon word, or a lexicon word with at most KNOWN_SUFFIX more letters."""
    return lexicon_word.startswith(word) or (
        word.startswith(lexicon_word) and len(lexicon_word) >= len(word) - KNOWN_SUFFIX
    )


def corrections_for(words: list[str], *, using: str = "default") -> dict[str, list[str]]:
    """Lexicon words close to each query word that is not itself (the start of) a lexicon word."""
    long_enough = [w for w in words if len(w) >= 4 and not w.isdigit()]
    if not long_enough:
        return {}
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT q.w, c.word
                FROM unnest(%s::text[]) AS q(w)
                CROSS JOIN LATERAL (
                    SELECT word FROM catalogue_searchword
                    WHERE word %% q.w
                      AND NOT EXISTS (
                          SELECT 1 FROM catalogue_searchword e
                          WHERE e.word LIKE q.w || '%%'
                             OR (q.w LIKE e.word || '%%' AND length(e.word) >= length(q.w) - %s)
                      )
                    ORDER BY similarity(word, q.w) DESC, word
                    LIMIT 2
                ) AS c
                """,
                [long_enough, KNOWN_SUFFIX],
            )
            found: dict[str, list[str]] = {}
            for word, correction in cursor.fetchall():
                found.setdefault(word, []).append(correction)
            return found
    lexicon = list(SearchWord.objects.using(using).values_list("word", flat=True))
    found = {}
    for word in long_enough:
        if any(is_known(word, candidate) for candidate in lexicon):
            continue
        close = difflib.get_close_matches(word, lexicon, n=2, cutoff=0.8)
        if close:
            found[word] = close
    return found


def rome_code_actions(words: list[str], *, using: str = "default") -> dict[str, set[int]]:
    """The published actions of each ROME code typed ("m1861" -> the actions of formations with code M1861)."""
    codes = [word for word in words if ROME_CODE.match(word)]
    if not codes:
        return {}
    found: dict[str, set[int]] = {code: set() for code in codes}
    rows = (
        Action.objects.using(using)
        .filter(is_published=True, formation__rome_codes__code__in=[code.upper() for code in codes])
        .values_list("formation__rome_codes__code", "id")
    )
    for code, pk in rows:
        found[code.lower()].add(pk)
    return found


def text_matches(q: str, *, using: str = "default", synonyms: Synonyms | None = None) -> TextMatches | None:
    """Published actions whose document has every word of the query, or a correction or an equivalent of it (a ROME
    code typed matches the actions of its formations); None if no word. Matches of the words as whole words rank
    above matches through a prefix only."""
    words = query_words(q)
    if not words:
        return None
    synonyms = synonyms or Synonyms({})
    equivalents = {word: list(synonyms.equivalents[word]) for word in words if word in synonyms.equivalents}
    by_code = rome_code_actions(words, using=using)
    text_words = [word for word in words if word not in by_code]
    corrections = corrections_for([w for w in text_words if w not in equivalents], using=using)
    alternatives = [[word, *corrections.get(word, []), *equivalents.get(word, [])] for word in text_words]
    ranks = _document_matches(alternatives, using=using) if alternatives else None
    for actions in by_code.values():
        if ranks is None:
            ranks = dict.fromkeys(actions, ROME_CODE_BONUS)
        else:
            ranks = {pk: rank + ROME_CODE_BONUS for pk, rank in ranks.items() if pk in actions}
    return TextMatches(ranks=ranks or {}, corrections=corrections, synonyms=equivalents)


def _tsquery(alternatives: list[list[str]], *, prefix: bool) -> str:
    """Every word (any of its alternatives; an alternative of several words needs all of them)."""
    suffix = ":*" if prefix else ""
    return " & ".join(
        "(" + " | ".join("(" + " & ".join(f"{w}{suffix}" for w in alt.split()) + ")" for alt in alts) + ")"
        for alts in alternatives
    )


def _document_matches(alternatives: list[list[str]], *, using: str) -> dict[int, float]:
    connection = connections[using]
    if connection.vendor == "postgresql":
        # A short word's stem is shared by unrelated words ("gîtes" stems to "git"): it counts as whole only where
        # the documents have it as it was typed (a regular expression, on the rows found only).
        short = [r"\m(" + "|".join(alt for alt in alts) + r")\M" for alts in alternatives if len(alts[0]) <= SHORT_WORD]
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT id, ts_rank(search_vector, query)
                       + CASE WHEN search_vector @@ whole
                               AND (search_title || ' ' || search_body) ~ ALL(%s::text[]) THEN %s ELSE 0 END
                FROM catalogue_action, to_tsquery('french_unaccent', %s) AS query,
                     to_tsquery('french_unaccent', %s) AS whole
                WHERE is_published AND search_vector @@ query
                """,
                [short, WHOLE_WORD_BONUS, _tsquery(alternatives, prefix=True), _tsquery(alternatives, prefix=False)],
            )
            return dict(cursor.fetchall())
    condition = Q()
    title_hits = []
    for alts in alternatives:
        any_alt = Q()
        for alt in alts:
            any_alt |= Q(search_title__contains=alt) | Q(search_body__contains=alt)
            title_hits.append(When(search_title__contains=alt, then=Value(1)))
        condition &= any_alt
    rows = (
        Action.objects.using(using)
        .filter(condition, is_published=True)
        .annotate(title_score=Case(*title_hits, default=Value(0), output_field=IntegerField()))
        .values_list("id", "title_score", "search_title", "search_body")
    )
    ranks = {}
    for pk, score, title, body in rows:
        words = set(WORD.findall(title)) | set(WORD.findall(body))
        whole = all(any(set(alt.split()) <= words for alt in alts) for alts in alternatives)
        ranks[pk] = float(score) + (WHOLE_WORD_BONUS if whole else 0.0)
    return ranks


def accented_corrections(text: TextMatches | None, action_ids: list[int], *, using: str = "default") -> dict:
    """The corrections applied, as readers spell them: "developeur" -> ["développeur"], each correction written as
    the trainings found write it (their titles, objectives and contents; one query, only when a word was corrected),
    else as folded."""
    if text is None or not text.corrections:
        return {}
    wanted = {correction for found in text.corrections.values() for correction in found}
    spelt: dict[str, str] = {}
    rows = (
        Action.objects.using(using)
        .filter(pk__in=action_ids[:20])
        .values_list("formation__title", "formation__objectives", "formation__content")
    )
    for texts in rows:
        for word in re.findall(r"\w+", " ".join(texts)):
            folded = fold(word)
            if folded in wanted and folded not in spelt:
                spelt[folded] = word.lower()
    return {word: [spelt.get(c, c) for c in found] for word, found in text.corrections.items()}
