"""The question-quality checker: the item-writing flaws exam writers are trained to avoid.

Every rule reads the format-neutral :class:`QuestionData` the importers produce, so the same
checks run on parsed content files, on an upload before it is imported, on what an author is
typing in the editor and on the bank in the database (through :func:`banks.version_data`).

:func:`question_check` returns the findings of one question; :func:`bank_check` those of a
whole bank (cue and balance statistics, and, when answer tallies are given, questions never
answered or answered right by every learner). Each :class:`Finding` has a rule id, a severity,
a one-line reason and a fix hint.

Severities: an ``error`` is a flaw a learner can exploit or a broken promise of the item
(the stem asks for a number of answers the key does not have, two options say the same, no
documentation reference to learn from, and across a bank the correct option being the longest
in more than 30 % of the questions); a ``warning`` is a flaw to look at (it may be justified);
``info`` is a figure worth knowing. ``check_questions`` exits 1 when an error exists.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q

from studyapp.quizzes.banks import bank_versions, version_data
from studyapp.quizzes.formats import FORMATS, QuestionData
from studyapp.quizzes.formats.model import CHOICE_KINDS, DOMAINS
from studyapp.quizzes.models import AttemptQuestion, Question
from studyapp.topics.models import Course

#: The exam guide's domain weights (SAP-C02), percent.
DOMAIN_WEIGHTS = {"D1": 26, "D2": 29, "D3": 25, "D4": 20}
#: A domain share further than this many points from its weight is a warning.
DOMAIN_TOLERANCE = 3.0
#: The correct option is "noticeably longer" when it is this much longer than every distractor,
#: and by at least this many characters (so "False" is not noticeably longer than "True").
LONGER_RATIO = 1.25
LONGER_MIN_CHARACTERS = 10
#: Across a bank the correct option may be the longest (or the correct set the k longest) in
#: at most this share of the questions; a test-wise learner gains from more.
LONGEST_SHARE_LIMIT = 0.30
#: Two options this alike (difflib ratio of their words) are near-duplicates.
NEAR_DUPLICATE_OPTION_RATIO = 0.9
#: A position (A, B, ...) holding more than this multiple of its fair share of keys is a cue.
POSITION_SKEW = 1.5
#: Position and balance statistics are judged only from this many questions on.
BANK_MINIMUM = 10
#: Learners who must have answered before "everyone got it right" means anything.
MIN_LEARNERS = 10

REFERENCE_RE = re.compile(r"https?://docs\.aws\.amazon\.com/[^\s)\]>\"']+", re.IGNORECASE)
_ALL_NONE_RE = re.compile(
    r"\b(all|none|both|neither) of (the|these)\s+(above|options|answers|choices)\b",
    re.IGNORECASE,
)
_CHOOSE_RE = re.compile(r"\(\s*(?:choose|select)\s+(\w+)\s*\.?\s*\)", re.IGNORECASE)
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_ABSOLUTE_RE = re.compile(
    r"\b(always|never|guaranteed|guarantees|impossible|under no circumstances|in all cases"
    r"|every time|completely eliminates?|100 ?%)\b",
    re.IGNORECASE,
)
_NEGATIVE_RE = re.compile(r"\b(not|except|least|cannot)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"[a-z0-9]+")
_DETAIL_RE = re.compile(
    r"\d[\d,.]*|\bsuch as\b|\bbecause\b|\bso that\b|\bwhich\b|\bwhile\b|\(", re.IGNORECASE
)
_STOPWORDS = frozenset(
    re.findall(
        r"\w+",
        """about above after again against also among another answer based been before being
    between both cannot could does doing down during each either every from further have
    having here into itself just least less make more most much must need needs only other
    over same should since some such than that their them then there these they this those
    through under until upon used uses using very what when where which while will with
    within without would your company solution solutions architect requirements requirement
    option options lambda function functions amazon aws account time""",
    )
)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


@dataclass(frozen=True)
class Finding:
    """One thing the checker found: which rule, how bad, why, and what to do about it.

    ``key`` names the question (empty for a finding about the whole bank); ``path`` and
    ``line`` say where it was read from when it came from a file."""

    rule: str
    severity: Severity
    reason: str
    hint: str
    key: str = ""
    path: str = ""
    line: int = 0

    def to_dict(self) -> dict:
        return {**asdict(self), "severity": str(self.severity)}

    def __str__(self) -> str:
        if self.path and self.line:
            where = f"{self.path}:{self.line}: "
        elif self.key:
            where = f"{self.key}: "
        else:
            where = f"{self.path}: " if self.path else ""
        return f"{where}{self.severity}: {self.reason} [{self.rule}] Fix: {self.hint}"


@dataclass(frozen=True)
class AnswerTally:
    """How many learners answered a question, and how many of them ever answered it wrong."""

    learners: int
    wrong_learners: int


@dataclass
class CheckReport:
    """The findings of a set of questions and the bank figures behind the bank findings."""

    questions: int = 0
    findings: list[Finding] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    bank: str = ""  # the course's title, when the report is about a bank in the database

    @property
    def counts(self) -> dict[str, int]:
        counted = Counter(str(finding.severity) for finding in self.findings)
        return {str(severity): counted[str(severity)] for severity in Severity}

    @property
    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.rule for finding in self.findings).items()))

    @property
    def has_errors(self) -> bool:
        return any(finding.severity == Severity.ERROR for finding in self.findings)

    def bank_findings(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.key]

    def question_counts(self) -> dict[str, dict[str, int]]:
        """Per question key: its errors and warnings (information is left out)."""
        counts: dict[str, dict[str, int]] = {}
        for finding in self.findings:
            if finding.key and finding.severity != Severity.INFO:
                row = counts.setdefault(finding.key, {"error": 0, "warning": 0})
                row[str(finding.severity)] += 1
        return counts

    def to_dict(self) -> dict:
        return {
            "questions": self.questions,
            "counts": self.counts,
            "by_rule": self.by_rule,
            "figures": self.figures,
            "findings": [finding.to_dict() for finding in self.findings],
        }


# -- text helpers ------------------------------------------------------------------------------


def plain_text(text: str) -> str:
    """Text without Markdown or HTML markup, whitespace collapsed: what a learner reads.
    Code spans keep what they hold (``**text**`` and ``*text*`` differ)."""
    parts = re.split(r"`+([^`]*)`+", text)
    for index in range(0, len(parts), 2):  # outside code spans
        part = re.sub(r"<[^>]+>", " ", parts[index])
        part = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", part)
        part = re.sub(r"[*#>~]|(?<!\w)_+|_+(?!\w)", "", part)
        parts[index] = part.replace("&nbsp;", " ").replace("&amp;", "&")
    return " ".join("".join(parts).split())


def _words(text: str) -> list[str]:
    return _WORD_RE.findall(plain_text(text).lower())


def _root(word: str) -> str:
    """A crude stem, so "queues" and "queue" or "reserved" and "reserve" meet."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _content_roots(text: str) -> set[str]:
    return {_root(word) for word in _words(text) if len(word) >= 4 and word not in _STOPWORDS}


