"""Reading progress: which topics a learner has opened and marked read, and where they left off.

A visit (opening a topic page) sets ``last_viewed_at``; "mark as read" sets ``read_at``. Rows
point at topics, which are archived, never deleted, so re-importing the notes keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from studyapp.accounts.models import User
from studyapp.topics.models import Course, ReadingProgress, Section, Topic


def reading_visit_record(*, user: User, topic: Topic, now: datetime) -> None:
    """Note that ``user`` opened ``topic`` at ``now``: it becomes where they left off.

    One statement (an insert that updates the row already there), as every topic page runs it.
    """
    ReadingProgress.objects.bulk_create(
        [ReadingProgress(user=user, topic=topic, last_viewed_at=now)],
        update_conflicts=True,
        unique_fields=["user", "topic"],
        update_fields=["last_viewed_at"],
    )


def reading_mark(*, user: User, topic: Topic, read: bool, now: datetime) -> ReadingProgress:
    """Mark ``topic`` read (keeping the first time it was marked) or unread for ``user``."""
    with transaction.atomic():
        progress, created = ReadingProgress.objects.select_for_update().get_or_create(
            user=user,
            topic=topic,
            defaults={"last_viewed_at": now, "read_at": now if read else None},
        )
        if not created and read != (progress.read_at is not None):
            progress.read_at = now if read else None
            progress.save(update_fields=["read_at"])
    return progress


@dataclass
class TopicState:
    topic: Topic
    read: bool = False
    last_viewed_at: datetime | None = None


@dataclass
class SectionProgress:
    section: Section
    topics: list[TopicState] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.topics)

    @property
    def read_count(self) -> int:
        return sum(state.read for state in self.topics)


@dataclass
class CourseProgress:
    """A course's sections in order, each with its topics and the learner's read state."""

    course: Course
    sections: list[SectionProgress]
    continue_topic: Topic | None  # the topic viewed last, None before the first visit

    @property
    def topics(self) -> list[TopicState]:
        return [state for section in self.sections for state in section.topics]

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)

    @property
    def read_count(self) -> int:
        return sum(section.read_count for section in self.sections)

    @property
    def percent(self) -> int:
        return round(100 * self.read_count / self.total) if self.total else 0

    @property
    def first_topic(self) -> Topic | None:
        states = self.topics
        return states[0].topic if states else None

    def state_of(self, topic: Topic) -> TopicState | None:
        return next((state for state in self.topics if state.topic.id == topic.id), None)


@dataclass(frozen=True)
class CourseContents:
    """A course's active sections in order, each with its active topics in order: the outline
    every learner shares (their read state is laid over it by :func:`course_progress_of`)."""

    course: Course
    sections: tuple[tuple[Section, tuple[Topic, ...]], ...]


def course_contents(*, course: Course) -> CourseContents:
    """The course's outline (two queries, whatever the size)."""
    sections = {
        section.id: (section, [])
        for section in Section.objects.active().filter(course=course).order_by("position")
    }
    topics = (
        Topic.objects.active()
        .filter(course=course, section_id__in=sections.keys())
        .select_related("case")
        .order_by("position")
    )
    for topic in topics:
        section, section_topics = sections[topic.section_id]
        topic.course, topic.section = course, section
        section_topics.append(topic)
    return CourseContents(
        course=course,
        sections=tuple((section, tuple(topics)) for section, topics in sections.values()),
    )


def course_progress_of(*, user: User, contents: CourseContents) -> CourseProgress:
    """``contents`` with ``user``'s read state (one query)."""
    rows = {
        row.topic_id: row
        for row in ReadingProgress.objects.filter(user=user, topic__course=contents.course).only(
            "topic_id", "read_at", "last_viewed_at"
        )
    }
    continue_topic, last_viewed = None, None
    sections = []
    for section, topics in contents.sections:
        states = []
        for topic in topics:
            state = TopicState(topic=topic)
            row = rows.get(topic.id)
            if row is not None:
                state.read = row.read_at is not None
                state.last_viewed_at = row.last_viewed_at
                if last_viewed is None or row.last_viewed_at > last_viewed:
                    continue_topic, last_viewed = topic, row.last_viewed_at
            states.append(state)
        sections.append(SectionProgress(section=section, topics=states))
    return CourseProgress(course=contents.course, sections=sections, continue_topic=continue_topic)


def course_progress(*, user: User, course: Course) -> CourseProgress:
    """The course outline with ``user``'s read state (three queries, whatever the size)."""
    return course_progress_of(user=user, contents=course_contents(course=course))


@dataclass
class CourseSummary:
    course: Course
    total: int
    read_count: int
    continue_topic: Topic | None
    last_viewed_at: datetime | None

    @property
    def percent(self) -> int:
        return round(100 * self.read_count / self.total) if self.total else 0


def courses_overview(*, user: User) -> list[CourseSummary]:
    """Every active course with ``user``'s read count and last viewed topic (two queries)."""
    courses = {course.id: course for course in Course.objects.active()}
    summaries = {
        course.id: CourseSummary(
            course, total=0, read_count=0, continue_topic=None, last_viewed_at=None
        )
        for course in courses.values()
    }
    topics = Topic.objects.visible().filter(course_id__in=courses.keys())
    for course_id in topics.values_list("course_id", flat=True):
        summaries[course_id].total += 1
    rows = (
        ReadingProgress.objects.filter(user=user, topic__in=topics)
        .select_related("topic")
        .order_by("-last_viewed_at")
    )
    for row in rows:
        summary = summaries[row.topic.course_id]
        row.topic.course = summary.course
        summary.read_count += row.read_at is not None
        if summary.continue_topic is None:
            summary.continue_topic, summary.last_viewed_at = row.topic, row.last_viewed_at
    return list(summaries.values())
