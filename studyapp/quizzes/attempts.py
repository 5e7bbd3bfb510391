"""Practice sessions and timed exams: start, answer, flag, submit, and the deadline.

Every function takes ``now`` so that time is an argument, not a global: views pass
``timezone.now()``, tests pass the moment they need. The server is the only clock that counts:
an exam's deadline is stored on the attempt, an answer or a flag at or after it is refused
(:class:`DeadlinePassed`) and the attempt is submitted as it stood, and any read of an expired
attempt (:func:`attempt_open`) submits it too, so a closed tab cannot keep an exam open.

Practice grades each answer at once (and moves that question's FSRS schedule); an exam grades
everything at submission.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from studyapp.core.errors import Conflict, Invalid
from studyapp.core.rows import row_update, rows_insert, with_defaults
from studyapp.quizzes import grading
from studyapp.quizzes.banks import option_fractions
from studyapp.quizzes.models import Attempt, AttemptQuestion, Option, Question
from studyapp.quizzes.rendering import version_html_keep
from studyapp.quizzes.scheduling import question_review_record
from studyapp.quizzes.selectors import (
    NavigatorItem,
    attempt_has_open_item,
    attempt_item,
    item_read,
    questions_due,
)

PRACTICE_SOURCES = {
    "all": "All questions",
    "missed": "Questions I missed (my last answer was wrong)",
    "due": "Due questions (spaced repetition)",
}
MAX_QUESTIONS = 200


class AttemptError(Conflict):
    """An action the attempt does not allow; the message is shown to the learner."""


class AttemptClosed(AttemptError):
    pass


class DeadlinePassed(AttemptClosed):
    pass


class NoQuestions(AttemptError, Invalid):
    pass


def question_pool(
    *,
    user,
    now: datetime,
    topic_ids: list[int] | None = None,
    domains: list[str] | None = None,
    source: str = "all",
) -> QuerySet[Question]:
    """Published questions matching the filters; ``missed``: the learner's last answer to
    them was wrong; ``due``: the questions due today (:func:`questions_due`), whichever
    quiz first asked them."""
    pool = questions_due(user, now=now) if source == "due" else Question.objects.in_pool()
    if topic_ids:
        pool = pool.filter(current_version__topics__in=topic_ids)
    if domains:
        pool = pool.filter(current_version__domain__in=domains)
    if source == "missed":
        last = (
            AttemptQuestion.objects.filter(
                attempt__user=user, version__question=OuterRef("pk"), correct__isnull=False
            )
            .exclude(attempt__mode=Attempt.Mode.EXAM, attempt__submitted_at__isnull=True)
            .order_by("-answered_at", "-id")
            .values("correct")[:1]
        )
        pool = pool.annotate(last_correct=Subquery(last)).filter(last_correct=False)
    # Without the versions' kept HTML (rendering.py): starting needs none of it.
    return pool.distinct().select_related("current_version").defer("current_version__html")


def questions_read(pool: QuerySet[Question], keys: list[int]) -> list[Question]:
    """The questions ``keys`` of ``pool``, with their current versions, in that order. A start
    draws from the pool's keys alone and reads only the questions drawn, not the whole bank."""
    found = pool.filter(pk__in=keys).in_bulk()
    return [found[key] for key in keys]


def practice_start(
    *,
    user,
    now: datetime,
    count: int,
    topic_ids: list[int] | None = None,
    domains: list[str] | None = None,
    source: str = "all",
    rng: random.Random | None = None,
) -> Attempt:
    """Start a practice session of up to ``count`` questions (fewer if fewer match)."""
    if source not in PRACTICE_SOURCES:
        raise AttemptError(f"unknown question source {source!r}")
    rng = rng or random.Random()
    count = max(1, min(count, MAX_QUESTIONS))
    pool = question_pool(user=user, now=now, topic_ids=topic_ids, domains=domains, source=source)
    keys = list(pool.values_list("pk", flat=True))
    if not keys:
        raise NoQuestions(
            "No questions match: nothing is due yet."
            if source == "due"
            else "No questions match these choices."
        )
    picked = keys[:count] if source == "due" else rng.sample(keys, min(count, len(keys)))
    chosen = questions_read(pool, picked)
    config = {
        "source": source,
        "topics": topic_ids or [],
        "domains": domains or [],
        "requested": count,
    }
    return attempt_create(
        user=user,
        mode=Attempt.Mode.PRACTICE,
        title=f"Practice: {PRACTICE_SOURCES[source].split(' (')[0].lower()}",
        questions=chosen,
        config=config,
        now=now,
        deadline=None,
    )


