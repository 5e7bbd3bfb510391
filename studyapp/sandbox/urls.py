from __future__ import annotations

from django.urls import path

from studyapp.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.index, name="index"),
]
