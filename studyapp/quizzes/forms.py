"""Forms of the authoring pages: the question editor (with its list of options), quizzes, rules,
assignments and imports.

The editor's options are plain numbered fields (``option-0-text`` ...), so adding, removing and
moving options are ordinary submit buttons the server acts on: no script is needed, and every
problem is shown beside the field it concerns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from studyapp.core.errors import Invalid
from studyapp.quizzes.banks import FORMAT_NAMES, option_fractions
from studyapp.quizzes.formats import FORMATS, OptionData, QuestionData, validate_question
from studyapp.quizzes.formats.model import (
    derived_fractions,
    format_number,
    format_percent,
    parse_number,
    parse_percent,
)
from studyapp.quizzes.models import DOMAINS, Assignment, Question, QuestionVersion, Quiz
from studyapp.topics.models import Course, Topic

MAX_OPTIONS = 12


def topic_queryset():
    return Topic.objects.active().select_related("course").order_by("course__position", "position")


class TopicChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Topic) -> str:
        return f"{obj.course.title} › {obj.title}"


class QuestionForm(forms.Form):
    title = forms.CharField(required=False, max_length=255, help_text="A short name for lists.")
    stem_md = forms.CharField(
        label="Question", widget=forms.Textarea(attrs={"rows": 6}), help_text="Markdown."
    )
    kind = forms.ChoiceField(
        choices=QuestionVersion.Kind.choices, initial="single", widget=forms.RadioSelect
    )
    general_explanation_md = forms.CharField(
        label="Explanation",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Shown after the answer; Markdown.",
    )
    topics = TopicChoiceField(
        queryset=topic_queryset(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The topics of one course.",
    )
    domain = forms.ChoiceField(
        choices=[("", "(none)"), *[(k, f"{k} {v}") for k, v in DOMAINS.items()]], required=False
    )
    difficulty = forms.ChoiceField(
        choices=QuestionVersion.Difficulty.choices, initial="medium", required=False
    )
    tags = forms.CharField(required=False, help_text="Comma separated, e.g. throttling, rds.")
    try_it = forms.CharField(
        label="Try it in the sandbox",
        required=False,
        max_length=500,
        help_text="A sample and the settings that show the behaviour, as a question file's "
        "<code>try:</code> line, e.g. <code>reserved-concurrency-throttle reserved=0</code>. "
        "Learners get the link once they have answered. Empty: no link.",
    )
    case_sensitive = forms.BooleanField(
        label="A short answer's case counts",
        required=False,
        help_text="Otherwise 'lambda' is as right as 'Lambda' (Moodle's default).",
    )
    fixed_option_order = forms.BooleanField(
        label="Keep the options in the written order",
        required=False,
        help_text="Otherwise each attempt shows them in an order of its own; options that refer "
        "to the others (All of the above) and options marked Keep in place keep their place "
        "either way.",
    )
    status = forms.ChoiceField(
        choices=Question.Status.choices, initial="draft", widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = topic_queryset()

    def clean_try_it(self) -> str:
        """Checked as the content import checks a ``try:`` line (settings.QUESTION_TRY_CHECK)."""
        try:
            return import_string(settings.QUESTION_TRY_CHECK)(self.cleaned_data["try_it"])
        except Invalid as error:
            raise forms.ValidationError(str(error)) from error

    def clean(self):
        cleaned = super().clean()
        topics = cleaned.get("topics") or []
        if len({topic.course_id for topic in topics}) > 1:
            self.add_error("topics", "Choose topics of one course: a question belongs to one.")
        if cleaned.get("status") == Question.Status.PUBLISHED:
            if not topics:
                self.add_error("topics", "Choose at least one topic before publishing.")
            if not cleaned.get("domain"):
                self.add_error("domain", "Choose the exam domain before publishing.")
        return cleaned


@dataclass
class OptionRow:
    text: str = ""
    correct: bool = False
    weight: str = ""
    explanation: str = ""
    tolerance: str = ""
    pinned: bool = False
    origin: int | None = None  # its position in the version being edited; None for a new option
    errors: list[str] = field(default_factory=list)

    @property
    def is_blank(self) -> bool:
        return not (
            self.text.strip()
            or self.explanation.strip()
            or self.weight.strip()
            or self.tolerance.strip()
        )


def option_rows_from_post(data) -> list[OptionRow]:
    try:
        count = min(int(data.get("option_count", "0")), MAX_OPTIONS)
    except ValueError:
        count = 0
    return [
        OptionRow(
            text=data.get(f"option-{i}-text", ""),
            correct=data.get(f"option-{i}-correct") == "on",
            weight=data.get(f"option-{i}-weight", "").strip().rstrip("%"),
            explanation=data.get(f"option-{i}-explanation", ""),
            tolerance=data.get(f"option-{i}-tolerance", "").strip(),
            pinned=data.get(f"option-{i}-pinned") == "on",
            origin=_origin(data.get(f"option-{i}-origin", "")),
        )
        for i in range(count)
    ]


def _origin(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() and int(value) < MAX_OPTIONS else None


def option_rows_from_version(version: QuestionVersion | None) -> list[OptionRow]:
    if version is None:
        return [OptionRow() for _ in range(4)]
    options = list(version.options.all())
    if version.is_typed:
        return [
            OptionRow(
                text=option.text_md,
                correct=option.fraction > 0,
                weight=format_percent(option.fraction),
                explanation=option.explanation_md,
                tolerance=format_number(option.tolerance) if option.tolerance else "",
                origin=index,
            )
            for index, option in enumerate(options)
        ]
    weights = option_fractions(options)
    shares = derived_fractions([option.is_correct for option in options])
    custom = any(abs(weight - share) > 1e-6 for weight, share in zip(weights, shares, strict=True))
    return [
        OptionRow(
            text=option.text_md,
            correct=option.is_correct,
            weight=format_percent(weight) if custom and weight else "",
            explanation=option.explanation_md,
            pinned=option.pinned,
            origin=index,
        )
        for index, (option, weight) in enumerate(zip(options, weights, strict=True))
    ]


def option_rows_act(rows: list[OptionRow], action: str) -> list[OptionRow]:
    """Apply an editor button: ``add``, ``remove-N``, ``up-N`` or ``down-N``."""
    name, _, number = action.partition("-")
    if name == "add" and len(rows) < MAX_OPTIONS:
        return [*rows, OptionRow()]
    if not number.isdigit() or int(number) >= len(rows):
        return rows
    index = int(number)
    rows = list(rows)
    if name == "remove":
        del rows[index]
    elif name == "up" and index > 0:
        rows[index - 1], rows[index] = rows[index], rows[index - 1]
    elif name == "down" and index < len(rows) - 1:
        rows[index + 1], rows[index] = rows[index], rows[index + 1]
    return rows


@dataclass
class EditorCheck:
    data: QuestionData | None
    options_errors: list[str]


def typed_answers_check(rows: list[OptionRow]) -> list[OptionData]:
    """The accepted answers of a short-answer or numerical question: a weight when given, else
    100% when ticked and 0% (an answer with feedback only) when not."""
    answers = []
    for row in rows:
        if not row.text.strip():
            row.errors.append("Write the accepted answer, or remove it.")
        fraction = parse_percent(row.weight) if row.weight else (1.0 if row.correct else 0.0)
        if fraction is None:
            row.errors.append("Write the weight as a percentage, like 100 or 50.")
        tolerance = parse_number(row.tolerance) if row.tolerance else 0.0
        if tolerance is None or tolerance < 0:
            row.errors.append("Write the tolerance as a number of 0 or more, like 0.5.")
        answers.append(
            OptionData(
                text=row.text.strip(),
                fraction=fraction or 0.0,
                feedback=row.explanation.strip(),
                tolerance=tolerance or 0.0,
            )
        )
    return answers


def question_editor_check(form: QuestionForm, rows: list[OptionRow]) -> EditorCheck:
    """Validate the form and its options together; errors go beside their fields."""
    form.is_valid()
    if form.data.get("kind") in QuestionVersion.TYPED_KINDS:
        return _typed_question_check(form, rows)
    options_errors: list[str] = []
    filled = [row for row in rows if not row.is_blank]
    for row in filled:
        if not row.text.strip():
            row.errors.append("Write the option's text, or remove the option.")
    weighted = any(row.weight for row in filled)
    fractions: list[float] = []
    for row in filled:
        value = parse_percent(row.weight) if row.weight else None
        if row.weight and value is None:
            row.errors.append("Write the weight as a percentage, like 50 or -100.")
        if weighted and row.correct and not row.weight:
            row.errors.append("Give every correct option a weight, or none of them.")
        if weighted and not row.correct and value is not None and value > 0:
            row.errors.append("A positive weight makes the option correct: tick it.")
        fractions.append(value or 0.0)
    if not weighted:
        fractions = derived_fractions([row.correct for row in filled])
    correct = sum(row.correct for row in filled)
    kind = form.data.get("kind", "single")
    if len(filled) < 2:
        options_errors.append(f"A question needs at least 2 options (it has {len(filled)}).")
    elif kind == "single" and correct != 1:
        message = f"A single-answer question needs exactly one correct option ({correct} ticked)."
        options_errors.append(message)
        form.add_error("kind", message)
    elif kind == "multiple" and correct < 2:
        message = f"A multiple-response question needs at least 2 correct options ({correct})."
        options_errors.append(message)
        form.add_error("kind", message)
    if form.errors or options_errors or any(row.errors for row in rows):
        return EditorCheck(None, options_errors)
    data = _question_data(
        form.cleaned_data,
        [
            OptionData(
                text=row.text.strip(),
                fraction=fraction,
                feedback=row.explanation.strip(),
                pinned=row.pinned,
            )
            for row, fraction in zip(filled, fractions, strict=True)
        ],
    )
    problems = [p for p in validate_question(data) if "weight" in p]
    if problems:
        return EditorCheck(None, [problem[0].upper() + problem[1:] + "." for problem in problems])
    return EditorCheck(data, [])


def _typed_question_check(form: QuestionForm, rows: list[OptionRow]) -> EditorCheck:
    answers = typed_answers_check([row for row in rows if not row.is_blank])
    if form.errors or any(row.errors for row in rows):
        return EditorCheck(None, [])
    data = _question_data(form.cleaned_data, answers)
    problems = validate_question(data)
    if problems:
        return EditorCheck(None, [problem[0].upper() + problem[1:] + "." for problem in problems])
    return EditorCheck(data, [])


def _question_data(cleaned: dict, options: list[OptionData]) -> QuestionData:
    return QuestionData(
        stem=cleaned["stem_md"].strip(),
        options=options,
        kind=cleaned["kind"],
        title=cleaned["title"].strip(),
        general_feedback=cleaned["general_explanation_md"].strip(),
        topics=[topic.slug for topic in cleaned["topics"]],
        domain=cleaned["domain"],
        difficulty=cleaned["difficulty"] or "medium",
        tags=[tag.strip() for tag in cleaned["tags"].split(",") if tag.strip()],
        shuffle=not cleaned.get("fixed_option_order"),
        case_sensitive=cleaned["kind"] == "shortanswer" and bool(cleaned.get("case_sensitive")),
        try_it=cleaned["try_it"],
    )


def question_form_initial(question: Question | None) -> dict:
    if question is None or question.current_version is None:
        return {"kind": "single", "status": "draft", "difficulty": "medium"}
    version = question.current_version
    return {
        "title": version.title,
        "stem_md": version.stem_md,
        "kind": version.kind,
        "general_explanation_md": version.general_explanation_md,
        "topics": list(version.topics.all()),
        "domain": version.domain,
        "difficulty": version.difficulty,
        "tags": ", ".join(version.tags or []),
        "fixed_option_order": not version.shuffle_options,
        "case_sensitive": version.case_sensitive,
        "try_it": version.try_it,
        "status": question.status,
    }


@dataclass(frozen=True)
class ErrorLink:
    """One line of the editor's error summary: the field to go to (its id), its name, what is
    wrong."""

    target: str
    label: str
    message: str


def question_editor_errors(
    form: QuestionForm, rows: list[OptionRow], options_errors: list[str]
) -> list[ErrorLink]:
    """Every problem of a refused save in the order of the page, each linked to its field (a
    group of choices: its first choice); a message said twice (Kind and Options) once."""
    links = [ErrorLink("id_title", "Question", error) for error in form.non_field_errors()]
    for name, form_field in form.fields.items():
        if name == "general_explanation_md":  # the options come before the explanation
            links += _options_errors(rows, options_errors)
        target = f"id_{name}"
        if isinstance(form_field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            target += "_0"
        label = str(form[name].label)
        links += [ErrorLink(target, label, error) for error in form.errors.get(name, [])]
    unique: dict[str, ErrorLink] = {}
    for link in links:
        unique.setdefault(link.message, link)
    return list(unique.values())


def _options_errors(rows: list[OptionRow], options_errors: list[str]) -> list[ErrorLink]:
    links = [ErrorLink("option-0-text", "Options", error) for error in options_errors]
    for index, row in enumerate(rows):
        label = f"Option {chr(65 + index)}"
        links += [ErrorLink(f"option-{index}-text", label, error) for error in row.errors]
    return links


# -- quizzes ---------------------------------------------------------------------------------


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class QuizForm(forms.ModelForm):
    class Meta:
        model = Quiz
        fields = [
            "title",
            "description_md",
            "mode",
            "time_limit_minutes",
            "shuffle_questions",
            "shuffle_options",
            "attempts_allowed",
            "opens_at",
            "closes_at",
            "status",
        ]
        labels = {"description_md": "Description (Markdown)"}
        widgets = {
            "description_md": forms.Textarea(attrs={"rows": 3}),
            "mode": forms.RadioSelect,
            "status": forms.RadioSelect,
            "opens_at": DateTimeInput(),
            "closes_at": DateTimeInput(),
        }

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", "The quiz must close after it opens.")
        if cleaned.get("time_limit_minutes") == 0:
            self.add_error("time_limit_minutes", "Leave it empty, or give minutes.")
        return cleaned


class QuizRuleForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=200, initial=5)
    topic = forms.ModelChoiceField(queryset=Topic.objects.none(), required=False)
    domain = forms.ChoiceField(
        choices=[("", "(any)"), *[(k, f"{k} {v}") for k, v in DOMAINS.items()]], required=False
    )
    tag = forms.CharField(required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topic_queryset()
        self.fields["topic"].label_from_instance = lambda t: f"{t.course.title} › {t.title}"


class QuestionFilterForm(forms.Form):
    text = forms.CharField(required=False, label="Text")
    topic = forms.ModelChoiceField(queryset=Topic.objects.none(), required=False)
    domain = forms.ChoiceField(
        choices=[("", "(any)"), *[(k, f"{k} {v}") for k, v in DOMAINS.items()]], required=False
    )
    tag = forms.CharField(required=False)
    status = forms.ChoiceField(choices=[("", "(any)"), *Question.Status.choices], required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topic_queryset()
        self.fields["topic"].label_from_instance = lambda t: f"{t.course.title} › {t.title}"


# -- assignments and imports ----------------------------------------------------------------


class AssignmentForm(forms.Form):
    kind = forms.ChoiceField(choices=Assignment.Kind.choices, widget=forms.RadioSelect)
    quiz = forms.ModelChoiceField(queryset=Quiz.objects.none(), required=False)
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.none(), required=False, help_text="To read, or whose cards to study."
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.none(), required=False, help_text="Study a whole course's cards."
    )
    due_at = forms.DateTimeField(required=False, widget=DateTimeInput(), label="Due")

    def __init__(self, *args, instructor=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quiz"].queryset = Quiz.objects.owned_by(instructor).filter(
            status=Quiz.Status.PUBLISHED
        )
        self.fields["topic"].queryset = topic_queryset()
        self.fields["topic"].label_from_instance = lambda t: f"{t.course.title} › {t.title}"
        self.fields["course"].queryset = Course.objects.active()

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == Assignment.Kind.QUIZ and not cleaned.get("quiz"):
            self.add_error("quiz", "Choose one of your published quizzes.")
        if kind == Assignment.Kind.TOPIC and not cleaned.get("topic"):
            self.add_error("topic", "Choose the topic to read.")
        if kind == Assignment.Kind.DECK and not (cleaned.get("topic") or cleaned.get("course")):
            self.add_error("topic", "Choose a topic or a course whose cards to study.")
        due = cleaned.get("due_at")
        if due and due < timezone.now():
            self.add_error("due_at", "The due date has passed already.")
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(help_text="Up to 2 MB of UTF-8 text.")
    format = forms.ChoiceField(
        choices=[(name, FORMATS[name].label) for name in FORMAT_NAMES], initial="gift"
    )
    bank = forms.ModelChoiceField(
        queryset=Course.objects.none(),
        to_field_name="slug",
        required=False,
        help_text="A shared course's bank or one of yours.",
    )
    new_bank = forms.SlugField(
        required=False,
        max_length=120,
        label="Or a new bank",
        help_text="A new bank of yours, by its slug (e.g. my-lambda-questions).",
    )
    publish = forms.BooleanField(
        required=False, help_text="Publish new questions at once (otherwise they are drafts)."
    )
    pool = forms.BooleanField(
        required=False,
        label="Add to the course's pool",
        help_text="Practice and exam simulations for every learner draw from the pool; "
        "otherwise learners see these questions only in your quizzes.",
    )

    def __init__(self, *args, banks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks if banks is not None else Course.objects.none()

    def clean(self):
        cleaned = super().clean()
        bank, new_bank = cleaned.get("bank"), cleaned.get("new_bank")
        if self.errors.get("bank") or self.errors.get("new_bank"):
            return cleaned
        if bool(bank) == bool(new_bank):
            self.add_error("bank", "Choose a bank, or name a new one (not both).")
        elif new_bank and Course.objects.filter(slug=new_bank).exists():
            self.add_error("new_bank", "That slug is taken: choose the bank, or another slug.")
        cleaned["bank_slug"] = bank.slug if bank else new_bank
        return cleaned

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > 2 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 2 MB.")
        try:
            return upload.name, upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError("The file is not UTF-8 text.") from error
