from __future__ import annotations

from django.urls import path

from studyapp.topics import views

app_name = "topics"

# The fixed pages come before <course_slug>/; the importer refuses a course whose slug is one of
# them (notes.RESERVED_COURSE_SLUGS), so a course can never be hidden behind a page.
urlpatterns = [
    path("", views.index, name="index"),
    path("glossary/", views.glossary_page, name="glossary"),
    path("glossary/<slug:course_slug>/", views.glossary_page, name="course_glossary"),
    path("search/", views.search_page, name="search"),
    path("<slug:course_slug>/", views.course, name="course"),
    path("<slug:course_slug>/<slug:topic_slug>/", views.topic, name="topic"),
    path("<slug:course_slug>/<slug:topic_slug>/read/", views.topic_mark, name="mark"),
]
