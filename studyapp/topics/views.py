"""Topic pages: the courses, a course's outline, a topic, reading progress, search, glossary."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from studyapp.core.htmx import HtmxHttpRequest
from studyapp.topics.models import Course, Topic
from studyapp.topics.pages import topic_page_content
from studyapp.topics.reading import (
    course_progress,
    course_progress_of,
    courses_overview,
    reading_mark,
    reading_visit_record,
)
from studyapp.topics.search import search
from studyapp.topics.selectors import (
    glossary,
    topic_get,
    topic_related_counts,
)


def _topic_or_404(course_slug: str, topic_slug: str) -> Topic:
    try:
        return topic_get(course_slug=course_slug, topic_slug=topic_slug)
    except Topic.DoesNotExist:
        raise Http404("No such topic") from None


@require_GET
def index(request: HtmxHttpRequest) -> HttpResponse:
    courses = courses_overview(user=request.user)
    viewed = [summary for summary in courses if summary.last_viewed_at is not None]
    last = max(viewed, key=lambda summary: summary.last_viewed_at, default=None)
    return render(request, "topics/index.html", {"courses": courses, "last": last})


@require_GET
def course(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    course = get_object_or_404(Course.objects.active(), slug=course_slug)
    progress = course_progress(user=request.user, course=course)
    return render(request, "topics/course.html", {"course": course, "progress": progress})


@require_GET
def topic(request: HtmxHttpRequest, course_slug: str, topic_slug: str) -> HttpResponse:
    try:
        page = topic_page_content(course_slug=course_slug, topic_slug=topic_slug)
    except Topic.DoesNotExist:
        raise Http404("No such topic") from None
    topic = page.topic
    reading_visit_record(user=request.user, topic=topic, now=timezone.now())
    progress = course_progress_of(user=request.user, contents=page.outline)
    read = {state.topic.id for state in progress.topics if state.read}
    context = {
        "topic": topic,
        "course": topic.course,
        "page": page,
        "contents": page.contents(read=read),
        "progress": progress,
        "state": progress.state_of(topic),
        "related": topic_related_counts(topic),
        "topic_key": topic.key,
    }
    return render(request, "topics/topic.html", context)


@require_POST
def topic_mark(request: HtmxHttpRequest, course_slug: str, topic_slug: str) -> HttpResponse:
    """Mark a topic read (``read=1``) or unread (``read=0``); htmx gets the button and meter."""
    topic = _topic_or_404(course_slug, topic_slug)
    read = request.POST.get("read") == "1"
    reading_mark(user=request.user, topic=topic, read=read, now=timezone.now())
    if not request.htmx:
        return redirect(topic)
    progress = course_progress(user=request.user, course=topic.course)
    context = {
        "topic": topic,
        "course": topic.course,
        "progress": progress,
        "state": progress.state_of(topic),
    }
    return render(request, "topics/topic.html#mark-response", context)


@require_GET
def search_page(request: HtmxHttpRequest) -> HttpResponse:
    """The results page; as you type, htmx asks for the results fragment only."""
    query = request.GET.get("q", "").strip()[:200]
    context = {"query": query, "hits": search(query), "live_search": True}
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "topics/search.html#results" if fragment else "topics/search.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def glossary_page(request: HtmxHttpRequest, course_slug: str | None = None) -> HttpResponse:
    """Every key term A-Z, of all courses or of one."""
    course = None
    if course_slug is not None:
        course = get_object_or_404(Course.objects.active(), slug=course_slug)
    context = {"course": course, "letters": glossary(course=course)}
    return render(request, "topics/glossary.html", context)
