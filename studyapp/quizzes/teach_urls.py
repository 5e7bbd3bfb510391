"""The quizzes' instructor pages (every view is instructor_required); studyapp/teach_urls.py
mounts them under /teach/ beside every other instructor page."""

from __future__ import annotations

from django.urls import path

from studyapp.quizzes import teach_views as views

app_name = "teach"

urlpatterns = [
    path("questions/", views.question_list, name="question_list"),
    path("questions/new/", views.question_edit, name="question_new"),
    path("questions/preview/", views.question_preview, name="question_preview"),
    path("questions/<int64:question_id>/", views.question_edit, name="question_edit"),
    path("questions/<int64:question_id>/history/", views.question_history, name="question_history"),
    path("import/", views.question_import, name="question_import"),
    path("import/confirm/", views.question_import_confirm, name="question_import_confirm"),
    path("export/", views.question_export, name="question_export"),
    path("quizzes/", views.quiz_list, name="quiz_list"),
    path("quizzes/<int64:quiz_id>/", views.quiz_builder, name="quiz"),
    path("quizzes/<int64:quiz_id>/items/", views.quiz_item_add, name="quiz_item_add"),
    path(
        "quizzes/<int64:quiz_id>/items/<int64:item_id>/",
        views.quiz_item_change,
        name="quiz_item_change",
    ),
    path("quizzes/<int64:quiz_id>/rules/", views.quiz_rule_add, name="quiz_rule_add"),
    path(
        "quizzes/<int64:quiz_id>/rules/<int64:rule_id>/remove/",
        views.quiz_rule_remove,
        name="quiz_rule_remove",
    ),
    path("quizzes/<int64:quiz_id>/statistics/", views.quiz_statistics, name="quiz_statistics"),
    path(
        "quizzes/<int64:quiz_id>/statistics.csv",
        views.quiz_statistics_csv,
        name="quiz_statistics_csv",
    ),
    path(
        "cohorts/<int64:cohort_id>/assignments/",
        views.cohort_assignments,
        name="cohort_assignments",
    ),
    path(
        "cohorts/<int64:cohort_id>/assignments/<int64:assignment_id>/delete/",
        views.assignment_delete,
        name="assignment_delete",
    ),
]
