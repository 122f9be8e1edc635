from django.apps import AppConfig
from django.db.models.signals import post_migrate

from .search.triggers import ensure_sqlite_triggers


class CatalogueConfig(AppConfig):
    name = "catalogue"
    verbose_name = "Catalogue"

    def ready(self):
        post_migrate.connect(ensure_sqlite_triggers, sender=self, dispatch_uid="catalogue_sqlite_search_triggers")
