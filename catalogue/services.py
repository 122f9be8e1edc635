"""Writes that span models (STYLE: services own them; keyword-only arguments)."""

from collections.abc import Iterable

from django.utils import timezone

from core.audit import audit_record, audited_save, snapshot, stored_snapshot
from core.models import AuditEntry

from .decisions import NO_LABEL, LabelDecision, label_transition
from .models import Action, ActionAudience, ActionFunder, ActionLabel
from .search.text import document_fields, fold, lexicon_add


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


def action_document(action: Action, *, job_titles: list[str] | None = None, folding=fold) -> dict[str, str]:
    """The search fields of an action; `job_titles` when the caller already has them (else read); `folding` a
    cached fold for callers writing many documents."""
    formation = action.formation
    organism = formation.organism
    return document_fields(
        title=formation.title,
        job_titles=job_titles if job_titles is not None else [rome.label for rome in formation.rome_codes.all()],
        organism_names=[organism.usual_name],
        body=[
            formation.objectives,
            formation.content,
            formation.expected_results,
            formation.certification_code,
            action.entry_requirements,
            action.get_english_sector_display() if action.english_sector else "",
        ],
        folding=folding,
    )


def formation_save(*, formation, data: dict, rome_codes=None, by) -> None:
    """Creates or updates a formation of `formation.organism`; its actions' search documents follow."""
    before = stored_snapshot(formation)
    for name, value in data.items():
        setattr(formation, name, value)
    audited_save(formation, by=by, before=before, organism=formation.organism)
    if rome_codes is not None:
        previous = sorted(formation.rome_codes.values_list("code", flat=True))
        formation.rome_codes.set(rome_codes)
        current = sorted(code.code for code in rome_codes)
        if previous != current and before:
            audit_record(
                actor=by,
                verb=AuditEntry.Verb.UPDATE,
                obj=formation,
                organism=formation.organism,
                changes={"rome_codes": [previous, current]},
            )
    search_documents_refresh(action_ids=list(formation.actions.values_list("pk", flat=True)))


def action_save(*, action, data: dict, audiences=None, funders=None, by) -> None:
    """Creates or updates an action; audiences and funders (lists of codes) replace the current ones."""

    before = stored_snapshot(action)
    for name, value in data.items():
        setattr(action, name, value)
    organism = action.formation.organism
    audited_save(action, by=by, before=before, organism=organism)
    for model, codes, label in ((ActionAudience, audiences, "audiences"), (ActionFunder, funders, "funders")):
        if codes is None:
            continue
        previous = sorted(model.objects.filter(action=action).values_list("code", flat=True))
        if previous != sorted(codes):
            model.objects.filter(action=action).exclude(code__in=codes).delete()
            model.objects.bulk_create([model(action=action, code=code) for code in sorted(set(codes) - set(previous))])
            if before:
                audit_record(
                    actor=by,
                    verb=AuditEntry.Verb.UPDATE,
                    obj=action,
                    organism=organism,
                    changes={label: [previous, sorted(codes)]},
                )
    search_documents_refresh(action_ids=[action.pk])


def action_set_published(*, action, published: bool, by) -> None:
    before = snapshot(action)
    action.is_published = published
    audited_save(action, by=by, before=before, organism=action.formation.organism)


def place_add(*, place, by) -> None:
    audited_save(place, by=by, before={}, organism=place.action.formation.organism)


def label_decide(
    *,
    action,
    programme,
    decision: str,
    by,
    reason: str = "",
    justification: str = "",
    valid_from=None,
    valid_until=None,
    checks=(),
):
    """Takes a decision on the action's label under the programme, as `catalogue.decisions` allows: the
    organisation's request (with its justification), staff's grant (with validity dates) or refusal of it, the
    withdrawal of a granted label, or staff's direct labelling. A grant needs the organisation approved and the
    programme's required criteria among `checks`. Audited; the decision's reason goes to the organisation."""

    label = ActionLabel.objects.filter(action=action, programme=programme).first()
    organism = action.formation.organism
    transition = label_transition(
        state=label.state if label else NO_LABEL,
        decision=decision,
        programme_name=programme.name,
        reason=reason,
        organism_state=organism.approval_state,
        organism_state_label=organism.get_approval_state_display(),
        required_checks=programme.required_checks,
        checks=checks,
    )
    label = label or ActionLabel(action=action, programme=programme)
    before = snapshot(label) if label.pk else {}
    label.state = transition.target
    if decision == LabelDecision.REQUEST:
        label.justification = justification
        label.requested_at = timezone.now()
        label.decided_at = label.decided_by = label.valid_from = label.valid_until = None
        label.decision_reason = ""
        verb, reason, extra = AuditEntry.Verb.CREATE, justification, None
    else:
        if transition.target == ActionLabel.State.GRANTED:
            label.valid_from, label.valid_until = valid_from, valid_until
        elif transition.target == ActionLabel.State.WITHDRAWN:
            label.valid_until = timezone.localdate()
        label.decision_reason = reason
        label.decided_at, label.decided_by = timezone.now(), by
        verb, extra = AuditEntry.Verb.DECISION, {"criteres_verifies": [None, list(checks)]}
    audited_save(
        label,
        by=by,
        before=before,
        organism=action.formation.organism,
        verb=verb,
        reason=reason,
        extra_changes=extra,
    )
    return label


def label_request(*, action, programme, justification: str, by):
    """An organisation asks for a label; a refused or withdrawn label may be asked again."""
    return label_decide(
        action=action, programme=programme, decision=LabelDecision.REQUEST, justification=justification, by=by
    )


def label_grant_direct(*, action, programme, valid_from, valid_until, by, reason: str = "", checks=()):
    """Staff label an action without a request from its organisation (the same conditions as a grant)."""
    return label_decide(
        action=action,
        programme=programme,
        decision=LabelDecision.LABEL_DIRECTLY,
        by=by,
        reason=reason,
        valid_from=valid_from,
        valid_until=valid_until,
        checks=checks,
    )


def programme_save(*, programme, data: dict, by):
    before = stored_snapshot(programme)
    for name, value in data.items():
        setattr(programme, name, value)
    audited_save(programme, by=by, before=before, organism=None)
    return programme
