from django.apps import AppConfig


class RegionConfig(AppConfig):
    name = "region"
    verbose_name = "Back-office de la Région"
