"""Item analysis for one quiz, computed the way Moodle's quiz statistics report computes it.

Input is one :class:`Attempt` per learner (only each learner's first attempt counts:
:func:`analyse_quiz` keeps the lowest-numbered attempt of each learner) and one
:class:`ItemInfo` per question. With S attempts, x a question's mark, T the attempt's total and
R = T - x the rest of the test, every variance and covariance divides by S - 1:

* facility index = mean(x) / max mark (0..1);
* standard deviation = SD(x / max mark);
* discrimination index = 100 * Cov(x, R) / sqrt(Var(x) * Var(R));
* discriminative efficiency = 100 * Cov(x, R) / CovMax, where CovMax is the covariance of x sorted
  against R sorted;
* random guess score = mean of the options' fractions for a single-answer question, None for
  multiple response; for a short-answer or numerical question the weight of its ``*`` answer
  (any other response), else 0;
* quiz level: Cronbach's alpha = 100 * P / (P - 1) * (1 - sum Var(x_i) / Var(T)); error ratio =
  100 * sqrt(1 - alpha / 100); standard error = error ratio * SD(T) / 100.

A value that cannot be computed (too few attempts, no variance) is None, and ``undefined`` says
why, keyed by the field's name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

VERY_HARD_BELOW = 0.2
VERY_EASY_ABOVE = 0.95
WEAK_DISCRIMINATION_BELOW = 20.0

VERY_HARD = "very hard: check the key"
VERY_EASY = "very easy"
WEAK_DISCRIMINATION = "weak discrimination: check the wording and the key"

TOO_FEW_ATTEMPTS = "needs at least 2 attempts"


@dataclass(frozen=True)
class ItemInfo:
    """A question as the quiz used it: its key, its maximum mark and its options' fractions."""

    key: str
    max_mark: float
    kind: str = "single"
    option_fractions: tuple[float, ...] = ()
    #: The accepted answers' texts of a short-answer or numerical question.
    option_texts: tuple[str, ...] = ()


@dataclass
class Attempt:
    """One learner's attempt: a mark per question key and the option indexes chosen per key."""

    learner: str
    marks: dict[str, float]
    choices: dict[str, list[int]] = field(default_factory=dict)
    number: int = 1


@dataclass
class ItemStatistics:
    """Statistics of one question."""

    key: str
    attempts: int
    facility: float | None
    standard_deviation: float | None
    discrimination_index: float | None
    discriminative_efficiency: float | None
    random_guess_score: float | None
    option_counts: list[int]
    flags: list[str]
    undefined: dict[str, str]


@dataclass
class QuizStatistics:
    """Statistics of the whole quiz and of each of its questions."""

    attempts: int
    mean_total: float | None
    total_standard_deviation: float | None
    cronbach_alpha: float | None
    error_ratio: float | None
    standard_error: float | None
    items: list[ItemStatistics]
    undefined: dict[str, str]


# --- sample statistics (S - 1) -----------------------------------------------------------------


def mean(values: list[float]) -> float:
    return sum(values) / len(values)


def covariance(xs: list[float], ys: list[float]) -> float:
    """Sample covariance (divides by S - 1); needs at least two pairs."""
    mean_x, mean_y = mean(xs), mean(ys)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def variance(values: list[float]) -> float:
    return covariance(values, values)


# --- selection ---------------------------------------------------------------------------------


def first_attempts(attempts: list[Attempt]) -> list[Attempt]:
    """Each learner's first attempt (lowest number, earliest listed on a tie), in input order."""
    first: dict[str, Attempt] = {}
    for attempt in attempts:
        kept = first.get(attempt.learner)
        if kept is None or attempt.number < kept.number:
            first[attempt.learner] = attempt
    return [attempt for attempt in attempts if first[attempt.learner] is attempt]


# --- per question ------------------------------------------------------------------------------


def random_guess_score(item: ItemInfo) -> float | None:
    """Mean of the options' fractions for a single-answer question; None for multiple response.
    A typed answer is guessed only by the ``*`` answer (any response), as in Moodle."""
    if item.kind in ("shortanswer", "numerical"):
        return next(
            (f for t, f in zip(item.option_texts, item.option_fractions, strict=False) if t == "*"),
            0.0,
        )
    if item.kind not in ("single", "truefalse") or not item.option_fractions:
        return None
    return mean(list(item.option_fractions))


def option_counts(item: ItemInfo, attempts: list[Attempt]) -> list[int]:
    """How many learners chose each option (a learner counts once per option); for a typed
    answer, how many responses each accepted answer matched."""
    counts = [0] * len(item.option_fractions)
    for attempt in attempts:
        for index in set(attempt.choices.get(item.key, [])):
            if 0 <= index < len(counts):
                counts[index] += 1
    return counts


def item_flags(facility: float | None, discrimination: float | None) -> list[str]:
    """Hints for an author: very hard, very easy, weak discrimination."""
    flags = []
    if facility is not None and facility < VERY_HARD_BELOW:
        flags.append(VERY_HARD)
    if facility is not None and facility > VERY_EASY_ABOVE:
        flags.append(VERY_EASY)
    if discrimination is not None and discrimination < WEAK_DISCRIMINATION_BELOW:
        flags.append(WEAK_DISCRIMINATION)
    return flags


