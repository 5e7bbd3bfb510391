"""Instructors' quizzes: hand-picked questions and random draws, and taking one.

A quiz's questions are its hand-picked items (in their order) followed by each rule's random
draw from the published questions matching it (never one already picked). Taking a quiz goes
through the attempt machinery of :mod:`attempts`: a practice quiz is a practice attempt
(feedback after each answer), a timed one an exam attempt with the quiz's time limit (or the
exam's 144 seconds a question). The availability window and the attempts allowed are enforced
here, with messages a learner understands.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Max, Q, QuerySet

from studyapp.accounts.models import Cohort
from studyapp.core.errors import Invalid, NotFound
from studyapp.core.text import short_text_checked
from studyapp.quizzes import grading
from studyapp.quizzes.attempts import AttemptError, NoQuestions, attempt_create
from studyapp.quizzes.models import (
    Assignment,
    Attempt,
    Question,
    Quiz,
    QuizItem,
    QuizRule,
)


class QuizClosed(AttemptError):
    """Outside the availability window, or no attempts left."""


def quiz_create(*, owner, title: str, now: datetime) -> Quiz:
    """A new, empty quiz of ``owner``'s; ``Invalid`` for a title that is empty or that the
    column cannot keep."""
    title = short_text_checked(
        title, max_length=Quiz._meta.get_field("title").max_length, label="The quiz's title"
    )
    if not title:
        raise Invalid("Give the quiz a title.")
    return Quiz.objects.create(owner=owner, title=title, created_at=now, updated_at=now)


def quiz_for_owner(*, user, quiz_id: int) -> Quiz:
    """The quiz if ``user`` owns it; 404 otherwise (another instructor's quiz included)."""
    quiz = Quiz.objects.owned_by(user).filter(pk=quiz_id).first()
    if quiz is None:
        raise NotFound("No such quiz.")
    return quiz


def quiz_item_add(*, quiz: Quiz, question: Question) -> QuizItem:
    last = quiz.items.aggregate(last=Max("position"))["last"] or 0
    item, _ = QuizItem.objects.get_or_create(
        quiz=quiz, question=question, defaults={"position": last + 1}
    )
    return item


def quiz_item_remove(*, quiz: Quiz, item_id: int) -> None:
    quiz.items.filter(pk=item_id).delete()


def quiz_item_move(*, quiz: Quiz, item_id: int, offset: int) -> None:
    """Move a hand-picked question up (-1) or down (+1); positions are renumbered 1..n."""
    items = list(quiz.items.order_by("position", "id"))
    index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
    if index is None:
        return
    target = index + offset
    if 0 <= target < len(items):
        items[index], items[target] = items[target], items[index]
    for position, item in enumerate(items, start=1):
        item.position = position
    QuizItem.objects.bulk_update(items, ["position"])


def quiz_rule_add(
    *, quiz: Quiz, count: int, topic=None, domain: str = "", tag: str = ""
) -> QuizRule:
    last = quiz.rules.aggregate(last=Max("position"))["last"] or 0
    return QuizRule.objects.create(
        quiz=quiz, count=count, topic=topic, domain=domain, tag=tag.strip(), position=last + 1
    )


def rule_pool(rule: QuizRule) -> QuerySet[Question]:
    """Published questions the quiz's owner may draw from (:meth:`QuestionQuerySet.drawable_by`)
    matching the rule (topic, domain and tag together)."""
    pool = Question.objects.drawable_by(rule.quiz.owner)
    if rule.topic_id:
        pool = pool.filter(current_version__topics=rule.topic_id)
    if rule.domain:
        pool = pool.filter(current_version__domain=rule.domain)
    if rule.tag:
        pool = pool.filter(current_version__tags__icontains=f'"{rule.tag}"')
    return pool.distinct().select_related("current_version")


def questions_search(
    *,
    text: str = "",
    topic=None,
    domain: str = "",
    tag: str = "",
    status: str = "",
    drawable_by=None,
) -> QuerySet[Question]:
    """The bank filtered by text (stem, title or key), topic, domain, tag and status; with
    ``drawable_by`` (an instructor), only the published questions they may put in a quiz."""
    questions = Question.objects.active().filter(current_version__isnull=False)
    if drawable_by is not None:
        questions = Question.objects.drawable_by(drawable_by)
    elif status:
        questions = questions.filter(status=status)
    if text.strip():
        needle = text.strip()
        questions = questions.filter(
            Q(current_version__stem_md__icontains=needle)
            | Q(current_version__title__icontains=needle)
            | Q(key__icontains=needle)
        )
    if topic is not None:
        questions = questions.filter(current_version__topics=topic)
    if domain:
        questions = questions.filter(current_version__domain=domain)
    if tag.strip():
        questions = questions.filter(current_version__tags__icontains=f'"{tag.strip()}"')
    return questions.distinct().select_related("current_version", "course").order_by("-id")


def quiz_questions_draw(quiz: Quiz, *, rng: random.Random) -> list[Question]:
    """The hand-picked questions (published ones, in order) and each rule's random draw."""
    picked = [
        item.question
        for item in quiz.items.select_related("question__current_version").order_by("position")
        if item.question.status == Question.Status.PUBLISHED
        and item.question.archived_at is None
        and item.question.current_version_id
    ]
    chosen = {question.pk for question in picked}
    drawn: list[Question] = []
    for rule in quiz.rules.select_related("topic", "quiz__owner").order_by("position", "id"):
        pool = [question for question in rule_pool(rule) if question.pk not in chosen]
        pool.sort(key=lambda question: question.pk)
        take = rng.sample(pool, min(rule.count, len(pool)))
        chosen.update(question.pk for question in take)
        drawn.extend(take)
    questions = picked + drawn
    if quiz.shuffle_questions:
        rng.shuffle(questions)
    return questions


def quiz_question_estimate(quiz: Quiz) -> int:
    """How many questions an attempt will have (hand-picked plus what the rules can draw)."""
    picked = quiz.items.filter(question__status=Question.Status.PUBLISHED).count()
    rules = quiz.rules.select_related("quiz__owner")
    return picked + sum(min(rule.count, rule_pool(rule).count()) for rule in rules)


# -- learners ---------------------------------------------------------------------------------


def quiz_for_learner(*, user, quiz_id: int) -> Quiz:
    """A published quiz assigned to one of the learner's cohorts (its owner may preview it);
    404 otherwise."""
    quiz = Quiz.objects.active().filter(pk=quiz_id).first()
    if quiz is None:
        raise NotFound("No such quiz.")
    if quiz.owner_id == user.pk:
        return quiz
    assigned = Assignment.objects.filter(
        quiz=quiz, cohort__in=Cohort.objects.joined_by(user)
    ).exists()
    if not assigned or quiz.status != Quiz.Status.PUBLISHED:
        raise NotFound("No such quiz.")
    return quiz


def quiz_attempts_of(*, user, quiz: Quiz) -> QuerySet[Attempt]:
    return Attempt.objects.filter(user=user, quiz=quiz).order_by("started_at", "id")


def quiz_availability(*, user, quiz: Quiz, now: datetime) -> str:
    """Why the learner cannot start the quiz now, or "" when they can."""
    if quiz.opens_at and now < quiz.opens_at:
        return f"This quiz opens on {quiz.opens_at:%d %b %Y at %H:%M} UTC."
    if quiz.closes_at and now >= quiz.closes_at:
        return f"This quiz closed on {quiz.closes_at:%d %b %Y at %H:%M} UTC."
    if quiz.attempts_allowed:
        used = quiz_attempts_of(user=user, quiz=quiz).count()
        if used >= quiz.attempts_allowed:
            allowed = quiz.attempts_allowed
            return (
                f"You have used your {allowed} attempt{'s' if allowed != 1 else ''} at this quiz."
            )
    return ""


def quiz_attempt_start(
    *, user, quiz: Quiz, now: datetime, rng: random.Random | None = None
) -> Attempt:
    """Start an attempt at the quiz, within its window and the attempts allowed."""
    rng = rng or random.Random()
    with transaction.atomic():
        # Serialise a learner's starts so two quick clicks cannot both use the last attempt.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        reason = quiz_availability(user=user, quiz=quiz, now=now)
        if reason:
            raise QuizClosed(reason)
        questions = quiz_questions_draw(quiz, rng=rng)
        if not questions:
            raise NoQuestions("This quiz has no published questions yet.")
        deadline = None
        if quiz.is_timed:
            limit = (
                timedelta(minutes=quiz.time_limit_minutes)
                if quiz.time_limit_minutes
                else grading.exam_time_limit(len(questions))
            )
            deadline = now + limit
            if quiz.closes_at:
                deadline = min(deadline, quiz.closes_at)
        number = quiz_attempts_of(user=user, quiz=quiz).count() + 1
        attempt = attempt_create(
            user=user,
            mode=Attempt.Mode.EXAM if quiz.is_timed else Attempt.Mode.PRACTICE,
            title=quiz.title,
            questions=questions,
            config={"quiz": quiz.pk, "attempt_number": number},
            now=now,
            deadline=deadline,
            shuffle_options=quiz.shuffle_options,
        )
        attempt.quiz = quiz
        attempt.save(update_fields=["quiz"])
    return attempt