def _is_correct(question: QuestionData, index: int) -> bool:
    return question.options[index].fraction > 0


def _lengths(question: QuestionData) -> list[int]:
    return [len(plain_text(option.text)) for option in question.options]


def correct_is_longest(question: QuestionData) -> bool:
    """Single answer: the correct option is longer than every distractor. Multiple response:
    the correct options are exactly the k longest (each longer than every distractor)."""
    lengths = _lengths(question)
    keys = [n for i, n in enumerate(lengths) if _is_correct(question, i)]
    others = [n for i, n in enumerate(lengths) if not _is_correct(question, i)]
    if not keys or not others:
        return False
    return min(keys) > max(others)


def stated_choose_count(stem: str) -> int | None:
    """The N of a stem's "(Choose N.)" / "(Select N)", or None when it says none."""
    match = _CHOOSE_RE.search(plain_text(stem))
    if match is None:
        return None
    word = match.group(1).lower()
    return int(word) if word.isdigit() else _NUMBER_WORDS.get(word)


def references(question: QuestionData) -> list[str]:
    """The AWS documentation links a question gives (anywhere in its texts)."""
    texts = [question.stem, question.general_feedback]
    texts += [option.feedback for option in question.options]
    texts += list(getattr(question, "references", None) or [])
    return [url for text in texts for url in REFERENCE_RE.findall(text or "")]


