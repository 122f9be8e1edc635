"""An organisation's back office: every URL here is listed in the permission matrix test."""

from django.urls import path

from . import candidatures, dashboard, history, imports, jobs, meetings, members, offer, sessions

app_name = "backoffice"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("formations/nouvelle/", offer.formation_edit, name="formation_new"),
    path("formations/<int:pk>/", offer.formation_edit, name="formation_edit"),
    path("formations/<int:formation_pk>/actions/nouvelle/", offer.action_edit, name="action_new"),
    path("actions/<slug:public_id>/", offer.action_edit, name="action_edit"),
    path("actions/<slug:public_id>/publication/", offer.action_publish, name="action_publish"),
    path("actions/<slug:public_id>/lieux/", offer.place_new, name="place_new"),
    path("actions/<slug:public_id>/label/", offer.label_request_view, name="label_request"),
    path("actions/<slug:public_id>/reunions/", meetings.meetings, name="meetings"),
    path("reunions/<slug:public_id>/", meetings.meeting_edit, name="meeting_edit"),
    path("reunions/<slug:public_id>/annuler/", meetings.meeting_cancel_view, name="meeting_cancel"),
    path("candidatures/", candidatures.inbox, name="candidatures"),
    path("candidatures/<slug:public_id>/", candidatures.candidature_detail, name="candidature_detail"),
    path("sessions/<slug:public_id>/candidatures/", candidatures.session_inbox, name="session_candidatures"),
    path(
        "sessions/<slug:public_id>/candidatures.csv",
        candidatures.session_candidatures_csv,
        name="session_candidatures_csv",
    ),
    path("actions/<slug:action_public_id>/sessions/nouvelle/", sessions.session_edit, name="session_new"),
    path("sessions/selection/", sessions.sessions_bulk, name="sessions_bulk"),  # before sessions/<public_id>/
    path("sessions/tableur/", imports.sessions_upload, name="sessions_upload"),
    path("sessions/tableur/<slug:kind>.<str:fmt>", imports.sessions_spreadsheet, name="sessions_spreadsheet"),
    path("sessions/<slug:public_id>/", sessions.session_edit, name="session_edit"),
    path("sessions/<slug:public_id>/dupliquer/", sessions.session_duplicate_view, name="session_duplicate"),
    path("sessions/<slug:public_id>/confirmer/", sessions.session_confirm, name="session_confirm"),
    path("sessions/<slug:public_id>/resultats/", sessions.session_outcome, name="session_outcome"),
    path("historique/", history.history, name="history"),
    path("export/lheo.xml", imports.export_lheo_view, name="export_lheo"),
    path("import/lheo/", imports.import_lheo_view, name="import_lheo"),
    path("travaux/", jobs.job_list, name="jobs"),
    path("travaux/<int:pk>/", jobs.job_detail, name="job"),
    path("travaux/<int:pk>/confirmer/", jobs.job_confirm, name="job_confirm"),
    path("travaux/<int:pk>/annuler/", jobs.job_cancel, name="job_cancel"),
    path("travaux/<int:pk>/relancer/", jobs.job_retry, name="job_retry"),
    path("membres/", members.members, name="members"),
    path("membres/inviter/", members.member_invite, name="member_invite"),
    path("membres/<int:pk>/retirer/", members.member_remove_view, name="member_remove"),
    path("membres/invitations/<int:pk>/annuler/", members.invitation_revoke_view, name="invitation_revoke"),
]
