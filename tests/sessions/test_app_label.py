from django.apps import apps


def test_sessions_app_label_is_pinned():
    """The label is in table names, migrations and permissions: it must never change (ADR 0001)."""
    assert apps.get_app_config("training_sessions").name == "sessions"
    assert apps.get_model("training_sessions", "TrainingSession")._meta.db_table == "training_sessions_trainingsession"
    assert apps.get_app_config("sessions").name == "django.contrib.sessions"
