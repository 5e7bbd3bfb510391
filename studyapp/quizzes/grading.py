"""Exam rules: all-or-nothing grading, the scaled score, the domain breakdown and the exam shape.

Scaling method (shown on every result page as :data:`SCALING_METHOD`): the scaled score is
``100 + 900 × correct ÷ questions``, rounded down, so it runs from 100 (nothing right) to 1,000
(everything right) and the pass mark of 750 needs at least 72.2% of the questions right (for
example 55 of 75). AWS does not publish its own scaling (it equates forms of different
difficulty); a straight line is the honest stand-in. Every question counts: the real exam's 10
unscored questions are not identified, so we cannot leave any out either.

Nothing here touches the database: the functions take plain values, so the rules are tested
alone and reused by practice, timed exams and, later, assigned quizzes.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta

from studyapp.cards.models import Rating
from studyapp.quizzes.models import DOMAIN_WEIGHTS, DOMAINS

PASS_SCORE = 750
MIN_SCORE = 100
MAX_SCORE = 1000
#: The fraction of questions right that reaches the pass mark: (750 - 100) / 900.
PASS_FRACTION = (PASS_SCORE - MIN_SCORE) / (MAX_SCORE - MIN_SCORE)
SCALING_METHOD = (
    "Scaled score = 100 + 900 × (questions right ÷ questions asked), rounded down; "
    "750 passes, which takes at least 72.2% right."
)

FULL_EXAM_QUESTIONS = 75
FULL_EXAM_MINUTES = 180
#: 180 minutes for 75 questions: 144 seconds a question.
SECONDS_PER_QUESTION = FULL_EXAM_MINUTES * 60 // FULL_EXAM_QUESTIONS
#: An answer that took more than twice the exam's pace counts as slow (rated Hard when right).
SLOW_AFTER = timedelta(seconds=2 * SECONDS_PER_QUESTION)

MEETS = "Meets competencies"
NEEDS_IMPROVEMENT = "Needs improvement"

AGAIN, HARD, GOOD = Rating.AGAIN, Rating.HARD, Rating.GOOD
#: A weight this close to 100% is full marks (Moodle keeps fractions to seven decimals).
FULL_MARK = 1 - 1e-6


def answer_is_correct(*, chosen: Iterable[int], correct: Iterable[int]) -> bool:
    """All-or-nothing, as on the exam: exactly the correct options, no more and no fewer."""
    chosen_set, correct_set = set(chosen), set(correct)
    return bool(chosen_set) and chosen_set == correct_set


def answer_earns_full_marks(
    *, kind: str, chosen: Iterable[int], fractions: dict[int, float]
) -> bool:
    """Whether an answer is right, for questions with Moodle's weights (option id -> fraction).

    A single-answer or true/false question is right when the chosen option is worth 100%
    (Moodle allows several such options, and partial credit on others, which is not right). A
    multiple-response question is all-or-nothing, as on the exam: exactly the options worth
    something, no more and no fewer."""
    chosen_set = set(chosen)
    if kind != "multiple":
        return len(chosen_set) == 1 and fractions.get(next(iter(chosen_set)), 0.0) >= FULL_MARK
    return answer_is_correct(
        chosen=chosen_set, correct=[i for i, fraction in fractions.items() if fraction > 0]
    )


def scaled_score(*, correct: int, total: int) -> int:
    """The scaled score for ``correct`` of ``total`` questions (see :data:`SCALING_METHOD`)."""
    if total <= 0:
        return MIN_SCORE
    return MIN_SCORE + (MAX_SCORE - MIN_SCORE) * correct // total


def score_passes(score: int) -> bool:
    return score >= PASS_SCORE


@dataclass(frozen=True)
class DomainResult:
    domain: str
    name: str
    correct: int
    total: int

    @property
    def fraction(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(100 * self.fraction)

    @property
    def classification(self) -> str:
        """As the exam's score report: measured against the same bar as the pass mark."""
        return MEETS if self.fraction >= PASS_FRACTION else NEEDS_IMPROVEMENT

    @property
    def meets(self) -> bool:
        return self.classification == MEETS


def domain_breakdown(results: Iterable[tuple[str, bool]]) -> list[DomainResult]:
    """Correct/total per domain from (domain, correct) pairs; domains not asked are left out."""
    correct: dict[str, int] = dict.fromkeys(DOMAINS, 0)
    total: dict[str, int] = dict.fromkeys(DOMAINS, 0)
    for domain, is_correct in results:
        total[domain] = total.get(domain, 0) + 1
        correct[domain] = correct.get(domain, 0) + int(is_correct)
    return [
        DomainResult(domain, DOMAINS.get(domain, domain), correct[domain], total[domain])
        for domain in total
        if total[domain]
    ]


def domain_quotas(count: int) -> dict[str, int]:
    """Split ``count`` questions over the domains by exam weight (largest remainder first)."""
    weight_total = sum(DOMAIN_WEIGHTS.values())
    shares = {d: count * w / weight_total for d, w in DOMAIN_WEIGHTS.items()}
    quotas = {d: math.floor(share) for d, share in shares.items()}
    by_remainder = sorted(shares, key=lambda d: (-(shares[d] - quotas[d]), d))
    for domain in by_remainder[: count - sum(quotas.values())]:
        quotas[domain] += 1
    return quotas


def draw_by_domain[T](pool: dict[str, Sequence[T]], *, count: int, rng: random.Random) -> list[T]:
    """Draw ``count`` items, by domain weight; a domain short of items leaves its share to the
    others (in weight order), and if the whole pool is short every item is used."""
    quotas = domain_quotas(count)
    shuffled = {d: rng.sample(list(items), len(items)) for d, items in pool.items()}
    drawn: list[T] = []
    for domain, quota in quotas.items():
        drawn.extend(shuffled.get(domain, [])[:quota])
        shuffled[domain] = shuffled.get(domain, [])[quota:]
    order = sorted(DOMAIN_WEIGHTS, key=lambda d: -DOMAIN_WEIGHTS[d]) + [
        d for d in shuffled if d not in DOMAIN_WEIGHTS
    ]
    while len(drawn) < count and any(shuffled.get(d) for d in order):
        for domain in order:
            if len(drawn) < count and shuffled.get(domain):
                drawn.append(shuffled[domain].pop())
    rng.shuffle(drawn)
    return drawn


def exam_time_limit(question_count: int) -> timedelta:
    """144 seconds a question: 75 questions get the exam's 180 minutes."""
    return timedelta(seconds=SECONDS_PER_QUESTION * question_count)


def answer_rating(*, correct: bool, flagged: bool, duration: timedelta | None) -> Rating:
    """FSRS rating of a graded answer: wrong is Again, right but flagged or slow is Hard,
    right is Good."""
    if not correct:
        return AGAIN
    if flagged or (duration is not None and duration > SLOW_AFTER):
        return HARD
    return GOOD
