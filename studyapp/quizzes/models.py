"""The question bank, attempts and the spaced-repetition schedule of questions.

A :class:`Question` is the stable identity (its key never changes); what it says lives in
immutable :class:`QuestionVersion` rows. Editing a question creates a new version and moves
``current_version``; every :class:`AttemptQuestion` keeps the version it was answered on, so a
learner's history never changes under them. Imported questions are archived, never deleted,
when they leave the content files.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse

from studyapp.topics.models import ArchivableQuerySet

DOMAINS = {
    "D1": "Design Solutions for Organizational Complexity",
    "D2": "Design for New Solutions",
    "D3": "Continuous Improvement for Existing Solutions",
    "D4": "Accelerate Workload Migration and Modernization",
}
DOMAIN_WEIGHTS = {"D1": 26, "D2": 29, "D3": 25, "D4": 20}  # percent of the exam


class QuestionQuerySet(ArchivableQuerySet):
    def published(self):
        """Questions a learner can be asked: published, not archived, with a version."""
        return self.active().filter(status=Question.Status.PUBLISHED, current_version__isnull=False)


class Question(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Origin(models.TextChoices):
        CONTENT = "content", "A question file in content/quizzes/"
        IMPORTED = "imported", "Imported from a file"
        AUTHORED = "authored", "Written in the browser"

    key = models.CharField(max_length=200, unique=True, help_text="Stable id across imports.")
    course = models.ForeignKey("topics.Course", on_delete=models.CASCADE, related_name="questions")
    current_version = models.ForeignKey(
        "QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.AUTHORED)
    source = models.CharField(max_length=300, blank=True, help_text="The file it came from.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField()
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key


class QuestionVersion(models.Model):
    """One immutable wording of a question: stem, options, explanations and metadata."""

    class Kind(models.TextChoices):
        SINGLE = "single", "Single answer"
        MULTIPLE = "multiple", "Multiple response"

    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        MEDIUM = "medium", "Medium"
        HARD = "hard", "Hard"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    stem_md = models.TextField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    general_explanation_md = models.TextField(blank=True)
    domain = models.CharField(max_length=2, choices=list(DOMAINS.items()))
    difficulty = models.CharField(
        max_length=10, choices=Difficulty.choices, default=Difficulty.MEDIUM
    )
    tags = models.JSONField(default=list, blank=True)
    topics = models.ManyToManyField("topics.Topic", related_name="questions")
    case = models.ForeignKey(
        "topics.ScenarioCase",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="question_versions",
    )
    content_hash = models.CharField(max_length=64, help_text="sha256 of what the version says.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="question_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question.key} v{self.number}"

    @property
    def domain_name(self) -> str:
        return DOMAINS.get(self.domain, self.domain)


class Option(models.Model):
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text_md = models.TextField()
    is_correct = models.BooleanField(default=False)
    explanation_md = models.TextField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="option_position_unique_in_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} option {self.position}"

    @property
    def letter(self) -> str:
        return "ABCDEFGHIJ"[self.position] if self.position < 10 else str(self.position + 1)


class Attempt(models.Model):
    """One practice session or timed exam of one learner."""

    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice"
        EXAM = "exam", "Timed exam"

    class Ending(models.TextChoices):
        SUBMITTED = "submitted", "Submitted by the learner"
        DEADLINE = "deadline", "Submitted when the time ran out"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attempts"
    )
    mode = models.CharField(max_length=10, choices=Mode.choices)
    title = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    ending = models.CharField(max_length=10, choices=Ending.choices, blank=True)
    config = models.JSONField(default=dict, blank=True, help_text="What was asked for at start.")
    question_count = models.PositiveIntegerField(default=0)
    correct_count = models.PositiveIntegerField(null=True, blank=True)
    scaled_score = models.PositiveIntegerField(null=True, blank=True)
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} #{self.pk} of {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt", args=[self.pk])

    @property
    def is_exam(self) -> bool:
        return self.mode == self.Mode.EXAM

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AttemptQuestion(models.Model):
    """A question as one attempt asked it: the exact version, the choice, flag and grade."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(help_text="1-based order within the attempt.")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    chosen = models.JSONField(default=list, blank=True, help_text="Chosen Option ids.")
    shown_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    correct = models.BooleanField(null=True, blank=True, help_text="None until graded.")

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="attempt_question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt} · {self.position}"

    @property
    def is_answered(self) -> bool:
        return bool(self.chosen)


class QuestionSchedule(models.Model):
    """A learner's FSRS schedule for one question (the whole FSRS card is the truth)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_schedules"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="schedules")
    fsrs_state = models.JSONField()
    state = models.CharField(max_length=20, blank=True)
    due = models.DateTimeField(db_index=True)
    last_reviewed_at = models.DateTimeField()
    reviews = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "question"], name="question_schedule_once_per_user"
            )
        ]
        indexes = [models.Index(fields=["user", "due"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.question} due {self.due:%Y-%m-%d %H:%M}"


class QuestionReview(models.Model):
    """Every graded answer that moved a schedule, with its FSRS review log (for an optimizer)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_reviews"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="reviews")
    attempt_question = models.ForeignKey(
        AttemptQuestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField()
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    review_log = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["user", "reviewed_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.question} rated {self.rating}"
