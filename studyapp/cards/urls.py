from __future__ import annotations

from django.urls import path

from studyapp.cards import views

app_name = "cards"

urlpatterns = [
    path("", views.index, name="index"),
    path("cards/", views.browse, name="browse"),
    path("cards/change/", views.browse_change, name="browse_change"),
    path("cards/<int64:card_id>/", views.browse_card, name="browse_card"),
    path("cards/<int64:card_id>/edit/", views.browse_edit, name="browse_edit"),
    path("cards/<int64:card_id>/preview/", views.browse_preview, name="browse_preview"),
    path("cards/<int64:card_id>/restore/", views.browse_restore, name="browse_restore"),
    path("cards/<int64:card_id>/reveal/", views.reveal, name="reveal"),
    path("cards/<int64:card_id>/answer/", views.answer, name="answer"),
    path("cards/<int64:card_id>/suspend/", views.suspend, name="suspend"),
    path("cards/<int64:card_id>/unsuspend/", views.unsuspend, name="unsuspend"),
    path("cards/<int64:card_id>/bury/", views.bury, name="bury"),
    path("undo/", views.undo, name="undo"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/optimise/", views.optimise, name="optimise"),
    path("export/lambda-study.apkg", views.export, name="export"),
    path("author/", views.author_index, name="author"),
    path("author/new/", views.author_edit, name="author_new"),
    path("author/<int64:note_id>/", views.author_edit, name="author_edit"),
    path("author/preview/", views.author_preview, name="author_preview"),
]
