from __future__ import annotations

from django.urls import path

from studyapp.progress import views

app_name = "progress"

urlpatterns = [
    path("", views.index, name="index"),
]
