"""Instructor pages for notes; studyapp/teach_urls.py mounts them under /teach/notes/."""

from __future__ import annotations

from django.urls import path

from studyapp.content import teach_views as views

app_name = "teach_notes"

urlpatterns = [
    path("upload/", views.notes_upload, name="upload"),
    path("upload/confirm/", views.notes_upload_confirm, name="upload_confirm"),
    path(
        "corrections/<slug:course_slug>/<slug:topic_slug>/",
        views.correction_new,
        name="correction_new",
    ),
]
