from django.contrib import admin
from django.urls import path

from catalogue import views as catalogue_views

admin.site.site_header = "Catalogue régional des formations au numérique : administration"
admin.site.site_title = "Administration du catalogue"
admin.site.index_title = "Données du catalogue"

urlpatterns = [
    path("", catalogue_views.home, name="home"),
    path("formations/", catalogue_views.search, name="search"),
    path("accessibilite/", catalogue_views.accessibility_statement, name="accessibility"),
    path("admin/", admin.site.urls),
]
