"""The question bank, attempts and the spaced-repetition schedule of questions.

A :class:`Question` is the stable identity (its key never changes); what it says lives in
immutable :class:`QuestionVersion` rows. Editing a question creates a new version and moves
``current_version``; every :class:`AttemptQuestion` keeps the version it was answered on, so a
learner's history never changes under them. Imported questions are archived, never deleted,
when they leave the content files.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from studyapp.cards.models import FsrsState, Rating
from studyapp.core.archiving import ArchivableQuerySet, active_q

DOMAINS = {
    "D1": "Design Solutions for Organizational Complexity",
    "D2": "Design for New Solutions",
    "D3": "Continuous Improvement for Existing Solutions",
    "D4": "Accelerate Workload Migration and Modernization",
}
DOMAIN_WEIGHTS = {"D1": 26, "D2": 29, "D3": 25, "D4": 20}  # percent of the exam


def question_asked_q(path: str = "") -> Q:
    """A question learners are asked, through ``path`` ("" is the question): published, not
    archived, and in a course that is not archived."""
    prefix = f"{path}__" if path else ""
    return active_q(path, f"{prefix}course") & Q(**{f"{prefix}status": "published"})


class QuestionQuerySet(ArchivableQuerySet):
    def published(self):
        """Questions a learner can be asked: published, not archived, with a version."""
        return self.active().filter(status=Question.Status.PUBLISHED, current_version__isnull=False)

    def asked(self):
        """Published questions of courses that are not archived: what quizzes draw from."""
        return self.published().filter(active_q("course"))

    def in_pool(self):
        """Published questions of the courses' curated pools: practice and exam simulations
        for every learner draw from these only. An instructor's other questions reach learners
        only through that instructor's quizzes, assigned to cohorts."""
        return self.asked().filter(in_pool=True)

    def drawable_by(self, user):
        """Published questions an instructor may put in a quiz, by hand or by a rule: the
        courses' curated pools, the banks they uploaded and the questions they wrote or
        imported; never another instructor's own questions."""
        return self.asked().filter(
            Q(in_pool=True) | Q(author_id=user.pk) | Q(course__uploaded_by_id=user.pk)
        )


