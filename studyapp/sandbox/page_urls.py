"""Pages of the Lambda-compatible API's features: async events, destination records, queues,
concurrency. Included under ``sandbox/`` beside the sandbox's own pages."""

from __future__ import annotations

from django.urls import path

from studyapp.sandbox import api_pages

app_name = "lambda_pages"

urlpatterns = [
    path("lambda/<str:name>/async/", api_pages.async_events, name="async_events"),
    path("lambda/<str:name>/async/send/", api_pages.async_send, name="async_send"),
    path("lambda/<str:name>/async/<str:request_id>/", api_pages.async_event, name="async_event"),
    path("lambda/<str:name>/concurrency/", api_pages.concurrency_page, name="concurrency"),
    path("lambda/<str:name>/queue/", api_pages.queue_page, name="queue"),
    path("lambda/<str:name>/queue/send/", api_pages.queue_send, name="queue_send"),
    path("lambda/<str:name>/queue/poll/", api_pages.queue_poll_now, name="queue_poll"),
    path("lambda/<str:name>/queue/settings/", api_pages.queue_settings, name="queue_settings"),
    path("lambda/account/", api_pages.account_page, name="account"),
]
