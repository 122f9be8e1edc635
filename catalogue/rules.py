"""Catalogue rules, each defined once, its forms side by side: the Python predicate, the queryset expression and the
numpy mask of the search index. `tests/catalogue/test_rules.py` runs one table of cases through all of them.

An action's label is active on a day when it is granted and that day falls within its validity (an open end never
expires). Labels granted or later withdrawn are the ones whose sessions report results (programme evaluation).
"""

from collections.abc import Iterable
from datetime import date

import numpy as np
from django.db.models import Q

from .choices import Funder

# The label states, as stored (catalogue.models.ActionLabel.State): written here to keep this module free of models.
GRANTED = "granted"
WITHDRAWN = "withdrawn"
# Labels whose sessions' results are asked for and counted: granted, or granted then withdrawn.
EVALUATED_STATES = (GRANTED, WITHDRAWN)

# Day ordinals in the index's label columns: no start / no granted label, and an open end.
NOT_GRANTED = np.iinfo(np.int32).max
OPEN_END = np.iinfo(np.int32).max


def label_is_active(*, state: str, valid_from: date | None, valid_until: date | None, today: date) -> bool:
    return (
        state == GRANTED
        and valid_from is not None
        and valid_from <= today
        and (valid_until is None or valid_until >= today)
    )


def active_label_q(today: date, *, prefix: str = "", programme=None) -> Q:
    """`prefix` reaches the label from another model ("labels__" from an action)."""
    q = Q(**{f"{prefix}state": GRANTED, f"{prefix}valid_from__lte": today}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})
    )
    if programme is not None:
        q &= Q(**{f"{prefix}programme": programme})
    return q


def active_label_mask(valid_from: np.ndarray, valid_until: np.ndarray, today: int) -> np.ndarray:
    """Over the index's granted labels: `valid_from` is NOT_GRANTED where no label was granted, `valid_until` is
    OPEN_END for an open end."""
    return (valid_from <= today) & (valid_until >= today)


# Free for jobseekers, read from LHÉO (which has no such element): the training's costs may be covered
# (`prise-en-charge-frais-possible` = 1) and one of its funders (`organisme-financeur`) buys places for jobseekers: the
# Region (2), France Travail (4) or the State's employment ministry (11). A portal extra stating it, where present,
# says it instead (exchange.lheo_reader).
JOBSEEKER_FUNDERS = frozenset({Funder.REGION.value, Funder.FRANCE_TRAVAIL.value, Funder.STATE_EMPLOYMENT.value})


def free_for_jobseekers_from_lheo(*, costs_covered: bool, funder_codes: Iterable[str]) -> bool:
    return costs_covered and any(code in JOBSEEKER_FUNDERS for code in funder_codes)
