from __future__ import annotations

from django.urls import path

from studyapp.quizzes import views

app_name = "quizzes"

urlpatterns = [
    path("", views.index, name="index"),
]