def missed_practice_start(
    *, user, source: Attempt, questions: list[Question], now: datetime
) -> Attempt:
    """Practise exactly ``questions`` (those missed in ``source``), in the order they were asked,
    each in its current published wording; questions withdrawn since are left out."""
    if source.user_id != user.pk or not source.is_submitted:
        raise AttemptError("Only a finished attempt of your own can be practised again.")
    published = {
        question.pk: question
        for question in Question.objects.published()
        .filter(pk__in=[question.pk for question in questions])
        .select_related("current_version")
    }
    chosen = [published[question.pk] for question in questions if question.pk in published]
    if not chosen:
        raise NoQuestions("Nothing to practise: every question of this attempt was right.")
    return attempt_create(
        user=user,
        mode=Attempt.Mode.PRACTICE,
        title=f"Practice: missed in {source.title or source.get_mode_display().lower()}",
        questions=chosen,
        config={"source": "attempt", "attempt": source.pk, "requested": len(chosen)},
        now=now,
        deadline=None,
    )


def exam_start(
    *, user, now: datetime, count: int | None = None, rng: random.Random | None = None
) -> Attempt:
    """Start a timed exam: ``count`` questions (None: the full exam's 75), drawn by domain
    weight, with 144 seconds a question (75 questions: 180 minutes)."""
    rng = rng or random.Random()
    requested = grading.FULL_EXAM_QUESTIONS if count is None else max(1, min(count, 200))
    pool = question_pool(user=user, now=now)
    by_domain: dict[str, list[int]] = {}
    for key, domain in pool.values_list("pk", "current_version__domain"):
        by_domain.setdefault(domain, []).append(key)
    picked = grading.draw_by_domain(by_domain, count=requested, rng=rng)
    if not picked:
        raise NoQuestions("The question bank is empty: import content first.")
    drawn = questions_read(pool, picked)
    config = {"full": count is None, "requested": requested, "drawn": len(drawn)}
    title = "Full exam" if count is None else f"Timed exam: {questions_counted(len(drawn))}"
    return attempt_create(
        user=user,
        mode=Attempt.Mode.EXAM,
        title=title,
        questions=drawn,
        config=config,
        now=now,
        deadline=now + grading.exam_time_limit(len(drawn)),
    )


#: Options that refer to the other options keep the place the author gave them: "All of the
#: above", "None of these", "Both A and B", "Neither of the options".
PINNED_OPTION = re.compile(
    r"\b(?:all|none|both|neither|either)\s+of\s+(?:the\s+)?(?:above|these|those|options|answers)\b"
    r"|^\W*(?:both\s+)?\(?[A-J]\)?\s+(?:and|&|or)\s+\(?[A-J]\)?\W*$",
    re.IGNORECASE,
)


def option_is_pinned(text: str) -> bool:
    """True for an option that names the others (it would read wrong anywhere but its place)."""
    return bool(PINNED_OPTION.search(text.strip()))


class OptionPlace(NamedTuple):
    """What an option's place in an attempt depends on, read without building the Option (a
    start reads them for every option of every question it draws)."""

    id: int
    position: int
    pinned: bool
    text_md: str


def option_keeps_place(option: Option | OptionPlace) -> bool:
    """True for an option its author pinned, or one that names the others."""
    return option.pinned or option_is_pinned(option.text_md)