class CaseStudy(models.Model):
    """A business scenario that several questions share, from ``content/case-studies/``: its
    text is shown above each of its questions, in practice and in exams (it holds no answer)."""

    course = models.ForeignKey("topics.Course", on_delete=models.CASCADE, related_name="+")
    slug = models.SlugField(max_length=120)
    title = models.CharField(max_length=255)
    body_md = models.TextField()
    source = models.CharField(max_length=500, blank=True, help_text="The file it came from.")
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = ArchivableQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "slug"], name="case_study_slug_per_course")
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    class Origin(models.TextChoices):
        CONTENT = "content", "A question file in content/quizzes/"
        IMPORTED = "imported", "Imported from a file"
        AUTHORED = "authored", "Written in the browser"

    key = models.CharField(
        max_length=200, help_text="Stable id across imports; unique within its bank (course)."
    )
    course = models.ForeignKey("topics.Course", on_delete=models.CASCADE, related_name="questions")
    current_version = models.ForeignKey(
        "QuestionVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.AUTHORED)
    source = models.CharField(max_length=300, blank=True, help_text="The file it came from.")
    in_pool = models.BooleanField(
        default=False,
        help_text="In the course's curated pool (shipped content, or published to it on "
        "purpose): practice and exam simulations for everyone draw from it.",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField()
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        constraints = [
            models.UniqueConstraint(fields=["course", "key"], name="question_key_unique_in_bank")
        ]

    def __str__(self) -> str:
        return self.key


class QuestionVersion(models.Model):
    """One immutable wording of a question: stem, options, explanations and metadata."""

    class Kind(models.TextChoices):
        SINGLE = "single", "Single answer"
        MULTIPLE = "multiple", "Multiple response"
        TRUE_FALSE = "truefalse", "True/false"
        SHORT_ANSWER = "shortanswer", "Short answer"
        NUMERICAL = "numerical", "Numerical"

    #: Kinds answered by typing (a text input), not by choosing options.
    TYPED_KINDS = ("shortanswer", "numerical")

    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        MEDIUM = "medium", "Medium"
        HARD = "hard", "Hard"

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    stem_md = models.TextField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    case_sensitive = models.BooleanField(
        default=False,
        db_default=False,
        help_text="A short answer's case must match (Moodle's usecase).",
    )
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
    case_study = models.ForeignKey(
        CaseStudy,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="question_versions",
        help_text="The case study (content/case-studies/) the question belongs to, if any.",
    )
    title = models.CharField(max_length=255, blank=True, help_text="A short name (GIFT, Moodle).")
    text_format = models.CharField(
        max_length=10,
        choices=[
            ("markdown", "Markdown"),
            ("html", "HTML"),
            ("plain", "Plain text"),
            ("moodle", "Moodle auto-format"),
        ],
        default="markdown",
        help_text="How the texts were written, and so how they are shown.",
    )
    category = models.CharField(max_length=255, blank=True, help_text="Moodle category path.")
    shuffle_options = models.BooleanField(
        default=True,
        help_text="Show the options in an order of each attempt's own (Moodle's shuffleanswers); "
        "options that refer to others, such as 'All of the above', keep their place.",
    )
    combined_feedback = models.JSONField(
        default=dict,
        blank=True,
        help_text="Moodle's feedback for a right, partly right and wrong answer, by its "
        "element name (correctfeedback, partiallycorrectfeedback, incorrectfeedback).",
    )
    try_it = models.CharField(
        max_length=500,
        blank=True,
        help_text="A sample function and the settings that show the behaviour the question is "
        "about ('sample key=value ...'); the review screen links to it once answered.",
    )
    content_hash = models.CharField(max_length=64, help_text="sha256 of what the version says.")
    html = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="Its texts as the pages show them, rendered once (quizzes/rendering.py).",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who wrote this version in the browser (None: a file).",
    )
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
    def is_typed(self) -> bool:
        """Answered by typing: a short answer or a number (its options are the accepted
        answers, never shown before the answer)."""
        return self.kind in self.TYPED_KINDS

    @property
    def domain_name(self) -> str:
        return DOMAINS.get(self.domain, self.domain)


class Option(models.Model):
    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    text_md = models.TextField()
    is_correct = models.BooleanField(default=False)
    fraction = models.FloatField(
        default=0.0,
        help_text="The option's weight, -1..1 (Moodle's fraction): 1 for a single answer's key, "
        "shares adding up to 1 for a multiple response's keys. is_correct is fraction > 0.",
    )
    explanation_md = models.TextField(blank=True)
    tolerance = models.FloatField(
        default=0.0,
        db_default=0.0,
        help_text="A numerical answer's accepted error either side (nominal).",
    )
    pinned = models.BooleanField(
        default=False,
        help_text="Keep this option at its written position when the others are shuffled "
        "(options that refer to the others, such as 'All of the above', keep theirs anyway).",
    )

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


class QuestionMedia(models.Model):
    """A file one of a version's texts shows (a Moodle XML ``<file>``), kept in the database.

    It belongs to the version (so to the question and its bank) and to one of its texts
    (``area``), which refers to it as ``@@PLUGINFILE@@/name``: as in Moodle, two texts may each
    hold a different file of the same name. It is served only to those who may see that
    question."""

    version = models.ForeignKey(QuestionVersion, on_delete=models.CASCADE, related_name="media")
    position = models.PositiveSmallIntegerField()
    area = models.CharField(
        max_length=40,
        help_text="The text it is attached to: questiontext, generalfeedback, correctfeedback, "
        "partiallycorrectfeedback, incorrectfeedback, answer/N or feedback/N.",
    )
    name = models.CharField(max_length=255)
    path = models.CharField(max_length=255, default="/")
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    data = models.BinaryField()

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "position"], name="question_media_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.version} {self.name}"


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
    quiz = models.ForeignKey(
        "Quiz",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attempts",
        help_text="The instructor's quiz this attempt takes, if any.",
    )
    question_count = models.PositiveIntegerField(default=0)
    correct_count = models.PositiveIntegerField(null=True, blank=True)
    marks = models.FloatField(
        null=True,
        blank=True,
        help_text="The marks earned, with partial credit (a practice session or an "
        "instructor's quiz); an exam simulation is all-or-nothing, so its marks are its count.",
    )
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
    response = models.TextField(
        blank=True,
        default="",
        db_default="",
        help_text="The typed answer of a short-answer or numerical question.",
    )
    mark = models.FloatField(
        null=True,
        blank=True,
        help_text="The mark earned, 0..1 (partial credit); None until graded.",
    )
    shown_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    flagged = models.BooleanField(default=False)
    correct = models.BooleanField(null=True, blank=True, help_text="None until graded.")
    option_order = models.JSONField(
        null=True, blank=True, help_text="Option ids in the order shown (None: as written)."
    )

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
        return bool(self.chosen) or bool(self.response.strip())

    @property
    def time_to_answer(self):
        """From first showing the question to its (last) answer; None if never answered."""
        if self.shown_at is None or self.answered_at is None:
            return None
        return max(self.answered_at - self.shown_at, timedelta(0))

    def shown_options(self) -> list[Option]:
        """The version's options in the order this attempt shows them, each with the letter
        it is shown under (``shown_letter``)."""
        options = list(self.version.options.all())
        if self.option_order:
            rank = {option_id: index for index, option_id in enumerate(self.option_order)}
            options.sort(key=lambda option: rank.get(option.id, len(rank) + option.position))
        for index, option in enumerate(options):
            option.shown_letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[index] if index < 26 else str(index)
        return options


