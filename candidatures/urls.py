"""The person's and the adviser's candidatures and bookings: every URL here is in
tests/candidatures/test_permissions.py."""

from django.urls import path

from . import views

app_name = "candidatures"

urlpatterns = [
    path("formations/<slug:public_id>/sessions/<slug:session_id>/interet/", views.interest, name="interest"),
    path("selection/<str:token>/sessions/<slug:session_id>/interet/", views.shared_interest, name="shared_interest"),
    path("mon-espace/selections/<slug:public_id>/prescrire/<slug:session_id>/", views.prescribe, name="prescribe"),
    path("mon-espace/candidatures/", views.candidatures, name="candidatures"),
    path("mon-espace/candidatures/<slug:public_id>/", views.candidature, name="candidature"),
    path("mon-espace/candidatures/<slug:public_id>/retirer/", views.withdraw, name="withdraw"),
    path("reunions/<slug:public_id>/reserver/", views.book, name="book"),
    path("mon-espace/reunions/", views.bookings, name="bookings"),
    path("mon-espace/reunions/<slug:public_id>/annuler/", views.booking_cancel_view, name="booking_cancel"),
    path("mon-espace/reunions/<slug:public_id>/agenda.ics", views.booking_ical, name="booking_ical"),
]
