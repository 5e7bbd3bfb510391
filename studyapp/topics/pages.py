"""A topic page's content, rendered once per process for each version of its course's content.

Most of a topic page is the same for every learner and changes only when the notes are imported,
uploaded or corrected: the breadcrumbs, the body with its key terms marked up, the corrections,
the key terms, the pager and the course outline beside it. Every write of those bumps the
course's ``content_version`` in the transaction that writes it (``content_changed()``), and each
request reads that version with the topic, in the one query that finds the topic; the parts are
kept with that version. So no process ever shows parts older than the database's, and
none has to be told to forget. What is the learner's (the visit, the read marks, the meter) or
changes with other apps' authoring (the counts of cards, questions and samples) is read on
every request.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from studyapp.topics.models import Course, Topic
from studyapp.topics.reading import (
    CourseContents,
    CourseProgress,
    SectionProgress,
    TopicState,
    course_contents,
)
from studyapp.topics.rendering import body_with_terms
from studyapp.topics.selectors import topic_corrections, topic_key_terms

TEMPLATE = "topics/topic.html"
PARTS = ("breadcrumbs", "prose", "key_terms", "pager")
CACHE_SIZE = 500  # topics whose page a process keeps (one version each)


@dataclass(frozen=True)
class ContentsEntry:
    """A topic of the contents list, rendered both ways, and the markup that comes before it."""

    before: str
    topic_id: int
    unread: str
    read: str


@dataclass(frozen=True)
class TopicPageContent:
    """A topic page's parts that are the same for every learner, at one content version."""

    topic: Topic  # with its course, section and case
    outline: CourseContents  # the course's sections and topics
    breadcrumbs: SafeString
    prose: SafeString  # the body (or the scenario and solution) and its corrections
    key_terms: SafeString
    pager: SafeString
    contents_entries: tuple[ContentsEntry, ...]
    contents_end: str

    def contents(self, *, read: set[int]) -> SafeString:
        """The contents list beside the page, with the topics in ``read`` marked read."""
        pieces = []
        for entry in self.contents_entries:
            pieces += (entry.before, entry.read if entry.topic_id in read else entry.unread)
        pieces.append(self.contents_end)
        return mark_safe("".join(pieces))  # noqa: S308 - pieces the template rendered


class _Pages:
    """Each topic's page at the latest version this process built, the least recently shown
    dropped first past ``size``; safe to share between a process's threads."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pages: OrderedDict[int, tuple[int, TopicPageContent]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, topic_id: int, version: int) -> TopicPageContent | None:
        with self.lock:
            kept = self.pages.get(topic_id)
            if kept is None or kept[0] != version:
                return None
            self.pages.move_to_end(topic_id)
            return kept[1]

    def put(self, topic_id: int, version: int, page: TopicPageContent) -> None:
        with self.lock:
            self.pages[topic_id] = (version, page)
            self.pages.move_to_end(topic_id)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


_pages = _Pages(CACHE_SIZE)


def topic_pages_forget() -> None:
    """Drop every page this process keeps (tests start from none; no page needs it)."""
    _pages.clear()


def topic_page_content(*, course_slug: str, topic_slug: str) -> TopicPageContent:
    """The visible topic at these slugs with its page's shared parts; raises Topic.DoesNotExist.

    One query when this process has the page at the course's current content version; a few
    more, and the rendering, the first time."""
    topic_id, course_id, version = (
        Topic.objects.visible()
        .filter(course__slug=course_slug, slug=topic_slug)
        .values_list("pk", "course_id", "course__content_version")
        .get()
    )
    page = _pages.get(topic_id, version)
    if page is None:
        # Read after the version, so at least as new as it: never older parts under a newer key.
        page = topic_page_build(topic_id=topic_id, course_id=course_id)
        _pages.put(topic_id, version, page)
    return page


def topic_page_build(*, topic_id: int, course_id: int) -> TopicPageContent:
    """Read and render the shared parts of a topic's page; raises Topic.DoesNotExist when the
    topic is no longer in its course's outline."""
    contents = course_contents(course=Course.objects.get(pk=course_id))
    ordered = [topic for _, topics in contents.sections for topic in topics]
    index = next((i for i, topic in enumerate(ordered) if topic.id == topic_id), None)
    if index is None:
        raise Topic.DoesNotExist(topic_id)
    topic = ordered[index]
    key_terms = topic_key_terms(topic)
    context = {
        "topic": topic,
        "course": contents.course,
        "case": getattr(topic, "case", None),
        "body": body_with_terms(topic.body_md, key_terms),
        "key_terms": key_terms,
        "corrections": topic_corrections(topic, key_terms=key_terms),
        "previous": ordered[index - 1] if index > 0 else None,
        "next": ordered[index + 1] if index + 1 < len(ordered) else None,
    }
    parts = {part: render_to_string(f"{TEMPLATE}#{part}", context) for part in PARTS}
    entries, end = _contents_pieces(contents, topic=topic)
    return TopicPageContent(
        topic=topic,
        outline=contents,
        **parts,
        contents_entries=entries,
        contents_end=end,
    )


def _contents_pieces(
    contents: CourseContents, *, topic: Topic
) -> tuple[tuple[ContentsEntry, ...], str]:
    """The contents list cut around each of its topics, each rendered unread and read.

    The list is rendered once with every topic unread; each topic's own rendering (the inline
    partial ``contents-topic``) is then found in it, in order, and cut out."""
    unread = CourseProgress(
        course=contents.course,
        sections=[
            SectionProgress(section=section, topics=[TopicState(topic=t) for t in topics])
            for section, topics in contents.sections
        ],
        continue_topic=None,
    )
    context = {"topic": topic, "course": contents.course}
    whole = render_to_string(f"{TEMPLATE}#contents", {**context, "progress": unread})
    entries, start = [], 0
    for state in unread.topics:
        html = {
            read: render_to_string(
                f"{TEMPLATE}#contents-topic",
                {**context, "item": TopicState(topic=state.topic, read=read)},
            )
            for read in (False, True)
        }
        at = whole.index(html[False], start)
        entries.append(ContentsEntry(whole[start:at], state.topic.id, html[False], html[True]))
        start = at + len(html[False])
    return tuple(entries), whole[start:]