def _question_sentence(stem: str) -> str:
    """The part of the stem that asks: its last paragraph holding a question mark (or the last
    paragraph). Negatives in the scenario before it are ordinary prose."""
    paragraphs = [p for p in re.split(r"\n\s*\n", stem) if p.strip()]
    asking = [p for p in paragraphs if "?" in p] or paragraphs[-1:]
    return asking[-1] if asking else ""


def _emphasised(stem: str, start: int, end: int) -> bool:
    word = stem[start:end]
    if word.isupper() and len(word) > 1:
        return True
    before, after = stem[:start], stem[end:]
    return bool(
        re.search(r"(\*\*|__|\*|_|<(strong|em|b|i|u)>)$", before)
        and re.match(r"(\*\*|__|\*|_|</(strong|em|b|i|u)>)", after)
    )


# -- per question ------------------------------------------------------------------------------


def question_check(question: QuestionData, *, path: str = "") -> list[Finding]:
    """Every item-writing flaw of one question (an empty list: none found), errors first.

    The rules about options and distractors (:data:`CHOICE_RULES`) read choice questions only:
    a short-answer or numerical question's accepted answers are not options a learner picks
    from. The rules about the stem, the references and the explanation read every question."""
    found: list[Finding] = []
    choice = question.kind in CHOICE_KINDS
    for rule in QUESTION_RULES:
        if choice or rule not in CHOICE_RULES:
            found.extend(rule(question))
    found.sort(key=lambda finding: SEVERITY_ORDER[finding.severity])
    return [
        Finding(f.rule, f.severity, f.reason, f.hint, question.key, path, question.line)
        for f in found
    ]


def _finding(rule: str, severity: Severity, reason: str, hint: str) -> Finding:
    return Finding(rule, severity, reason, hint)


def rule_correct_longest(question: QuestionData) -> list[Finding]:
    lengths = _lengths(question)
    keys = [n for i, n in enumerate(lengths) if _is_correct(question, i)]
    others = [n for i, n in enumerate(lengths) if not _is_correct(question, i)]
    if not keys or not others or min(keys) < LONGER_RATIO * max(others):
        return []
    if min(keys) - max(others) < LONGER_MIN_CHARACTERS:
        return []
    what = "the correct option is" if len(keys) == 1 else "every correct option is"
    return [
        _finding(
            "correct-longest",
            Severity.WARNING,
            f"{what} noticeably longer than every distractor "
            f"({min(keys)} characters against at most {max(others)})",
            "shorten the key or give the distractors the same length and detail",
        )
    ]


def rule_correct_more_specific(question: QuestionData) -> list[Finding]:
    details = [len(_DETAIL_RE.findall(plain_text(o.text))) for o in question.options]
    keys = [n for i, n in enumerate(details) if _is_correct(question, i)]
    others = [n for i, n in enumerate(details) if not _is_correct(question, i)]
    if not keys or not others or min(keys) < max(others) + 2:
        return []
    return [
        _finding(
            "correct-more-specific",
            Severity.WARNING,
            "the correct option carries more figures and qualifiers (because, so that, such "
            f"as) than any distractor ({min(keys)} against at most {max(others)})",
            "qualify the distractors as precisely as the key, or move the reasoning to the "
            "explanation",
        )
    ]


