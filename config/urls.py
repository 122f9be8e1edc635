from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from accounts import views as account_views
from catalogue import api as catalogue_api
from catalogue import staff
from catalogue import views as catalogue_views
from organisms import backoffice
from organisms import views as organism_views
from sessions import views as session_views

admin.site.site_header = "Catalogue régional des formations au numérique : administration"
admin.site.site_title = "Administration du catalogue"
admin.site.index_title = "Données du catalogue"

# An organisation's back office: every URL here is listed in the permission matrix test.
backoffice_patterns = [
    path("", backoffice.dashboard, name="dashboard"),
    path("formations/nouvelle/", backoffice.formation_edit, name="formation_new"),
    path("formations/<int:pk>/", backoffice.formation_edit, name="formation_edit"),
    path("formations/<int:formation_pk>/actions/nouvelle/", backoffice.action_edit, name="action_new"),
    path("actions/<slug:public_id>/", backoffice.action_edit, name="action_edit"),
    path("actions/<slug:public_id>/publication/", backoffice.action_publish, name="action_publish"),
    path("actions/<slug:public_id>/lieux/", backoffice.place_new, name="place_new"),
    path("actions/<slug:public_id>/label/", backoffice.label_request_view, name="label_request"),
    path("actions/<slug:action_public_id>/sessions/nouvelle/", backoffice.session_edit, name="session_new"),
    path("sessions/selection/", backoffice.sessions_bulk, name="sessions_bulk"),  # before sessions/<public_id>/
    path("sessions/tableur/", backoffice.sessions_upload, name="sessions_upload"),
    path("sessions/tableur/<slug:kind>.<str:fmt>", backoffice.sessions_spreadsheet, name="sessions_spreadsheet"),
    path("sessions/<slug:public_id>/", backoffice.session_edit, name="session_edit"),
    path("sessions/<slug:public_id>/dupliquer/", backoffice.session_duplicate_view, name="session_duplicate"),
    path("sessions/<slug:public_id>/publication/", backoffice.session_publish, name="session_publish"),
    path("sessions/<slug:public_id>/resultats/", backoffice.session_outcome, name="session_outcome"),
    path("historique/", backoffice.history, name="history"),
    path("export/lheo.xml", backoffice.export_lheo_view, name="export_lheo"),
    path("import/lheo/", backoffice.import_lheo_view, name="import_lheo"),
    path("membres/", backoffice.members, name="members"),
    path("membres/inviter/", backoffice.member_invite, name="member_invite"),
    path("membres/<int:pk>/retirer/", backoffice.member_remove_view, name="member_remove"),
]

# Region staff's back office: every URL here is listed in tests/catalogue/test_staff_permissions.py.
staff_patterns = [
    path("", staff.dashboard, name="dashboard"),
    path("export/lheo.xml", staff.export_lheo_view, name="export_lheo"),  # before export/<slug>.<fmt>
    path("export/<slug:slug>.<str:fmt>", staff.export, name="export"),
    path("organismes/", staff.organisms, name="organisms"),
    path("organismes/<slug:slug>/", staff.organism_detail, name="organism_detail"),
    path("organismes/<slug:slug>/decision/", staff.organism_decision, name="organism_decision"),
    path("programmes/", staff.programmes, name="programmes"),
    path("programmes/nouveau/", staff.programme_edit, name="programme_new"),
    path("programmes/<slug:slug>/", staff.programme_edit, name="programme_edit"),
    path("labels/", staff.labels, name="labels"),
    path("labels/<int:pk>/", staff.label_detail, name="label_detail"),
    path("labels/<int:pk>/retrait/", staff.label_withdraw, name="label_withdraw"),
    path("actions/<slug:public_id>/label/", staff.action_label, name="action_label"),
]

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
    path("donnees/", catalogue_views.open_data, name="open_data"),
    path("api/v1/", catalogue_api.api_documentation, name="api_documentation"),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/v1/actions/", catalogue_api.ActionList.as_view(), name="api_actions"),
    path("api/v1/actions/<slug:public_id>/", catalogue_api.ActionDetail.as_view(), name="api_action"),
    path("api/v1/sessions/", catalogue_api.SessionList.as_view(), name="api_sessions"),
    path("donnees/sessions.<str:fmt>", catalogue_views.open_data_file, name="open_data_file"),
    path("compte/", include("allauth.urls")),
    path("mon-espace/", account_views.account_home, name="account_home"),
    path("inscription/organisme/", organism_views.signup, name="organism_signup"),
    path("invitation/<str:token>/", organism_views.invitation, name="invitation_accept"),
    path("confirmer/<str:token>/", session_views.confirm_from_email, name="sessions_confirm"),
    path("espace-organisme/", include((backoffice_patterns, "backoffice"))),
    path("region/", include((staff_patterns, "staff"))),
    path("admin/", admin.site.urls),
]
