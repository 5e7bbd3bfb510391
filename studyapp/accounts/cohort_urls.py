from __future__ import annotations

from django.urls import path

from studyapp.accounts import cohort_views

app_name = "cohorts"

urlpatterns = [
    path("", cohort_views.cohort_list, name="list"),
    path("<int64:cohort_id>/", cohort_views.cohort_detail, name="detail"),
    path("<int64:cohort_id>/code/", cohort_views.cohort_code_regenerate, name="regenerate_code"),
]
