"""Every instructor page, mounted under /teach/: the one place to see them all.

Each app keeps its own teach views (and their URL names and namespaces); this module only
gathers them. Every view here is instructor_required.
"""

from __future__ import annotations

from django.urls import include, path

from studyapp.progress import views as progress_views

urlpatterns = [
    # The instructor's dashboard: cohorts, their mastery and assignments (progress).
    path("", progress_views.teach, name="teach"),
    # Cohorts and their invite codes (accounts): namespace "cohorts".
    path("cohorts/", include("studyapp.accounts.cohort_urls")),
    # Notes uploads with a preview, and corrections (content): namespace "teach_notes".
    path("notes/", include("studyapp.content.teach_urls")),
    # The question bank, its import and export, quizzes, statistics, cohort assignments
    # (quizzes): namespace "teach".
    path("", include("studyapp.quizzes.teach_urls")),
]
