"""Favourites, saved searches, shortlists: every URL here is in tests/shortlists/test_permissions.py."""

from django.urls import path

from . import views

app_name = "shortlists"

urlpatterns = [
    path("mon-espace/favoris/", views.favourites, name="favourites"),
    path("mon-espace/favoris/<slug:public_id>/", views.favourite, name="favourite"),
    path("mon-espace/recherches/", views.searches, name="searches"),
    path("mon-espace/recherches/enregistrer/", views.search_save, name="search_save"),
    path("mon-espace/recherches/<slug:public_id>/", views.search_edit, name="search_edit"),
    path("mon-espace/recherches/<slug:public_id>/supprimer/", views.search_delete, name="search_delete"),
    path("alertes/desinscription/<str:token>/", views.alert_unsubscribe, name="unsubscribe"),
    path("mon-espace/selections/", views.shortlists, name="shortlists"),
    path("mon-espace/selections/nouvelle/", views.shortlist_new, name="shortlist_new"),
    path("mon-espace/selections/choisir/", views.shortlist_pick, name="shortlist_pick"),
    path("mon-espace/selections/<slug:public_id>/", views.shortlist, name="shortlist"),
    path("mon-espace/selections/<slug:public_id>/imprimer/", views.shortlist_print, name="shortlist_print"),
    path("mon-espace/selections/<slug:public_id>/supprimer/", views.shortlist_delete, name="shortlist_delete"),
    path("mon-espace/selections/<slug:public_id>/partage/", views.shortlist_share, name="shortlist_share"),
    path("mon-espace/selections/<slug:public_id>/courriel/", views.shortlist_email, name="shortlist_email"),
    path(
        "mon-espace/selections/<slug:public_id>/formations/<slug:action_id>/",
        views.shortlist_toggle,
        name="shortlist_toggle",
    ),
    path("mon-espace/selections/<slug:public_id>/elements/<int:pk>/note/", views.item_note_view, name="item_note"),
    path("mon-espace/selections/<slug:public_id>/elements/<int:pk>/deplacer/", views.item_move_view, name="item_move"),
    path(
        "mon-espace/selections/<slug:public_id>/elements/<int:pk>/retirer/", views.item_remove_view, name="item_remove"
    ),
    path("selection/<str:token>/", views.shared, name="shared"),
    path("comparer/", views.compare, name="compare"),
]