def rule_all_none_of_the_above(question: QuestionData) -> list[Finding]:
    for index, option in enumerate(question.options):
        match = _ALL_NONE_RE.search(plain_text(option.text))
        if match:
            return [
                _finding(
                    "all-none-of-the-above",
                    Severity.WARNING,
                    f"option {chr(65 + index)} says {match.group(0)!r}, which depends on the "
                    "order of the options and can be answered by spotting two right or wrong ones",
                    "replace it with a plausible option of its own",
                )
            ]
    return []


def rule_choose_count(question: QuestionData) -> list[Finding]:
    stated = stated_choose_count(question.stem)
    correct = sum(1 for option in question.options if option.fraction > 0)
    if stated is not None and stated != correct:
        return [
            _finding(
                "choose-count-mismatch",
                Severity.ERROR,
                f"the stem says choose {stated} but {correct} option"
                f"{'s are' if correct != 1 else ' is'} correct",
                "make the (Choose N.) in the stem match the number of correct options",
            )
        ]
    if stated is None and question.kind == "multiple":
        return [
            _finding(
                "choose-count-missing",
                Severity.WARNING,
                f"a multiple-response question that does not say how many to choose ({correct})",
                f"end the stem with (Choose {correct}.) as the exam does",
            )
        ]
    return []


def _option_said(text: str) -> str:
    """What an option says, for comparing: case, markup, spacing and end punctuation aside
    (punctuation inside words stays: ``my_bucket`` and ``my-bucket`` differ)."""
    return plain_text(text).lower().rstrip(".!;:, ")


def rule_duplicate_options(question: QuestionData) -> list[Finding]:
    """Options that say the same (an error) or nearly the same (a warning; only options of
    four words or more, since short names and values are alike by nature)."""
    found = []
    texts = [_option_said(option.text) for option in question.options]
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            if not texts[i] or not texts[j]:
                continue
            letters = f"options {chr(65 + i)} and {chr(65 + j)}"
            if texts[i] == texts[j]:
                found.append(
                    _finding(
                        "duplicate-option",
                        Severity.ERROR,
                        f"{letters} say the same",
                        "remove one of them or make it a different plausible choice",
                    )
                )
                continue
            if min(len(texts[i].split()), len(texts[j].split())) < 4:
                continue
            if _letters_only(texts[i]) == _letters_only(texts[j]):
                continue  # options that differ only in their figures (a calculation)
            ratio = difflib.SequenceMatcher(None, texts[i], texts[j], autojunk=False).ratio()
            if ratio >= NEAR_DUPLICATE_OPTION_RATIO:
                found.append(
                    _finding(
                        "near-duplicate-options",
                        Severity.WARNING,
                        f"{letters} read almost the same ({ratio:.0%} alike)",
                        "make the difference between them plain, or replace one",
                    )
                )
    return found


