"""Flashcards: a note holds the facts; each note gives one or more cards (Anki's model).

A key term from the notes gives a basic note with one card. Basic-and-reversed notes give two
cards and cloze notes one card per cloze number; cards of one note are siblings.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from studyapp.core.archiving import ArchivableQuerySet, active_q
from studyapp.topics.models import topic_visible_q


def card_studied_q(path: str = "") -> Q:
    """A card still in the course, through ``path`` ("" is the card): card and note active, and
    its topic visible (published and reachable)."""
    prefix = f"{path}__" if path else ""
    return active_q(path, f"{prefix}note") & topic_visible_q(f"{prefix}note__topic")


def schedule_studied_q() -> Q:
    """A card schedule whose card is still studied; through the schedule's own copy of the note,
    so the card's note is not joined."""
    return active_q("card", "note") & topic_visible_q("note__topic")


class FsrsState(models.IntegerChoices):
    """An FSRS card's state, with ``fsrs.State``'s values; stored so for cards and questions."""

    LEARNING = 1, "Learning"
    REVIEW = 2, "Review"
    RELEARNING = 3, "Relearning"


class Rating(models.IntegerChoices):
    """An answer's rating, with ``fsrs.Rating``'s values."""

    AGAIN = 1, "Again"
    HARD = 2, "Hard"
    GOOD = 3, "Good"
    EASY = 4, "Easy"


class CardQuerySet(ArchivableQuerySet):
    def studied(self):
        """Every card a learner studies (see :func:`card_studied_q`)."""
        return self.filter(card_studied_q())


class Note(models.Model):
    class Kind(models.TextChoices):
        BASIC = "basic", "Basic"
        REVERSED = "reversed", "Basic and reversed"
        CLOZE = "cloze", "Cloze"

    class Source(models.TextChoices):
        NOTES = "notes", "Key term in the notes"
        CONTENT = "content", "Card file in content/"
        AUTHORED = "authored", "Written in the browser"

    key = models.CharField(max_length=300, unique=True, help_text="Stable id across imports.")
    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="notes")
    key_term = models.OneToOneField(
        "topics.KeyTerm", null=True, blank=True, on_delete=models.SET_NULL, related_name="note"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.BASIC)
    source = models.CharField(max_length=10, choices=Source.choices)
    front_md = models.TextField(help_text="Front, or the cloze text for cloze notes.")
    back_md = models.TextField(blank=True, help_text="Back, or extra text for cloze notes.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ArchivableQuerySet.as_manager()

    def __str__(self) -> str:
        return self.key


class Card(models.Model):
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="cards")
    ordinal = models.PositiveSmallIntegerField(
        default=1, help_text="1 for basic; 1-2 for reversed; the cloze number for cloze."
    )
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = CardQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["note", "ordinal"], name="card_ordinal_unique_in_note")
        ]

    def __str__(self) -> str:
        return f"{self.note.key}#{self.ordinal}"


