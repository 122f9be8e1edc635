"""The portal's own emails: rendered from a pair of templates, sent after commit (core.mail)."""

import pytest
from django.core import mail
from django.db import transaction

from core.mail import mail_on_commit, mail_render, mail_send
from tests.organisms.factories import OrganismFactory
from tests.outage import smtp_outage


def decision(organism, to):
    context = {"organism": organism, "told_as": "validé", "reason": "", "visible": True, "hidden": False}
    return mail_render("organisms/email/decision", context | {"portal_url": ""}, to=to)


def test_an_email_is_plain_text_with_one_subject_line_and_each_recipient_once():
    organism = OrganismFactory.build(usual_name="L'Atelier <numérique>")
    rendered = decision(organism, ["b@example.org", "", "a@example.org", "b@example.org"])
    assert rendered.to == ("a@example.org", "b@example.org")
    assert rendered.subject == "[Catalogue des formations] L'Atelier <numérique> : organisme validé"
    assert rendered.body == (
        "Bonjour,\n\nLa Région a validé l'organisme L'Atelier <numérique> sur le catalogue régional des formations.\n\n"
        "Ses sessions publiées sont désormais visibles des conseillers et du public.\n\n"
        "Le catalogue régional des formations au numérique\n"
    )


@pytest.mark.django_db(transaction=True)
def test_sent_at_commit_never_after_a_rollback_and_at_once_outside_a_transaction():
    rendered = decision(OrganismFactory.build(usual_name="Atelier"), ["a@example.org"])
    with transaction.atomic():
        mail_on_commit(rendered)
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        mail_on_commit(rendered)
        raise RuntimeError("rolled back")
    assert len(mail.outbox) == 1
    mail_on_commit(rendered)
    assert len(mail.outbox) == 2


def test_a_failed_send_answers_false_and_nothing_without_recipients(caplog):
    rendered = decision(OrganismFactory.build(usual_name="Atelier"), ["a@example.org"])
    with smtp_outage():
        assert mail_send(rendered) is False
        assert mail_send(decision(OrganismFactory.build(usual_name="Atelier"), [""])) is True  # nobody to write to
    assert [record.levelname for record in caplog.records if record.name == "core.mail"] == ["ERROR"]
    assert mail_send(rendered) is True and len(mail.outbox) == 1