def option_order_shuffle(
    *, seed: str, options: Sequence[Option | OptionPlace], shuffle: bool
) -> list[int]:
    """The options' ids in the order one attempt shows them.

    Deterministic from ``seed`` (so the same attempt always gets the same order, whatever
    reloads it); pinned options (:func:`option_keeps_place`: pinned by the author, or naming
    the others) keep their written place and the others are shuffled among the remaining
    places. ``shuffle`` False keeps the written order.
    The ids are the author's option identities: grading, statistics and exports use them, never
    the display position.
    """
    written = sorted(options, key=lambda option: option.position)
    if not shuffle:
        return [option.id for option in written]
    kept = [option_keeps_place(option) for option in written]
    movable = [option.id for option, keeps in zip(written, kept, strict=True) if not keeps]
    rng = random.Random(hashlib.sha256(seed.encode()).digest())
    rng.shuffle(movable)
    moved = iter(movable)
    return [
        option.id if keeps else next(moved) for option, keeps in zip(written, kept, strict=True)
    ]


def attempt_option_seed(*, attempt: Attempt, position: int, version_id: int) -> str:
    """The seed of one question's option order: the attempt, its learner and the question, with
    the server's secret so that no one can work an order out from the ids."""
    return f"{settings.SECRET_KEY}:{attempt.pk}:{attempt.user_id}:{position}:{version_id}"


def questions_counted(count: int) -> str:
    """'1 question', '20 questions'."""
    return f"{count} question{'' if count == 1 else 's'}"


def attempt_create(
    *,
    user,
    mode: str,
    title: str,
    questions: list[Question],
    config: dict,
    now: datetime,
    deadline: datetime | None,
    shuffle_options: bool = True,
) -> Attempt:
    """Create the attempt and its questions, each with the order its options are shown in
    (shuffled per attempt and learner where the question's author allows it and
    ``shuffle_options`` is True, stored so that reloads, resumes and reviews show the same)."""
    version_ids = [question.current_version_id for question in questions]
    options: dict[int, list[OptionPlace]] = {}
    places = (
        Option.objects.filter(version_id__in=version_ids)
        .order_by()  # option_order_shuffle puts them in order
        .values_list("version_id", "id", "position", "pinned", "text_md")
    )
    for version_id, *place in places:
        options.setdefault(version_id, []).append(OptionPlace(*place))
    with transaction.atomic():
        attempt = Attempt.objects.create(
            user=user,
            mode=mode,
            title=title,
            started_at=now,
            deadline=deadline,
            config=config,
            question_count=len(questions),
        )
        rows_insert(
            AttemptQuestion,
            [
                with_defaults(
                    AttemptQuestion,
                    {
                        "attempt_id": attempt.pk,
                        "position": position,
                        "version_id": question.current_version_id,
                        "option_order": option_order_shuffle(
                            seed=attempt_option_seed(
                                attempt=attempt,
                                position=position,
                                version_id=question.current_version_id,
                            ),
                            options=options.get(question.current_version_id, []),
                            shuffle=shuffle_options
                            and question.current_version.shuffle_options
                            and not question.current_version.is_typed,
                        ),
                    },
                )
                for position, question in enumerate(questions, start=1)
            ],
        )
    return attempt


def attempt_is_expired(attempt: Attempt, *, now: datetime) -> bool:
    return attempt.deadline is not None and attempt.submitted_at is None and now >= attempt.deadline


def attempt_expire_if_due(*, attempt: Attempt, now: datetime) -> bool:
    """Submit an exam whose deadline has passed, as it stands; True if it did."""
    if not attempt_is_expired(attempt, now=now):
        return False
    attempt_submit(attempt=attempt, now=now, ending=Attempt.Ending.DEADLINE)
    return True


