from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from . import views

urlpatterns = [
    path("", views.api_documentation, name="api_documentation"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("actions/", views.ActionList.as_view(), name="api_actions"),
    path("actions/<slug:public_id>/", views.ActionDetail.as_view(), name="api_action"),
    path("sessions/", views.SessionList.as_view(), name="api_sessions"),
]