def analyse_item(item: ItemInfo, attempts: list[Attempt]) -> ItemStatistics:
    """Statistics of one question over the given attempts (already one per learner)."""
    marks = [attempt.marks.get(item.key, 0.0) for attempt in attempts]
    rest = [_total(attempt) - mark for attempt, mark in zip(attempts, marks, strict=True)]
    undefined: dict[str, str] = {}
    facility = _facility(marks, item.max_mark, undefined)
    deviation = discrimination = efficiency = None
    if len(marks) < 2:
        for name in ("standard_deviation", "discrimination_index", "discriminative_efficiency"):
            undefined[name] = TOO_FEW_ATTEMPTS
    else:
        deviation = _scaled_deviation(marks, item.max_mark, undefined)
        discrimination = _discrimination(marks, rest, undefined)
        efficiency = _efficiency(marks, rest, undefined)
    guess = random_guess_score(item)
    if guess is None:
        undefined["random_guess_score"] = "not defined for multiple-response questions"
    return ItemStatistics(
        key=item.key,
        attempts=len(attempts),
        facility=facility,
        standard_deviation=deviation,
        discrimination_index=discrimination,
        discriminative_efficiency=efficiency,
        random_guess_score=guess,
        option_counts=option_counts(item, attempts),
        flags=item_flags(facility, discrimination),
        undefined=undefined,
    )


def _total(attempt: Attempt) -> float:
    return sum(attempt.marks.values())


def _facility(marks: list[float], max_mark: float, undefined: dict[str, str]) -> float | None:
    if not marks:
        undefined["facility"] = "no attempts"
        return None
    if max_mark <= 0:
        undefined["facility"] = "the question's maximum mark is 0"
        return None
    return mean(marks) / max_mark


def _scaled_deviation(
    marks: list[float], max_mark: float, undefined: dict[str, str]
) -> float | None:
    if max_mark <= 0:
        undefined["standard_deviation"] = "the question's maximum mark is 0"
        return None
    return math.sqrt(variance([mark / max_mark for mark in marks]))


def _discrimination(
    marks: list[float], rest: list[float], undefined: dict[str, str]
) -> float | None:
    product = variance(marks) * variance(rest)
    if product <= 0:
        undefined["discrimination_index"] = (
            "every learner got the same mark on this question or on the rest of the quiz"
        )
        return None
    return 100 * covariance(marks, rest) / math.sqrt(product)


def _efficiency(marks: list[float], rest: list[float], undefined: dict[str, str]) -> float | None:
    largest = covariance(sorted(marks), sorted(rest))
    if largest <= 0:
        undefined["discriminative_efficiency"] = "the largest possible covariance is 0"
        return None
    return 100 * covariance(marks, rest) / largest


# --- whole quiz --------------------------------------------------------------------------------


def analyse_quiz(items: list[ItemInfo], attempts: list[Attempt]) -> QuizStatistics:
    """Statistics of a quiz from its learners' first attempts."""
    attempts = first_attempts(attempts)
    totals = [sum(attempt.marks.get(item.key, 0.0) for item in items) for attempt in attempts]
    scoped = [
        Attempt(a.learner, {item.key: a.marks.get(item.key, 0.0) for item in items}, a.choices)
        for a in attempts
    ]
    undefined: dict[str, str] = {}
    statistics = QuizStatistics(
        attempts=len(attempts),
        mean_total=mean(totals) if totals else None,
        total_standard_deviation=None,
        cronbach_alpha=None,
        error_ratio=None,
        standard_error=None,
        items=[analyse_item(item, scoped) for item in items],
        undefined=undefined,
    )
    if not totals:
        undefined["mean_total"] = "no attempts"
    _reliability(statistics, items, scoped, totals)
    return statistics


def _reliability(
    statistics: QuizStatistics, items: list[ItemInfo], attempts: list[Attempt], totals: list[float]
) -> None:
    undefined = statistics.undefined
    names = ("total_standard_deviation", "cronbach_alpha", "error_ratio", "standard_error")
    if len(totals) < 2:
        undefined.update(dict.fromkeys(names, TOO_FEW_ATTEMPTS))
        return
    total_variance = variance(totals)
    statistics.total_standard_deviation = math.sqrt(total_variance)
    reason = ""
    if len(items) < 2:
        reason = "needs at least 2 questions"
    elif total_variance <= 0:
        reason = "every learner got the same total"
    if reason:
        undefined.update(dict.fromkeys(names[1:], reason))
        return
    count = len(items)
    item_variances = sum(
        variance([attempt.marks[item.key] for attempt in attempts]) for item in items
    )
    alpha = 100 * count / (count - 1) * (1 - item_variances / total_variance)
    statistics.cronbach_alpha = alpha
    statistics.error_ratio = 100 * math.sqrt(1 - alpha / 100)
    statistics.standard_error = statistics.error_ratio * statistics.total_standard_deviation / 100