def attempt_open(
    *, attempt: Attempt, position: int | None, now: datetime
) -> AttemptQuestion | None:
    """Show question ``position`` (None: the first one not answered yet, else the first one):
    expire the attempt if its time is up (None is returned then), and note when the question
    was first shown (for the slow-answer rule). The question comes with its version and options
    (:func:`selectors.attempt_item`)."""
    if attempt_expire_if_due(attempt=attempt, now=now) or attempt.is_submitted:
        return None
    item = attempt_item(attempt, position)
    if item is None and position is None:  # every question is answered
        item = attempt_item(attempt, 1)
    if item is None:
        return None
    if item.shown_at is None:
        item.shown_at = now
        item.save(update_fields=["shown_at"])
    # Kept when the version was imported; a version from before, once.
    version_html_keep(item.version, item.version.options.all())
    return item


def _locked_open_item(attempt: Attempt, position: int, now: datetime) -> AttemptQuestion:
    """Re-read the attempt inside the caller's transaction, locked, and check it still takes
    changes; the question comes with its version and options as a question page loads it
    (:func:`selectors.item_read`), so the answer's page shows this very item.

    One query reads and locks the attempt and the question (both rows: once a wait for the
    lock ends, the database reads the newest of each, so an answer saved meanwhile is seen).
    """
    item = item_read(attempt.pk, position=position, lock=True)
    fresh = (
        item.attempt if item is not None else Attempt.objects.select_for_update().get(pk=attempt.pk)
    )
    attempt.submitted_at, attempt.deadline = fresh.submitted_at, fresh.deadline
    if fresh.submitted_at is not None:
        raise AttemptClosed("This attempt has been submitted; answers can no longer change.")
    if attempt_is_expired(fresh, now=now):
        raise DeadlinePassed("Time is up: the exam was submitted as it stood.")
    if item is None:
        raise AttemptError(f"This attempt has no question {position}.")
    item.attempt = attempt  # the caller's, which the answer keeps up to date (submitted or not)
    return item


def attempt_answer(
    *,
    attempt: Attempt,
    position: int,
    option_ids: list[int] | None = None,
    letters: list[str] | None = None,
    response: str | None = None,
    now: datetime,
) -> AttemptQuestion:
    """Save the learner's answer to question ``position``: for a choice question the options'
    ids, or (as pages post them) the letters the options are shown under in this attempt; for a
    short-answer or numerical question the typed ``response``.

    Refused after the deadline (the exam is then submitted as it stood) and after submission.
    In an exam the answer can change until submission, and an empty answer clears it; in
    practice the first answer is final and is graded (and scheduled) at once.
    """
    try:
        with transaction.atomic():
            item = _locked_open_item(attempt, position, now)
            if item.version.is_typed:
                typed = _typed_response(item, response or "")
                if attempt.mode == Attempt.Mode.PRACTICE:
                    return _practice_answer(attempt, item, [], typed, now)
                item.response = typed
                item.answered_at = now if typed else None
                item.save(update_fields=["response", "answered_at"])
                return item
            options = {option.id: option for option in item.version.options.all()}
            if letters is not None:
                option_ids = item_option_ids(item, letters)
            chosen = sorted(set(option_ids or []))
            if any(option_id not in options for option_id in chosen):
                raise AttemptError("That option does not belong to this question.")
            if item.version.kind != "multiple" and len(chosen) > 1:
                raise AttemptError("Choose one option.")
            if attempt.mode == Attempt.Mode.PRACTICE:
                return _practice_answer(attempt, item, chosen, "", now)
            item.chosen = chosen
            item.answered_at = now if chosen else None
            item.save(update_fields=["chosen", "answered_at"])
            return item
    except DeadlinePassed:
        attempt_expire_if_due(attempt=attempt, now=now)
        raise


#: The longest typed answer kept (a short answer is a word or a phrase).
MAX_RESPONSE = 500


def _typed_response(item: AttemptQuestion, response: str) -> str:
    """A typed answer as it is kept: trimmed; a numerical one must read as a number (as Moodle
    asks again rather than marking "3 cm" wrong)."""
    typed = response.strip()
    if len(typed) > MAX_RESPONSE:
        raise AttemptError(f"An answer is at most {MAX_RESPONSE} characters.")
    if typed and item.version.kind == "numerical" and grading.number_parse(typed) is None:
        raise AttemptError(f"{typed!r} is not a number: type a number such as 42, -2.5 or 1e3.")
    return typed


