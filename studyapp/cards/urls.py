from __future__ import annotations

from django.urls import path

from studyapp.cards import views

app_name = "cards"

urlpatterns = [
    path("", views.index, name="index"),
]
