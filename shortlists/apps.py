from django.apps import AppConfig


class ShortlistsConfig(AppConfig):
    name = "shortlists"
    verbose_name = "Favoris, recherches enregistrées et sélections"