def item_option_ids(item: AttemptQuestion, letters: list[str]) -> list[int]:
    """The ids of the options shown under ``letters`` in this attempt's order of the options.
    A letter no option is shown under is refused, like an option of another question."""
    by_letter = {option.shown_letter: option.id for option in item.shown_options()}
    wanted = [letter.strip().upper() for letter in letters]
    if any(letter not in by_letter for letter in wanted):
        raise AttemptError("That option does not belong to this question.")
    return [by_letter[letter] for letter in wanted]


def attempt_gives_partial_credit(attempt: Attempt) -> bool:
    """Moodle's partial credit in practice and in instructors' quizzes; the timed exam
    simulation stays all-or-nothing, as the real exam is."""
    return attempt.mode != Attempt.Mode.EXAM or attempt.quiz_id is not None


def item_grade(*, attempt: Attempt, item: AttemptQuestion) -> grading.Grade:
    """Grade the item's saved answer under the attempt's rules."""
    version = item.version
    options = list(version.options.all())
    return grading.answer_grade(
        kind=version.kind,
        options=[
            grading.GradedOption(
                id=option.id, text=option.text_md, fraction=weight, tolerance=option.tolerance
            )
            for option, weight in zip(options, option_fractions(options), strict=True)
        ],
        chosen=item.chosen,
        response=item.response,
        case_sensitive=version.case_sensitive,
        partial_credit=attempt_gives_partial_credit(attempt),
    )


def item_grade_apply(*, attempt: Attempt, item: AttemptQuestion) -> None:
    """Set the item's grade (not saved); a typed answer's ``chosen`` becomes the accepted
    answer it matched, which the review marks and item statistics count."""
    grade = item_grade(attempt=attempt, item=item)
    item.correct, item.mark = grade.correct, grade.mark
    if item.version.is_typed:
        item.chosen = [grade.matched] if grade.matched is not None else []


#: What a practice answer writes to its question's row.
PRACTICE_ANSWER_FIELDS = ("chosen", "response", "answered_at", "correct", "mark")


def _practice_answer(attempt, item, chosen, response, now) -> AttemptQuestion:
    if item.answered_at is not None:
        raise AttemptClosed("This question has been answered already.")
    if not chosen and not response:
        raise AttemptError(
            "Type an answer first." if item.version.is_typed else "Choose an option first."
        )
    item.chosen = chosen
    item.response = response
    item.answered_at = now
    item_grade_apply(attempt=attempt, item=item)
    # The row is there: _locked_open_item read it under the attempt's lock.
    row_update(item, PRACTICE_ANSWER_FIELDS)
    item_review_record(attempt=attempt, item=item, now=now)
    if not attempt_has_open_item(attempt):
        # Still under the lock that _locked_open_item took, which found the attempt open.
        _attempt_close(attempt, now=now, ending=Attempt.Ending.SUBMITTED)
    return item


def attempt_flag(
    *, attempt: Attempt, position: int, flagged: bool, now: datetime
) -> AttemptQuestion:
    """Flag a question for review (or clear the flag); refused once the attempt is closed."""
    try:
        with transaction.atomic():
            item = _locked_open_item(attempt, position, now)
            item.flagged = flagged
            item.save(update_fields=["flagged"])
            return item
    except DeadlinePassed:
        attempt_expire_if_due(attempt=attempt, now=now)
        raise