def _camel_parts(text: str) -> str:
    """``ReservedFunctionConcurrentInvocationLimitExceeded`` -> ``Reserved Function ...``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)


def _stem_terms(stem: str) -> set[str]:
    """The technical terms of a stem: the words of its code spans and of its CamelCase
    identifiers (an error code, a metric, a setting), which name things precisely."""
    pieces = re.findall(r"`([^`]+)`", stem)
    pieces += re.findall(r"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)+\b", stem)
    return {
        _root(word)
        for piece in pieces
        for word in _words(_camel_parts(piece))
        if len(word) >= 4 and word not in _STOPWORDS
    }


def _option_words(text: str) -> dict[str, str]:
    words = _words(_camel_parts(plain_text(text)))
    return {_root(w): w for w in reversed(words) if len(w) >= 4 and w not in _STOPWORDS}


def _letters_only(text: str) -> str:
    return " ".join(re.sub(r"[\d$€£%,.]+", " ", text).split())


def is_true_false(question: QuestionData) -> bool:
    """A true/false question (GIFT's {T}, Moodle's truefalse): its two options say so."""
    said = sorted(_option_said(option.text) for option in question.options)
    return said == ["false", "true"]


def rule_stem_cue(question: QuestionData) -> list[Finding]:
    """A word of the stem that points at the key (a "clang" association): a word of the
    question sentence that the correct option repeats and no distractor uses, or a term of
    the stem's codes and identifiers that the correct option repeats and fewer than half of
    the distractors use. True/false questions have no such cue."""
    if is_true_false(question):
        return []
    asking = _content_roots(_camel_parts(_question_sentence(question.stem)))
    terms = _stem_terms(question.stem)
    distractors = [
        set(_option_words(o.text))
        for i, o in enumerate(question.options)
        if not _is_correct(question, i)
    ]
    if not distractors:
        return []
    found = []
    for index, option in enumerate(question.options):
        if not _is_correct(question, index):
            continue
        words = _option_words(option.text)
        cues = []
        for root, word in sorted(words.items()):
            users = sum(1 for d in distractors if root in d)
            if (root in asking and users == 0) or (root in terms and 2 * users < len(distractors)):
                cues.append(word)
        if cues:
            found.append(
                _finding(
                    "stem-cue",
                    Severity.WARNING,
                    f"the stem and correct option {chr(65 + index)} share "
                    f"{', '.join(repr(cue) for cue in cues[:4])}, which the distractors "
                    "hardly use",
                    "reword the stem or use the word in distractors too, so it does not "
                    "point at the key",
                )
            )
    return found


def rule_absolute_words(question: QuestionData) -> list[Finding]:
    in_keys = any(
        _ABSOLUTE_RE.search(plain_text(o.text)) for o in question.options if o.fraction > 0
    )
    words = sorted(
        {
            match.group(0).lower()
            for o in question.options
            if o.fraction <= 0
            for match in _ABSOLUTE_RE.finditer(plain_text(o.text))
        }
    )
    if in_keys or not words:
        return []
    return [
        _finding(
            "absolute-words-in-distractors",
            Severity.WARNING,
            f"only distractors use absolute words ({', '.join(words)}), "
            "which test-wise learners rule out",
            "word the distractors without absolutes, or use one in a correct option too",
        )
    ]


def rule_negative_stem(question: QuestionData) -> list[Finding]:
    asking = _question_sentence(question.stem)
    for match in _NEGATIVE_RE.finditer(asking):
        if re.search(r"\bat\s+$", asking[: match.start()], re.IGNORECASE):
            continue  # "at least" is not a negative
        if not _emphasised(asking, match.start(), match.end()):
            return [
                _finding(
                    "negative-stem-unemphasized",
                    Severity.WARNING,
                    f"the question asks with {match.group(0)!r} without emphasis, "
                    "which a hurried reader misses",
                    f"ask positively, or write {match.group(0).upper()} in capitals or bold",
                )
            ]
    return []


def rule_option_explanation(question: QuestionData) -> list[Finding]:
    missing = [
        chr(65 + index)
        for index, option in enumerate(question.options)
        if not plain_text(option.feedback)
    ]
    if not missing:
        return []
    return [
        _finding(
            "option-without-explanation",
            Severity.WARNING,
            f"option {missing[0]} says nothing about why it is right or wrong"
            if len(missing) == 1
            else f"options {', '.join(missing)} say nothing about why they are right or wrong",
            "add a Why: to every option",
        )
    ]


def rule_typed_explanation(question: QuestionData) -> list[Finding]:
    """A short-answer or numerical question explains its answer in its general explanation or
    in an accepted answer's feedback (choice questions: :func:`rule_option_explanation`)."""
    if question.kind in CHOICE_KINDS or plain_text(question.general_feedback):
        return []
    if any(plain_text(option.feedback) for option in question.options):
        return []
    return [
        _finding(
            "no-explanation",
            Severity.WARNING,
            "nothing explains why the accepted answer is right",
            "add a general explanation, or feedback to the accepted answer",
        )
    ]


def rule_reference(question: QuestionData) -> list[Finding]:
    if references(question):
        return []
    return [
        _finding(
            "no-reference",
            Severity.ERROR,
            "no link to AWS's documentation (a docs.aws.amazon.com URL) backs the answer",
            "cite the documentation page the fact comes from in the explanation",
        )
    ]