class QuestionSchedule(models.Model):
    """A learner's FSRS schedule for one question (the whole FSRS card is the truth)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="question_schedules"
    )
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="schedules")
    fsrs_state = models.JSONField()
    state = models.PositiveSmallIntegerField(choices=FsrsState.choices)
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
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    review_log = models.JSONField(default=dict)

    class Meta:
        indexes = [models.Index(fields=["user", "reviewed_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.question} rated {self.rating}"


# -- instructors' quizzes and cohort assignments ----------------------------------------------


class QuizQuerySet(ArchivableQuerySet):
    def owned_by(self, user) -> QuizQuerySet:
        return self.active().filter(owner=user)


class Quiz(models.Model):
    """A quiz an instructor builds: hand-picked questions and/or random draws, with its rules."""

    class Mode(models.TextChoices):
        PRACTICE = "practice", "Practice (feedback after each answer)"
        TIMED = "timed", "Timed (results at the end)"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="quizzes_owned"
    )
    title = models.CharField(max_length=200)
    description_md = models.TextField(blank=True)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.PRACTICE)
    time_limit_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Timed quizzes only; empty: 144 seconds a question."
    )
    shuffle_questions = models.BooleanField(default=True)
    shuffle_options = models.BooleanField(
        default=True,
        help_text="Show each question's options in an order of each attempt's own, where the "
        "question's author allows it (Moodle's 'shuffle within questions').",
    )
    attempts_allowed = models.PositiveIntegerField(
        default=1, help_text="How many times a learner may take it; 0 means no limit."
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("teach:quiz", args=[self.pk])

    @property
    def is_timed(self) -> bool:
        return self.mode == self.Mode.TIMED


class QuizItem(models.Model):
    """A hand-picked question, asked in its current published version."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="items")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="quiz_items")
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["quiz", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="quiz_item_once_per_quiz")
        ]

    def __str__(self) -> str:
        return f"{self.quiz} · {self.question}"


class QuizRule(models.Model):
    """``count`` questions drawn at random from those matching a topic, domain and/or tag."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="rules")
    topic = models.ForeignKey(
        "topics.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    domain = models.CharField(max_length=2, blank=True, choices=list(DOMAINS.items()))
    tag = models.CharField(max_length=100, blank=True)
    count = models.PositiveIntegerField(default=5)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["quiz", "position", "id"]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        parts = []
        if self.topic_id:
            parts.append(self.topic.title)
        if self.domain:
            parts.append(f"{self.domain} {DOMAINS.get(self.domain, '')}".strip())
        if self.tag:
            parts.append(f"tag “{self.tag}”")
        where = " and ".join(parts) or "the whole bank"
        return f"{self.count} random from {where}"


class Assignment(models.Model):
    """Work an instructor gives a cohort: take a quiz, read a topic, or study a deck of cards."""

    class Kind(models.TextChoices):
        QUIZ = "quiz", "Take a quiz"
        TOPIC = "topic", "Read a topic"
        DECK = "deck", "Study a deck of cards"

    cohort = models.ForeignKey(
        "accounts.Cohort", on_delete=models.CASCADE, related_name="assignments"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    quiz = models.ForeignKey(
        Quiz, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    topic = models.ForeignKey(
        "topics.Topic",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The topic to read, or whose cards to study.",
    )
    course = models.ForeignKey(
        "topics.Course",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="A whole course's cards to study.",
    )
    due_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["cohort", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.cohort}"
