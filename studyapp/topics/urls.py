from __future__ import annotations

from django.urls import path

from studyapp.topics import views

app_name = "topics"

urlpatterns = [
    path("", views.index, name="index"),
]
