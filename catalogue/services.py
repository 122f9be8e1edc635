"""Writes that span models (STYLE: services own them; keyword-only arguments)."""

from collections.abc import Iterable

from .models import Action
from .search.text import document_fields, lexicon_add


def search_documents_refresh(*, action_ids: Iterable[int] | None = None, batch_size: int = 1000) -> int:
    """Rewrites the search documents of these actions (all when None) and adds their words to the lexicon.

    Call it after any change to an action's formation (title, objectives, content, ROME codes) or organisation
    name. Returns the number of actions rewritten.
    """
    actions = Action.objects.select_related("formation__organism").prefetch_related("formation__rome_codes")
    if action_ids is not None:
        actions = actions.filter(pk__in=list(action_ids))
    changed, texts, count = [], set(), 0
    for action in actions.order_by("pk").iterator(chunk_size=batch_size):
        fields = action_document(action)
        texts.update(fields.values())
        count += 1
        if any(getattr(action, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(action, name, value)
            changed.append(action)
        if len(changed) >= batch_size:
            Action.objects.bulk_update(changed, ["search_title", "search_body"])
            changed = []
    if changed:
        Action.objects.bulk_update(changed, ["search_title", "search_body"])
    lexicon_add(texts)
    return count


def action_document(action: Action) -> dict[str, str]:
    formation = action.formation
    organism = formation.organism
    return document_fields(
        title=formation.title,
        job_titles=[rome.label for rome in formation.rome_codes.all()],
        organism_names=[organism.usual_name],
        body=[
            formation.objectives,
            formation.content,
            formation.expected_results,
            formation.certification_code,
            action.entry_requirements,
            action.get_english_sector_display() if action.english_sector else "",
        ],
    )
