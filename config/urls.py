from django.contrib import admin
from django.urls import path

from catalogue import views as catalogue_views

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
    path("admin/", admin.site.urls),
]
