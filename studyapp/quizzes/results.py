"""The results review of a finished attempt: time, domains, topics, filters, the history trend.

Plain functions over the attempt's questions as :func:`selectors.attempt_items` loads them (each
version with its options and topics): nothing here queries per question. A submitted attempt only:
the review discloses every question (see :mod:`studyapp.quizzes.disclosure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from studyapp.quizzes import grading
from studyapp.quizzes.models import DOMAINS, Attempt, AttemptQuestion

#: The review's filters: which questions each shows.
REVIEW_FILTERS = {
    "all": "All questions",
    "wrong": "Wrong or unanswered",
    "flagged": "Flagged",
}


@dataclass(frozen=True)
class TopicResult:
    title: str
    url: str
    correct: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.correct / self.total) if self.total else 0


@dataclass(frozen=True)
class AttemptResult:
    """What the result page says of one submitted attempt."""

    time_taken: timedelta | None
    time_per_question: timedelta | None
    answered: int
    wrong: int
    flagged: int
    domains: list[grading.DomainResult]
    topics: list[TopicResult]  # weakest first


def item_is_missed(item: AttemptQuestion) -> bool:
    """Wrong or left unanswered in a submitted attempt (practice: answered wrong)."""
    return item.correct is False or (item.correct is None and not item.is_answered)


def topic_breakdown(items: list[AttemptQuestion]) -> list[TopicResult]:
    """Right/asked per topic of the graded questions (a question counts for each of its topics),
    the weakest topic first: lowest share right, then the most questions, then by title."""
    tally: dict[int, list] = {}
    for item in items:
        if item.correct is None:
            continue
        for topic in item.version.topics.all():
            row = tally.setdefault(topic.pk, [topic, 0, 0])
            row[1] += int(bool(item.correct))
            row[2] += 1
    results = [
        TopicResult(title=topic.title, url=topic.get_absolute_url(), correct=right, total=asked)
        for topic, right, asked in tally.values()
    ]
    return sorted(results, key=lambda r: (r.correct / r.total, -r.total, r.title))


def attempt_result(*, attempt: Attempt, items: list[AttemptQuestion]) -> AttemptResult:
    """Score details of a submitted attempt from its questions."""
    graded = [item for item in items if item.correct is not None]
    taken = (
        attempt.submitted_at - attempt.started_at
        if attempt.submitted_at and attempt.started_at
        else None
    )
    answered = sum(1 for item in items if item.is_answered)
    return AttemptResult(
        time_taken=taken,
        time_per_question=taken / answered if taken is not None and answered else None,
        answered=answered,
        wrong=sum(1 for item in items if item_is_missed(item)),
        flagged=sum(1 for item in items if item.flagged),
        domains=grading.domain_breakdown((i.version.domain, bool(i.correct)) for i in graded),
        topics=topic_breakdown(items),
    )


def review_filter(
    items: list[AttemptQuestion], *, show: str = "all", domain: str = ""
) -> list[AttemptQuestion]:
    """The questions a review filter shows: all, wrong (or unanswered), flagged; and/or one
    exam domain. Unknown values show everything (a hand-edited address is not an error)."""
    if show == "wrong":
        items = [item for item in items if item_is_missed(item)]
    elif show == "flagged":
        items = [item for item in items if item.flagged]
    if domain in DOMAINS:
        items = [item for item in items if item.version.domain == domain]
    return items


def attempt_missed_questions(items: list[AttemptQuestion]) -> list:
    """The questions (not versions) the learner got wrong or left unanswered, in attempt order."""
    return [item.version.question for item in items if item_is_missed(item)]


@dataclass(frozen=True)
class TrendPoint:
    attempt_id: int
    submitted_at: object
    score: int  # scaled score (exam) or percent right (practice)
    is_current: bool


def attempt_trend(*, attempt: Attempt, history: list[Attempt]) -> list[TrendPoint]:
    """The learner's submitted attempts of the same mode, oldest first, ending with this one:
    scaled scores for exams, the share right for practice."""
    same = [
        a
        for a in history
        if a.mode == attempt.mode and a.submitted_at is not None and a.correct_count is not None
    ]
    same.sort(key=lambda a: (a.submitted_at, a.pk))
    points = []
    for other in same:
        if other.is_exam:
            score = other.scaled_score or grading.MIN_SCORE
        elif other.question_count:
            score = round(100 * other.correct_count / other.question_count)
        else:
            score = 0
        points.append(TrendPoint(other.pk, other.submitted_at, score, other.pk == attempt.pk))
    return points
