"""Forms: study settings and instructor-written cards."""

from __future__ import annotations

from django import forms

from studyapp.cards.faces import cloze_numbers, text_shows_nothing
from studyapp.cards.models import Note, StudySettings, validate_steps
from studyapp.topics.models import Topic


class StepsField(forms.CharField):
    """Learning steps typed as minutes separated by spaces: "1 10"."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return " ".join(f"{step:g}" for step in value)
        return value

    def to_python(self, value):
        text = (value or "").replace(",", " ").strip()
        if not text:
            return []
        try:
            steps = [float(part) for part in text.split()]
        except ValueError:
            message = "Write minutes as numbers separated by spaces, e.g. 1 10."
            raise forms.ValidationError(message) from None
        return [int(step) if step.is_integer() else step for step in steps]

    def validate(self, value):
        super().validate(value)
        validate_steps(value)


class StudySettingsForm(forms.ModelForm):
    learning_steps = StepsField(
        required=False,
        help_text="Minutes between the first answers of a new card, e.g. 1 10.",
    )
    relearning_steps = StepsField(
        required=False,
        help_text="Minutes before a forgotten card is asked again, e.g. 10.",
    )

    class Meta:
        model = StudySettings
        fields = [
            "desired_retention",
            "new_per_day",
            "reviews_per_day",
            "learning_steps",
            "relearning_steps",
            "day_starts_at_hour",
            "bury_siblings",
            "leech_action",
        ]
        labels = {
            "desired_retention": "Desired retention",
            "new_per_day": "New cards a day",
            "reviews_per_day": "Maximum reviews a day",
            "day_starts_at_hour": "Next day starts at (hour)",
            "bury_siblings": "Bury siblings until the next day",
            "leech_action": "When a card becomes a leech",
        }
        help_texts = {
            "desired_retention": (
                "The chance of remembering a card when it comes due, from 0.70 to 0.97. "
                "Higher means more reviews."
            ),
            "day_starts_at_hour": "0 to 23, in your time zone (set on your profile).",
            "leech_action": "A leech is a card forgotten 8 times (and every 4 times after).",
        }
        widgets = {
            "desired_retention": forms.NumberInput(
                attrs={"step": "0.01", "min": "0.7", "max": "0.97"}
            ),
            "day_starts_at_hour": forms.NumberInput(attrs={"min": "0", "max": "23"}),
        }


NOTHING_SHOWN = (
    "The {side} would show nothing: scripts, styles and other unsafe HTML are removed. "
    "Write the text to show."
)


COPY_CLOZES = (
    "Keep the deletions {numbers}, no more and no fewer: each number is one card of the course, "
    "and your copy changes what the cards say, not how many there are."
)


class StudyStartForm(StudySettingsForm):
    """The study settings a new learner chooses first (the home page's start): desired
    retention and the daily limits; the rest keep their values."""

    learning_steps = None
    relearning_steps = None

    class Meta(StudySettingsForm.Meta):
        fields = ["desired_retention", "new_per_day", "reviews_per_day"]


class NoteForm(forms.Form):
    """A note's text, checked the same way for an author writing or editing a note and for a
    learner editing their own copy of one (``copy_of``: the note; its topic and type stay)."""

    topic = forms.ModelChoiceField(
        queryset=Topic.objects.visible()
        .select_related("course")
        .order_by("course__position", "position"),
    )
    kind = forms.ChoiceField(label="Type", choices=Note.Kind.choices, initial=Note.Kind.BASIC)
    front_md = forms.CharField(
        label="Front (or cloze text)",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown. For a cloze card, hide answers as {{c1::answer}} or "
        "{{c1::answer::hint}}; each number gives its own card.",
        max_length=5000,
    )
    back_md = forms.CharField(
        label="Back (or extra text for cloze)",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=5000,
    )

    def __init__(self, *args, copy_of: Note | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.copy_of = copy_of
        if copy_of is not None:
            del self.fields["topic"], self.fields["kind"]
            return
        self.fields["topic"].label_from_instance = lambda topic: (
            f"{topic.course.title} › {topic.title}"
        )

    def clean(self):
        data = super().clean()
        kind = self.copy_of.kind if self.copy_of is not None else data.get("kind")
        front, back = data.get("front_md", ""), data.get("back_md", "")
        if front and text_shows_nothing(front):
            self.add_error("front_md", NOTHING_SHOWN.format(side="front"))
        elif kind == Note.Kind.CLOZE and front and not cloze_numbers(front):
            self.add_error("front_md", "A cloze card needs at least one {{c1::...}} deletion.")
        elif kind == Note.Kind.CLOZE and front and self.copy_of is not None:
            wanted = cloze_numbers(self.copy_of.front_md)
            if cloze_numbers(front) != wanted:
                numbers = ", ".join(f"c{number}" for number in wanted)
                self.add_error("front_md", COPY_CLOZES.format(numbers=numbers))
        if kind in (Note.Kind.BASIC, Note.Kind.REVERSED) and not (back or "").strip():
            self.add_error("back_md", "Write the answer on the back.")
        elif (back or "").strip() and text_shows_nothing(back):
            self.add_error("back_md", NOTHING_SHOWN.format(side="back"))
        return data
