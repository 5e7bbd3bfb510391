from __future__ import annotations

from django.urls import path, register_converter

from studyapp.quizzes import views
from studyapp.quizzes.media import AREA_PATTERN


class MediaAreaConverter:
    """The text a question's file belongs to: ``questiontext``, ``feedback/2``, ..."""

    regex = AREA_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(MediaAreaConverter, "media_area")

app_name = "quizzes"

urlpatterns = [
    path("", views.index, name="index"),
    path("practice/", views.practice_start, name="practice_start"),
    path("exam/", views.exam_start, name="exam_start"),
    path("assigned/<int64:quiz_id>/", views.assigned_quiz, name="assigned"),
    path("attempts/<int64:attempt_id>/", views.attempt_page, name="attempt"),
    path("attempts/<int64:attempt_id>/<int64:position>/answer/", views.answer, name="answer"),
    path("attempts/<int64:attempt_id>/<int64:position>/flag/", views.flag, name="flag"),
    path("attempts/<int64:attempt_id>/check/", views.check, name="check"),
    path("attempts/<int64:attempt_id>/submit/", views.submit, name="submit"),
    path("attempts/<int64:attempt_id>/result/", views.result, name="result"),
    path("attempts/<int64:attempt_id>/review/", views.review, name="review"),
    path(
        "attempts/<int64:attempt_id>/practise-missed/",
        views.practise_missed,
        name="practise_missed",
    ),
    path(
        "media/<int64:version_id>/<media_area:area>/<path:file>",
        views.question_media,
        name="media",
    ),
]