def attempt_submit(*, attempt: Attempt, now: datetime, ending: str = "submitted") -> Attempt:
    """Grade the attempt as it stands and close it; unanswered questions are wrong.

    An exam is submitted at its deadline at the latest (an expired exam noticed later still
    counts as submitted when the time ran out). Each answered exam question moves its FSRS
    schedule now; practice questions moved theirs when they were answered.
    """
    with transaction.atomic():
        fresh = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if fresh.submitted_at is not None:
            return fresh
        _attempt_close(fresh, now=now, ending=ending)
    for name in ("submitted_at", "ending", "correct_count", "question_count", "marks"):
        setattr(attempt, name, getattr(fresh, name))
    attempt.scaled_score, attempt.passed = fresh.scaled_score, fresh.passed
    return attempt


#: What closing an attempt sets (:func:`_attempt_close`).
CLOSED_FIELDS = [
    "submitted_at", "ending", "correct_count", "marks", "question_count", "scaled_score", "passed",
]  # fmt: skip


def _attempt_close(attempt: Attempt, *, now: datetime, ending: str) -> None:
    """Grade and close ``attempt``, which the caller's transaction read under the lock and
    found open (:func:`attempt_submit`, or the last answer of a practice session)."""
    if attempt.deadline is not None and now >= attempt.deadline:
        ending = Attempt.Ending.DEADLINE
    submitted_at = min(now, attempt.deadline) if attempt.deadline else now
    if attempt.mode == Attempt.Mode.EXAM:
        grades = _exam_grade(attempt, reviewed_at=submitted_at)
    else:
        # Practice graded (and scheduled) each answer when it was given, and unanswered
        # questions stay ungraded: only the totals are left to count.
        grades = list(attempt.items.order_by("position").values_list("correct", "mark"))
    correct = sum(1 for is_correct, _ in grades if is_correct)
    attempt.submitted_at = submitted_at
    attempt.ending = ending
    attempt.correct_count = correct
    attempt.marks = round(sum(mark or 0.0 for _, mark in grades), 7)
    attempt.question_count = len(grades)
    if attempt.mode == Attempt.Mode.EXAM:
        attempt.scaled_score = grading.scaled_score(correct=correct, total=len(grades))
        attempt.passed = grading.score_passes(attempt.scaled_score)
    attempt.save(update_fields=CLOSED_FIELDS)


def _exam_grade(
    attempt: Attempt, *, reviewed_at: datetime
) -> list[tuple[bool | None, float | None]]:
    """Grade every question of an exam as it stands (saved; unanswered ones are wrong), move
    the FSRS schedule of each answered one, and give each one's (correct, mark) in order."""
    items = list(attempt.items.select_related("version").prefetch_related("version__options"))
    for item in items:
        item_grade_apply(attempt=attempt, item=item)
    AttemptQuestion.objects.bulk_update(items, ["chosen", "correct", "mark"])
    for item in items:
        if item.answered_at is not None:
            item_review_record(attempt=attempt, item=item, now=reviewed_at)
    return [(item.correct, item.mark) for item in items]


def item_review_record(*, attempt: Attempt, item: AttemptQuestion, now: datetime) -> None:
    """Move the question's FSRS schedule for this graded answer (Again / Hard / Good)."""
    duration = (item.answered_at - item.shown_at) if item.shown_at and item.answered_at else None
    rating = grading.answer_rating(
        correct=bool(item.correct), flagged=item.flagged, duration=duration
    )
    question_review_record(
        user=attempt.user,
        item=item,
        rating=rating,
        reviewed_at=now,
        duration=duration,
    )


@dataclass(frozen=True)
class ExamSummary:
    """What the review screen shows before submission."""

    answered: list[AttemptQuestion | NavigatorItem]
    unanswered: list[AttemptQuestion | NavigatorItem]
    flagged: list[AttemptQuestion | NavigatorItem]


def exam_summary(items: list[AttemptQuestion | NavigatorItem]) -> ExamSummary:
    return ExamSummary(
        answered=[item for item in items if item.is_answered],
        unanswered=[item for item in items if not item.is_answered],
        flagged=[item for item in items if item.flagged],
    )


def time_left(attempt: Attempt, *, now: datetime) -> timedelta | None:
    if attempt.deadline is None:
        return None
    return max(attempt.deadline - now, timedelta(0))