#: Every rule, in the order findings are listed (errors first all the same).
QUESTION_RULES = (
    rule_correct_longest,
    rule_correct_more_specific,
    rule_all_none_of_the_above,
    rule_choose_count,
    rule_duplicate_options,
    rule_stem_cue,
    rule_absolute_words,
    rule_negative_stem,
    rule_option_explanation,
    rule_typed_explanation,
    rule_reference,
)
#: The rules about options and distractors, which read choice questions only.
CHOICE_RULES = frozenset(
    {
        rule_correct_longest,
        rule_correct_more_specific,
        rule_all_none_of_the_above,
        rule_choose_count,
        rule_duplicate_options,
        rule_stem_cue,
        rule_absolute_words,
        rule_option_explanation,
    }
)


# -- per bank ----------------------------------------------------------------------------------


def bank_check(
    questions: Sequence[QuestionData],
    *,
    answers: dict[str, AnswerTally] | None = None,
    min_learners: int = MIN_LEARNERS,
) -> tuple[list[Finding], dict]:
    """The bank's cue and balance findings and the figures behind them.

    ``answers`` (question key -> tally) comes from the database; without it the answer rules
    are not run (a content folder has no learners)."""
    findings: list[Finding] = []
    figures: dict = {}
    findings += _longest_share(questions, "single", figures)
    findings += _longest_share(questions, "multiple", figures)
    findings += _key_positions(questions, figures)
    findings += _domain_balance(questions, figures)
    if answers is not None:
        findings += _answer_findings(questions, answers, min_learners, figures)
    return findings, figures


def _longest_share(questions: Sequence[QuestionData], kind: str, figures: dict) -> list[Finding]:
    asked = [q for q in questions if q.kind == kind and len(q.options) >= 2]
    longest = [q for q in asked if correct_is_longest(q)]
    name = "correct_longest_single" if kind == "single" else "correct_k_longest_multiple"
    figures[name] = {
        "questions": len(asked),
        "count": len(longest),
        "keys": [q.key for q in longest],
    }
    if not asked:
        return []
    share = len(longest) / len(asked)
    what = (
        "the correct option is the longest"
        if kind == "single"
        else "the correct options are the k longest"
    )
    label = "single-answer" if kind == "single" else "multiple-response"
    reason = (
        f"{what} in {len(longest)} of {len(asked)} {label} questions ({share:.0%}; "
        f"at most {LONGEST_SHARE_LIMIT:.0%} is fair)"
    )
    rule = "bank-correct-longest" if kind == "single" else "bank-correct-k-longest"
    if share <= LONGEST_SHARE_LIMIT:
        return [_finding(rule, Severity.INFO, reason, "nothing to do")]
    hint = (
        "give the distractors the length and detail of the key in those questions "
        f"(check_questions --json lists them under figures.{name}.keys) until picking the "
        "longest no longer pays"
    )
    if len(asked) < BANK_MINIMUM:  # too few questions for the share to mean much yet
        return [_finding(rule, Severity.INFO, f"{reason}; few questions so far", hint)]
    return [_finding(rule, Severity.ERROR, reason, hint)]


def _key_positions(questions: Sequence[QuestionData], figures: dict) -> list[Finding]:
    single = [q for q in questions if q.kind == "single" and q.options]
    counts: Counter = Counter()
    expected = 0.0
    for question in single:
        for index, option in enumerate(question.options):
            if option.fraction > 0:
                counts[chr(65 + index)] += 1
        expected += 1 / len(question.options)
    figures["key_positions"] = dict(sorted(counts.items()))
    if len(single) < BANK_MINIMUM:
        return []
    fair: Counter = Counter()
    for question in single:
        for index in range(len(question.options)):
            fair[chr(65 + index)] += 1 / len(question.options)
    shown = ", ".join(f"{letter} {counts[letter]}" for letter in sorted(fair))
    reason = f"the correct option of single-answer questions sits at {shown} (as written)"
    skewed = [
        letter for letter in sorted(fair) if counts[letter] > POSITION_SKEW * max(fair[letter], 2)
    ]
    if skewed:
        letter = skewed[0]
        return [
            _finding(
                "bank-key-positions",
                Severity.WARNING,
                f"{reason}: {letter} holds {counts[letter]} where about "
                f"{fair[letter]:.0f} is a fair share",
                "move keys to other positions; shuffling hides it in attempts but not in "
                "exports or pinned options",
            )
        ]
    return [_finding("bank-key-positions", Severity.INFO, reason, "nothing to do")]