class NoteOverride(models.Model):
    """One learner's own text of a shared note, as Anki users edit their own copy of a card.

    The note (from the course's notes, a content file or an instructor) stays as it is for
    everyone else; this learner sees their text wherever the note's cards are shown to them
    (see :mod:`studyapp.cards.overrides`). ``original_front_md`` and ``original_back_md`` keep the
    course's text as it was when the learner wrote theirs, so a later change of the course's note
    (a re-import) can be told apart and shown, and neither text is ever lost.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="note_overrides"
    )
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="overrides")
    front_md = models.TextField(help_text="The learner's front, or cloze text.")
    back_md = models.TextField(blank=True, help_text="The learner's back, or extra text.")
    original_front_md = models.TextField(help_text="The note's front when the learner saved.")
    original_back_md = models.TextField(
        blank=True, help_text="The note's back when the learner saved."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "note"], name="note_override_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · note {self.note_id}"


def default_learning_steps() -> list[int]:
    return [1, 10]


def default_relearning_steps() -> list[int]:
    return [10]


def validate_retention(value: float) -> None:
    if not 0.70 <= value <= 0.97:
        raise ValidationError("Desired retention must be between 0.70 and 0.97.")


def validate_steps(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(step, int | float) and not isinstance(step, bool) for step in value
    ):
        raise ValidationError("Steps are a list of minutes.")
    if len(value) > 10:
        raise ValidationError("Use at most 10 steps.")
    if any(not 0 < step <= 60 * 24 * 7 for step in value):
        raise ValidationError("Each step is between 1 minute and 7 days (10080 minutes).")


class StudySettings(models.Model):
    """How one learner wants to be scheduled. A learner without a row gets the defaults."""

    class LeechAction(models.TextChoices):
        SUSPEND = "suspend", "Tag and suspend"
        TAG = "tag", "Tag only"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_settings"
    )
    desired_retention = models.FloatField(default=0.90, validators=[validate_retention])
    new_per_day = models.PositiveIntegerField(
        default=20, validators=[MaxValueValidator(9999)], help_text="New cards a day."
    )
    reviews_per_day = models.PositiveIntegerField(
        default=200, validators=[MaxValueValidator(99999)], help_text="Reviews a day at most."
    )
    learning_steps = models.JSONField(
        default=default_learning_steps, validators=[validate_steps], help_text="Minutes."
    )
    relearning_steps = models.JSONField(
        default=default_relearning_steps, validators=[validate_steps], help_text="Minutes."
    )
    maximum_interval = models.PositiveIntegerField(
        default=36500, validators=[MinValueValidator(1), MaxValueValidator(36500)]
    )
    day_starts_at_hour = models.PositiveSmallIntegerField(
        default=4,
        validators=[MaxValueValidator(23)],
        help_text="The hour (in your time zone) at which a new study day starts.",
    )
    bury_siblings = models.BooleanField(
        default=True, help_text="After answering a card, hide its siblings until the next day."
    )
    leech_action = models.CharField(
        max_length=10, choices=LeechAction.choices, default=LeechAction.SUSPEND
    )
    parameters = models.JSONField(
        null=True, blank=True, help_text="FSRS parameters optimised on this learner's reviews."
    )
    parameters_optimised_at = models.DateTimeField(null=True, blank=True)
    parameters_evaluation = models.JSONField(
        null=True,
        blank=True,
        help_text="The last optimisation: log loss and RMSE before and after, on these reviews.",
    )
    optimisation_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "study settings"

    def __str__(self) -> str:
        return f"Study settings of {self.user}"


class CardSchedule(models.Model):
    """One learner's FSRS state of one card, created on the first answer.

    ``fsrs_card`` (``fsrs.Card.to_dict()``) is the source of truth; ``due``, ``state``,
    ``stability`` and ``last_review_days`` are copies for indexed queries and ordering.
    ``version`` grows with every change, so an answer form replayed later is recorded once.
    """

    State = FsrsState

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="card_schedules"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="schedules")
    note = models.ForeignKey(
        Note, on_delete=models.CASCADE, related_name="+", help_text="Copy of card.note."
    )
    fsrs_card = models.JSONField()
    due = models.DateTimeField()
    state = models.PositiveSmallIntegerField(choices=State.choices)
    stability = models.FloatField(null=True)
    last_review = models.DateTimeField(null=True)
    last_review_days = models.FloatField(
        null=True, help_text="last_review as days since the Unix epoch, for overdueness."
    )
    introduced_at = models.DateTimeField(
        null=True, help_text="The first answer; None while a new card is only suspended."
    )
    reps = models.PositiveIntegerField(default=0)
    lapses = models.PositiveIntegerField(default=0)
    suspended = models.BooleanField(default=False)
    buried_until = models.DateTimeField(null=True, blank=True)
    leech = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "card"], name="card_schedule_once_per_user")
        ]
        indexes = [
            models.Index(fields=["user", "due"], name="card_schedule_user_due"),
            models.Index(fields=["user", "last_review"], name="card_schedule_user_last"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · card {self.card_id}"


class ReviewLog(models.Model):
    """Every answer: what was pressed, when, how long it took, and the state before (for undo)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_logs"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="review_logs")
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    reviewed_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="From revealing the answer to answering."
    )
    elapsed_days = models.IntegerField(
        null=True, help_text="Whole days since the card's previous answer (None for the first)."
    )
    state_before = models.PositiveSmallIntegerField(
        choices=FsrsState.choices, null=True, help_text="None: a new card."
    )
    state_after = models.PositiveSmallIntegerField(choices=FsrsState.choices)
    due_before = models.DateTimeField(null=True)
    due_after = models.DateTimeField()
    schedule_before = models.JSONField(
        null=True, help_text="The schedule's fields before this answer; None for a new card."
    )
    fsrs_review_log = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "reviewed_at"], name="review_log_user_time"),
            models.Index(fields=["card", "reviewed_at"], name="review_log_card_time"),
        ]

    def __str__(self) -> str:
        return f"{self.user} rated card {self.card_id} {self.rating}"
