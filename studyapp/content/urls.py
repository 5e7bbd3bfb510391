from __future__ import annotations

from django.urls import path

from studyapp.content import views

app_name = "content"

urlpatterns = [
    path("try/<int64:item_id>/", views.try_it, name="try_it"),
]
