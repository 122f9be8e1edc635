from django.apps import AppConfig


class TrainingSessionsConfig(AppConfig):
    # The label must not be "sessions": django.contrib.sessions owns it. Fixed before the first
    # migration because it goes into table names, migrations and permissions (docs/adr/0001).
    name = "sessions"
    label = "training_sessions"
    verbose_name = "Sessions de formation"
