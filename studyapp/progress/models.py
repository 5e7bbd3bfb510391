"""What the dashboards keep of their own: a learner's answers added up per UTC quarter-hour, and
their graded quiz answers added up per topic and per exam domain and quarter-hour."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StudyQuarter(models.Model):
    """A learner's flashcard and graded quiz answers in one UTC quarter-hour, added up.

    Kept by the database itself: triggers on the review log (``cards.ReviewLog``) and the
    question reviews (``quizzes.QuestionReview``) add each row inserted, take back each row
    deleted and move each row changed (migration ``0002_study_quarter_triggers``), so every
    way of storing an answer counts (the review and grading functions, bulk data, deletions
    that cascade) and recording one costs no query more. The dashboard reads a learner's rows
    and adds them up into their study days (every time zone's offset and every day start is a
    whole number of quarter-hours), so a change of time zone or day-start hour needs nothing
    rebuilt.

    ``quarter`` is the quarter-hour since the Unix epoch, as
    :func:`studyapp.progress.selectors.quarter_hour` computes it; ``young``/``mature`` count the
    answers to cards in review scheduled less than / at least ``MATURE_DAYS`` apart, and the
    ``_passed`` ones those rated Hard, Good or Easy.
    """

    pk = models.CompositePrimaryKey("user_id", "quarter")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="study_quarters",
        db_index=False,  # the primary key (user, quarter) serves
    )
    quarter = models.IntegerField()
    reviews = models.IntegerField(default=0)
    review_ms = models.BigIntegerField(default=0)
    young = models.IntegerField(default=0)
    young_passed = models.IntegerField(default=0)
    mature = models.IntegerField(default=0)
    mature_passed = models.IntegerField(default=0)
    answers = models.IntegerField(default=0)
    answer_ms = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id} in quarter {self.quarter}: {self.reviews}+{self.answers}"


class TopicAnswers(models.Model):
    """A learner's graded quiz answers to the questions that test one topic, added up: how many
    were graded, and how many of them right.

    Kept by the database itself, as ``StudyQuarter`` is: triggers on the answers
    (``quizzes.AttemptQuestion``), on the topics a question version tests (its many-to-many
    table) and on an attempt's learner add each graded answer, take back each one removed or
    ungraded and move each one changed (migration ``0004_topic_answers_triggers``,
    :mod:`studyapp.progress.triggers`). So the
    dashboard reads one row per topic the learner has answered, whatever the length of their
    history, and the figures are those of :func:`studyapp.progress.selectors.topic_accuracy`
    over all their answers. A row taken back to nothing stays, with ``graded`` 0; readers skip
    it.
    """

    pk = models.CompositePrimaryKey("user_id", "topic_id")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="topic_answers",
        db_index=False,  # the primary key (user, topic) serves
    )
    topic = models.ForeignKey("topics.Topic", on_delete=models.CASCADE, related_name="+")
    graded = models.IntegerField(default=0)
    correct = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id} on topic {self.topic_id}: {self.correct}/{self.graded}"


class DomainQuarter(models.Model):
    """A learner's graded quiz answers in one exam domain, answered in one UTC quarter-hour,
    added up: how many were graded, and how many of them right.

    Kept by the database as ``TopicAnswers`` is, by triggers on the answers, on a question
    version's domain and on an attempt's learner (migration ``0006_domain_quarter_triggers``).
    The readiness estimate reads the rows of its window (the quarter-hours of the last
    ``READINESS_DAYS``), a few per domain and study session, instead of every answer.
    ``quarter`` is the quarter-hour since the Unix epoch of the answer's ``answered_at``.
    """

    pk = models.CompositePrimaryKey("user_id", "quarter", "domain")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="domain_quarters",
        db_index=False,  # the primary key (user, quarter, domain) serves
    )
    quarter = models.IntegerField()
    domain = models.CharField(max_length=2)
    graded = models.IntegerField(default=0)
    correct = models.IntegerField(default=0)

    def __str__(self) -> str:
        return (
            f"{self.user_id} in {self.domain}, quarter {self.quarter}: {self.correct}/{self.graded}"
        )
