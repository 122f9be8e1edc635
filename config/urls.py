from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from catalogue import views as catalogue_views
from core import views as core_views
from exchange import views as exchange_views
from organisms import views as organism_views
from sessions import views as session_views

admin.site.site_header = "Catalogue régional des formations au numérique : administration"
admin.site.site_title = "Administration du catalogue"
admin.site.index_title = "Données du catalogue"

urlpatterns = [
    path("", catalogue_views.home, name="home"),
    path("formations/", catalogue_views.search, name="search"),
    path("formations/carte/", catalogue_views.search_map, name="search_map"),
    path("formations/communes/", catalogue_views.commune_suggestions, name="commune_suggestions"),
    path("formations/<slug:public_id>/", catalogue_views.action_detail, name="action_detail"),
    path(
        "formations/<slug:public_id>/sessions/<slug:session_id>.ics",
        catalogue_views.session_ical,
        name="session_ical",
    ),
    path("accessibilite/", catalogue_views.accessibility_statement, name="accessibility"),
    path("donnees/", exchange_views.open_data, name="open_data"),
    path("donnees/sessions.<str:fmt>", exchange_views.open_data_file, name="open_data_file"),
    path("api/v1/", include("api.urls")),
    path("compte/", include("allauth.urls")),
    path("mon-espace/", account_views.account_home, name="account_home"),
    path("mon-espace/profil/", account_views.profile, name="account_profile"),
    path("mon-espace/mes-donnees.json", account_views.data_download, name="account_data"),
    path("mon-espace/supprimer-mon-compte/", account_views.account_delete, name="account_delete"),
    path("confidentialite/", account_views.privacy, name="privacy"),
    path("", include("shortlists.urls")),
    path("", include("candidatures.urls")),
    path("inscription/organisme/", organism_views.signup, name="organism_signup"),
    path("invitation/<str:token>/", organism_views.invitation, name="invitation_accept"),
    path("confirmer/<str:token>/", session_views.confirm_from_email, name="sessions_confirm"),
    path("espace-organisme/", include("organisms.backoffice.urls")),
    path("region/", include("region.urls")),
    path("admin/", admin.site.urls),
    path("sante/", core_views.health, name="health"),
]

handler500 = "core.views.server_error_or_outage"
