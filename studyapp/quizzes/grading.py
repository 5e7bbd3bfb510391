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
import re
import unicodedata
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


@dataclass(frozen=True)
class GradedOption:
    """What grading needs of an option or an accepted answer: its id, its text (a short answer,
    possibly with ``*`` wildcards, or a number, ``*`` being any other number), its weight and a
    numerical answer's tolerance."""

    id: int
    text: str
    fraction: float
    tolerance: float = 0.0


@dataclass(frozen=True)
class Grade:
    """A graded answer: the mark (0..1), whether it is right, and the accepted answer a typed
    response matched (None: none, or a choice question)."""

    mark: float
    correct: bool
    matched: int | None = None


def mark_floor(value: float) -> float:
    """A question's mark stays within 0..1: negative weights never take marks from others."""
    return min(max(value, 0.0), 1.0)


def choice_mark(*, chosen: Iterable[int], fractions: dict[int, float]) -> float:
    """Moodle's partial credit for multiple choice: the chosen options' weights added up,
    floored at 0 and capped at 1 (one option for a single-answer question)."""
    return mark_floor(sum(fractions.get(option_id, 0.0) for option_id in set(chosen)))


_WILDCARDS = re.compile(r"(?<!\\)\*+")


def short_answer_matches(*, response: str, answer: str, case_sensitive: bool) -> bool:
    """Moodle's short-answer rule: the trimmed response matches the whole answer, where each
    run of ``*`` matches any text (``\\*`` is a literal star), both in Unicode NFC; the case is
    ignored unless ``case_sensitive``. The answer ``*`` alone matches any response."""
    if answer == "*":
        return True
    answer = unicodedata.normalize("NFC", answer)
    text = unicodedata.normalize("NFC", response).strip()
    pieces = [re.escape(piece.replace("\\*", "*")) for piece in _WILDCARDS.split(answer)]
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.fullmatch(".*".join(pieces), text, flags) is not None


_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def number_parse(response: str) -> float | None:
    """A typed number as Moodle reads one: a decimal point, an optional exponent, commas only
    as thousands separators (``1,000.5``); None when it is not a number."""
    text = response.strip().replace(" ", "")
    if _GROUPED.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def number_within(*, value: float, answer: float, tolerance: float) -> bool:
    """Moodle's nominal tolerance: ``answer - tolerance <= value <= answer + tolerance``, with
    the same tiny allowance Moodle adds so that 3.1415 ± 0.0005 takes 3.141 and 3.142."""
    margin = abs(tolerance)
    margin += 1e-14 * max(margin, abs(answer), 1e-14)
    return answer - margin <= value <= answer + margin


def typed_match(
    *, kind: str, response: str, answers: Sequence[GradedOption], case_sensitive: bool = False
) -> GradedOption | None:
    """The first accepted answer (in the author's order, as Moodle) that the response matches;
    None when none does or a numerical response is not a number."""
    if kind == "numerical":
        value = number_parse(response)
        if value is None:
            return None
        for answer in answers:
            if answer.text.strip() == "*":
                return answer
            target = number_parse(answer.text)
            if target is not None and number_within(
                value=value, answer=target, tolerance=answer.tolerance
            ):
                return answer
        return None
    for answer in answers:
        if short_answer_matches(
            response=response, answer=answer.text, case_sensitive=case_sensitive
        ):
            return answer
    return None


def answer_grade(
    *,
    kind: str,
    options: Sequence[GradedOption],
    chosen: Iterable[int] = (),
    response: str = "",
    case_sensitive: bool = False,
    partial_credit: bool,
) -> Grade:
    """Grade one answer.

    With ``partial_credit`` (practice, instructors' quizzes) the mark is Moodle's: the chosen
    options' weights added up, or the weight of the accepted answer a typed response matches,
    floored at 0 and capped at 1; the answer is right at full marks. Without it (the timed exam
    simulation, as the real exam) a choice question is all-or-nothing
    (:func:`answer_earns_full_marks`) and a typed answer is right only when it matches an answer
    worth 100%; the mark is then 1 or 0."""
    matched = None
    if kind in ("shortanswer", "numerical"):
        found = (
            typed_match(
                kind=kind, response=response, answers=options, case_sensitive=case_sensitive
            )
            if response.strip()
            else None
        )
        matched = found.id if found else None
        mark = mark_floor(found.fraction) if found else 0.0
        if not partial_credit:
            mark = 1.0 if mark >= FULL_MARK else 0.0
        return Grade(mark=mark, correct=mark >= FULL_MARK, matched=matched)
    fractions = {option.id: option.fraction for option in options}
    if not partial_credit:
        right = answer_earns_full_marks(kind=kind, chosen=chosen, fractions=fractions)
        return Grade(mark=1.0 if right else 0.0, correct=right)
    mark = choice_mark(chosen=chosen, fractions=fractions) if set(chosen) else 0.0
    return Grade(mark=mark, correct=mark >= FULL_MARK)


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