def _domain_balance(questions: Sequence[QuestionData], figures: dict) -> list[Finding]:
    counts = Counter(q.domain or "none" for q in questions)
    total = len(questions)
    shares = {d: (100 * counts[d] / total if total else 0.0) for d in DOMAINS}
    figures["domains"] = {d: {"count": counts[d], "share": round(shares[d], 1)} for d in DOMAINS}
    figures["domains"]["none"] = {"count": counts["none"]}
    if total < BANK_MINIMUM:
        return []
    shown = " / ".join(f"{shares[d]:.0f}" for d in DOMAINS)
    weights = " / ".join(str(DOMAIN_WEIGHTS[d]) for d in DOMAINS)
    off = [d for d in DOMAINS if abs(shares[d] - DOMAIN_WEIGHTS[d]) > DOMAIN_TOLERANCE]
    reason = f"domain shares D1-D4 are {shown} % against the exam guide's {weights} %"
    if off:
        return [
            _finding(
                "bank-domain-balance",
                Severity.WARNING,
                f"{reason}; {', '.join(off)} off by more than {DOMAIN_TOLERANCE:.0f} points",
                "write questions for the domains below their weight",
            )
        ]
    return [_finding("bank-domain-balance", Severity.INFO, reason, "nothing to do")]


def _answer_findings(
    questions: Sequence[QuestionData],
    answers: dict[str, AnswerTally],
    min_learners: int,
    figures: dict,
) -> list[Finding]:
    never = [q.key for q in questions if answers.get(q.key, AnswerTally(0, 0)).learners == 0]
    everyone = [
        q
        for q in questions
        if (tally := answers.get(q.key))
        and tally.learners >= min_learners
        and not tally.wrong_learners
    ]
    figures["never_answered"] = len(never)
    figures["answered_right_by_everyone"] = len(everyone)
    found = []
    if never:
        shown = ", ".join(never[:5]) + (" …" if len(never) > 5 else "")
        found.append(
            _finding(
                "bank-never-answered",
                Severity.INFO,
                f"{len(never)} of {len(questions)} questions have never been answered ({shown})",
                "put them in a quiz or check that they are published",
            )
        )
    for question in everyone:
        tally = answers[question.key]
        found.append(
            Finding(
                "answered-right-by-everyone",
                Severity.WARNING,
                f"all {tally.learners} learners who answered it got it right",
                "make the distractors more plausible; it tells learners apart little",
                key=question.key,
                line=question.line,
            )
        )
    return found


# -- putting it together -----------------------------------------------------------------------


def questions_check(
    questions: Sequence[QuestionData],
    *,
    paths: dict[str, str] | None = None,
    answers: dict[str, AnswerTally] | None = None,
    min_learners: int = MIN_LEARNERS,
) -> CheckReport:
    """Check every question and the set of them as one bank."""
    paths = paths or {}
    report = CheckReport(questions=len(questions))
    for question in questions:
        report.findings += question_check(question, path=paths.get(question.key, ""))
    bank, report.figures = bank_check(questions, answers=answers, min_learners=min_learners)
    whole = sorted((f for f in bank if not f.key), key=lambda f: SEVERITY_ORDER[f.severity])
    each = report.findings + [f for f in bank if f.key]
    report.findings = whole + sorted(
        each, key=lambda f: (f.path, f.line, f.key, SEVERITY_ORDER[f.severity])
    )
    return report


#: File extensions the source checker reads, and the format each is read in.
SOURCE_FORMATS = {".md": "markdown", ".gift": "gift", ".xml": "moodle-xml", ".txt": "aiken"}


