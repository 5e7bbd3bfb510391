from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from studyapp import views
from studyapp.progress import views as progress_views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("health/", views.health, name="health"),
    path("health/me/", views.health_me, name="health_me"),
    path("accounts/", include("studyapp.accounts.urls")),
    path("home/", progress_views.home, name="home"),
    path("home/start/settings/", progress_views.start_settings, name="start_settings"),
    path("home/start/dismiss/", progress_views.start_dismiss, name="start_dismiss"),
    path("progress/", include("studyapp.progress.urls")),
    # Every instructor page: studyapp/teach_urls.py gathers each app's.
    path("teach/", include("studyapp.teach_urls")),
    path("topics/", include("studyapp.topics.urls")),
    path("review/", include("studyapp.cards.urls")),
    path("quizzes/", include("studyapp.quizzes.urls")),
    path("sandbox/", include("studyapp.sandbox.urls")),
    path("sandbox/", include("studyapp.sandbox.page_urls")),
    path("sandbox/", include("studyapp.content.urls")),
    # Lambda's own API (/2015-03-31/functions/... and its other dated prefixes), SigV4-signed.
    path("", include("studyapp.sandbox.api.urls")),
    # SQS's API (POST /sqs with X-Amz-Target: AmazonSQS.*), SigV4-signed.
    path("", include("studyapp.sandbox.api.sqs_urls")),
    path("admin/", admin.site.urls),
]
