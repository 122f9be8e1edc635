"""The Region's back office: every URL here is listed in tests/region/test_permissions.py."""

from django.urls import path

from . import views

app_name = "region"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/lheo.xml", views.export_lheo_view, name="export_lheo"),  # before export/<slug>.<fmt>
    path("export/lheo/preparer/", views.export_lheo_prepare, name="export_lheo_prepare"),
    path("export/lheo/<int:pk>/", views.export_job, name="export_job"),
    path("export/lheo/<int:pk>/fichier.xml", views.export_job_download, name="export_job_download"),
    path("export/<slug:slug>.<str:fmt>", views.export, name="export"),
    path("organismes/", views.organisms, name="organisms"),
    path("organismes/<slug:slug>/", views.organism_detail, name="organism_detail"),
    path("organismes/<slug:slug>/decision/", views.organism_decision, name="organism_decision"),
    path("programmes/", views.programmes, name="programmes"),
    path("programmes/nouveau/", views.programme_edit, name="programme_new"),
    path("programmes/<slug:slug>/", views.programme_edit, name="programme_edit"),
    path("labels/", views.labels, name="labels"),
    path("labels/<int:pk>/", views.label_detail, name="label_detail"),
    path("labels/<int:pk>/retrait/", views.label_withdraw, name="label_withdraw"),
    path("actions/<slug:public_id>/label/", views.action_label, name="action_label"),
    path("imports/", views.import_runs, name="import_runs"),
    path("taches/", views.task_queue, name="task_queue"),
    path("imports/<int:pk>/", views.import_run, name="import_run"),
    path("imports/<int:pk>/rapport.csv", views.import_run_report, name="import_run_report"),
]