def source_check(folder: Path, *, display=str) -> CheckReport:
    """Check the question files of a folder: ``DIR/quizzes/`` when it has one (a content
    folder), else ``DIR`` itself. A file that cannot be read is an error finding."""
    if (folder / "quizzes").is_dir():
        folder = folder / "quizzes"
    questions: list[QuestionData] = []
    paths: dict[str, str] = {}
    unreadable: list[Finding] = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in SOURCE_FORMATS):
        shown = display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            unreadable.append(_unreadable(shown, 1, "not UTF-8 text"))
            continue
        result = FORMATS[SOURCE_FORMATS[path.suffix]].parse(text, source=shown)
        unreadable += [_unreadable(shown, p.line, p.message) for p in result.errors]
        for question in result.questions if result.ok else []:
            paths.setdefault(question.key, shown)
            questions.append(question)
    report = questions_check(questions, paths=paths)
    report.findings = unreadable + report.findings
    return report


def _unreadable(path: str, line: int, message: str) -> Finding:
    return Finding(
        "unreadable",
        Severity.ERROR,
        message,
        "fix the file so that it parses",
        path=path,
        line=line,
    )


def files_check(files: Iterable[tuple[str, Sequence[QuestionData]]]) -> CheckReport:
    """Check already-parsed question files, given as (path, questions), as one bank."""
    questions: list[QuestionData] = []
    paths: dict[str, str] = {}
    for path, file_questions in files:
        for question in file_questions:
            paths.setdefault(question.key, path)
            questions.append(question)
    return questions_check(questions, paths=paths)


def import_warnings(report: CheckReport, *, folder: str) -> list[tuple[str, int, str]]:
    """The errors and warnings of a report as ``import_content`` warnings: (path, line,
    message). Findings about the whole bank are placed on the questions' folder."""
    return [
        (
            finding.path or folder,
            finding.line,
            f"question check {finding.severity}: {finding.reason} [{finding.rule}]",
        )
        for finding in report.findings
        if finding.severity != Severity.INFO
    ]


def text_check(*, text: str, format_name: str, source: str = "") -> list[Finding]:
    """The question findings of a file before it is imported (the import preview); a file that
    does not parse has none (its errors are the importer's to report)."""
    result = FORMATS[format_name].parse(text, source=source)
    if not result.ok:
        return []
    return [
        finding
        for question in result.questions
        for finding in question_check(question, path=source)
    ]


def answer_tallies(course=None) -> dict[str, AnswerTally]:
    """Per question key: the learners who answered it (graded) and those who got it wrong."""
    rows = AttemptQuestion.objects.filter(correct__isnull=False)
    if course is not None:
        rows = rows.filter(version__question__course=course)
    tallies = rows.values("version__question__key").annotate(
        learners=Count("attempt__user", distinct=True),
        wrong=Count("attempt__user", filter=Q(correct=False), distinct=True),
    )
    return {
        row["version__question__key"]: AnswerTally(row["learners"], row["wrong"]) for row in tallies
    }


def bank_report(course=None, *, min_learners: int | None = None) -> CheckReport:
    """Check the current versions of a bank's (or every bank's) published questions."""
    versions = bank_versions(course).filter(question__status=Question.Status.PUBLISHED)
    questions = []
    paths = {}
    for version in versions:
        questions.append(version_data(version))
        if version.question.source:
            paths[version.question.key] = version.question.source
    if min_learners is None:
        min_learners = getattr(settings, "QUIZ_STATISTICS_MIN_LEARNERS", MIN_LEARNERS)
    report = questions_check(
        questions, paths=paths, answers=answer_tallies(course), min_learners=min_learners
    )
    report.bank = course.title if course is not None else ""
    return report


def bank_summaries() -> list[CheckReport]:
    """A report for every bank (active course) that has published questions."""
    reports = [bank_report(course) for course in Course.objects.active()]
    return [report for report in reports if report.questions]
