"""Text search: accent-folded documents, a lexicon for misspellings, and the query for each engine.

PostgreSQL: a French, unaccented text-search configuration over a weighted document (title and job titles first)
stored in a generated, GIN-indexed column (migration catalogue 0003), ranked with ts_rank; misspelt words are corrected against the lexicon
with trigram similarity. SQLite: accent-folded word matching, corrections with difflib, titles ranked first.
"""

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connections
from django.db.models import Case, IntegerField, Q, Value, When

from catalogue.models import Action, SearchWord

WORD = re.compile(r"[a-z0-9]+")
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


def text_matches(q: str, *, using: str = "default") -> TextMatches | None:
    """Published actions whose document has every word of the query (or a correction of it); None if no word."""
    words = query_words(q)
    if not words:
        return None
    corrections = corrections_for(words, using=using)
    alternatives = [[word, *corrections.get(word, [])] for word in words]
    connection = connections[using]
    if connection.vendor == "postgresql":
        tsquery = " & ".join("(" + " | ".join(f"{alt}:*" for alt in alts) + ")" for alts in alternatives)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT id, ts_rank(search_vector, query)
                FROM catalogue_action, to_tsquery('french_unaccent', %s) AS query
                WHERE is_published AND search_vector @@ query
                """,
                [tsquery],
            )
            return TextMatches(ranks=dict(cursor.fetchall()), corrections=corrections)
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
        .values_list("id", "title_score")
    )
    return TextMatches(ranks={pk: float(score) for pk, score in rows}, corrections=corrections)
