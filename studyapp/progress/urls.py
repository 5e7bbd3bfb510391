from __future__ import annotations

from django.urls import path

from studyapp.progress import views

app_name = "progress"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.json", views.export_json, name="export"),
    path("cohorts/<int64:cohort_id>/", views.cohort, name="cohort"),
    path(
        "cohorts/<int64:cohort_id>/learners/<int64:user_id>/",
        views.cohort_learner_page,
        name="cohort_learner",
    ),
    path("cohorts/<int64:cohort_id>/learners.csv", views.cohort_csv_download, name="cohort_csv"),
]
