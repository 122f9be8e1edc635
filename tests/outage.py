"""A real mail server outage for tests: Django's SMTP backend pointed at a local port that refuses connections."""

import socket
from contextlib import contextmanager

from django.test import override_settings


@contextmanager
def smtp_outage():
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))  # bound and never listening: every connection to it is refused
        port = placeholder.getsockname()[1]
        smtp = {"host": "127.0.0.1", "port": port, "timeout": 5}
        with override_settings(
            MAILERS={"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": smtp}}
        ):
            yield port


def mail_failures(caplog) -> list:
    """The logged failures to send an email, each with the error the mail server's absence raised."""
    return [record for record in caplog.records if record.name == "core.mail" and record.levelname == "ERROR"]
