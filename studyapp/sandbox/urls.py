from __future__ import annotations

from django.urls import path

from studyapp.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("samples/<str:name>/", views.sample, name="sample"),
    path("functions/<int64:pk>/", views.function, name="function"),
    path("functions/<int64:pk>/copy/", views.copy, name="copy"),
    path("functions/<int64:pk>/save/", views.save, name="save"),
    path("functions/<int64:pk>/delete/", views.delete, name="delete"),
    path("functions/<int64:pk>/run/", views.run, name="run"),
    path("runs/<uuid:batch>/", views.run_result, name="run_result"),
    path("events/", views.event_template, name="event_template"),
]
