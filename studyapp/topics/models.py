"""Courses made from notes: sections, topics, key terms, scenario cases, and reading progress.

Everything imported is keyed by a stable slug. Removing a topic from the notes archives it
(``archived_at`` is set): it disappears from the course but every learner's history stays.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from studyapp.core.archiving import ArchivableQuerySet, active_q
from studyapp.core.topic_keys import topic_key_build, topic_key_parse


def topic_visible_q(path: str = "") -> Q:
    """ "Published and reachable" for the topic at ``path``: it, its section and its course are
    not archived. The one definition of a visible topic; ``Topic.objects.visible()`` uses it,
    and other apps filter through their relation, e.g. ``topic_visible_q("note__topic")``."""
    prefix = f"{path}__" if path else ""
    return active_q(path, f"{prefix}section", f"{prefix}course")


class TopicQuerySet(ArchivableQuerySet):
    def visible(self):
        """Topics a learner can open, review and practise (see :func:`topic_visible_q`)."""
        return self.filter(topic_visible_q())

    def by_key(self, key: str):
        """The topic named ``course/slug`` (no topic for a malformed key)."""
        parsed = topic_key_parse(key)
        if parsed is None:
            return self.none()
        return self.filter(course__slug=parsed.course_slug, slug=parsed.topic_slug)


class CourseQuerySet(ArchivableQuerySet):
    def content_changed(self) -> int:
        """Note that what these courses' pages show has changed: bump their ``content_version``.

        Run it in the transaction that writes the change (or after it), never before: a page
        built between a bump and the write would be kept under the new version."""
        return self.update(content_version=F("content_version") + 1)


class Course(models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=200)
    intro_md = models.TextField(blank=True)
    source = models.CharField(max_length=300, help_text="The notes file, relative to content/.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The instructor who uploaded it in the browser; only they may upload it again.",
    )
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)
    content_version = models.PositiveIntegerField(
        default=0,
        db_default=0,  # rows written without it (older migrations' models, raw SQL) start at 0
        help_text="Moves on with every write to what its topic pages show (the notes, key terms, "
        "corrections): the key their rendered parts are kept under.",
    )

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("topics:course", args=[self.slug])


class Section(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=300)
    prose_md = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="section_slug_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title


class Topic(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="topics")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="topics")
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=200)
    body_md = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Order within the course.")
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["course", "position"]
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="topic_slug_unique_in_course")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("topics:topic", args=[self.course.slug, self.slug])

    @property
    def key(self) -> str:
        """``course/slug``: how other apps and ``?topic=`` name this topic."""
        return topic_key_build(course_slug=self.course.slug, topic_slug=self.slug)


class KeyTerm(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="key_terms")
    slug = models.SlugField(max_length=120)
    term = models.CharField(max_length=200)
    definition_md = models.TextField()
    parent_term = models.CharField(
        max_length=200,
        blank=True,
        help_text="The key term this one is nested under in the notes (its card asks in that "
        "context); empty for a term of the topic's own list.",
    )
    position = models.PositiveIntegerField(default=0)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["topic", "position"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "slug"], name="key_term_slug_unique_in_topic")
        ]

    def __str__(self) -> str:
        return self.term


class ScenarioCase(models.Model):
    """A worked scenario from the notes' examples; quiz questions build case studies on it."""

    topic = models.OneToOneField(Topic, on_delete=models.CASCADE, related_name="case")
    scenario_md = models.TextField()
    solution_md = models.TextField()

    def __str__(self) -> str:
        return self.topic.title


class Correction(models.Model):
    """A dated note that corrects a line of the notes or a key term, without editing the notes.

    Imported from ``content/corrections/*.md`` (see ``topics.corrections``)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="corrections")
    slug = models.SlugField(max_length=120)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="corrections")
    key_term = models.ForeignKey(
        KeyTerm, null=True, blank=True, on_delete=models.CASCADE, related_name="corrections"
    )
    quote = models.CharField(max_length=300, blank=True, help_text="The text it corrects.")
    notes_line = models.PositiveIntegerField(help_text="The line of the notes it is attached to.")
    dated = models.DateField()
    source_url = models.URLField(max_length=500, blank=True)
    note_md = models.TextField()
    file = models.CharField(max_length=300, help_text="The corrections file, relative to content/.")
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        ordering = ["course", "notes_line"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "slug"], name="correction_slug_unique_in_course"
            )
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.slug}"


class ReadingProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reading"
    )
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="reading")
    last_viewed_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "topic"], name="reading_progress_once_per_topic"
            )
        ]
        indexes = [models.Index(fields=["user", "-last_viewed_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.topic}"


class SearchEntryQuerySet(models.QuerySet):
    def search(self, query):
        """Entries matching ``query`` (a ``SearchQuery``), annotated with ``rank`` (ts_rank).

        PostgreSQL only: matched against the stored, generated ``document`` column through its
        GIN index (migration 0004). SQLite searches its FTS5 table instead (topics/search.py).
        """
        from django.contrib.postgres.search import SearchRank, SearchVectorField
        from django.db.models.expressions import RawSQL

        column = f'"{self.model._meta.db_table}"."document"'
        document = RawSQL(column, [], output_field=SearchVectorField())  # noqa: S611 - a constant
        return (
            self.annotate(document=document)
            .filter(document=query)
            .annotate(rank=SearchRank(F("document"), query))
        )


class SearchEntry(models.Model):
    """One searchable document: a topic or a key term, as plain text.

    Rebuilt in full at the end of every content import (see ``topics.search``). On SQLite an FTS5
    table mirrors this table through triggers; on PostgreSQL a stored, generated tsvector column
    with a GIN index holds each entry's document (``objects.search()``).
    """

    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        TERM = "term", "Key term"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    key_term = models.ForeignKey(
        KeyTerm, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=300, blank=True, help_text="A topic's title.")
    terms = models.TextField(blank=True, help_text="A key term, or a topic's key terms.")
    context = models.TextField(blank=True, help_text="The titles around it: section, course.")
    body = models.TextField(blank=True, help_text="The text, Markdown rendered to plain text.")

    objects = SearchEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return self.title or self.terms
