from django.apps import AppConfig


class OrganismsConfig(AppConfig):
    name = "organisms"
    verbose_name = "Organismes de formation"
