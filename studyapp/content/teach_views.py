"""Instructor pages for notes: upload notes files, see the course they make, then confirm."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from studyapp.accounts.permissions import instructor_required
from studyapp.cards.models import Card
from studyapp.content.corrections import correction_publish
from studyapp.topics.models import KeyTerm, Topic
from studyapp.topics.notes import MAX_NOTES_BYTES
from studyapp.topics.selectors import topic_get
from studyapp.content.uploading import notes_upload_check, notes_upload_save

UPLOAD_SESSION_KEY = "notes_upload"


@require_http_methods(["GET", "POST"])
@instructor_required
def notes_upload(request: HttpRequest) -> HttpResponse:
    """A dry run: the preview shows the sections, topics, cards and warnings; nothing is saved."""
    preview = None
    if request.method == "POST":
        # One byte more than allowed is enough to refuse a file that is too large.
        files = [
            (upload.name, upload.read(MAX_NOTES_BYTES + 1))
            for upload in request.FILES.getlist("files")
        ]
        preview = notes_upload_check(files=files, user=request.user)
        if preview.ok:
            request.session[UPLOAD_SESSION_KEY] = [(f.name, f.text) for f in preview.files]
        else:
            request.session.pop(UPLOAD_SESSION_KEY, None)
    status = 400 if preview is not None and not preview.ok else 200
    return render(request, "topics/teach/notes_upload.html", {"preview": preview}, status=status)


@require_POST
@instructor_required
def notes_upload_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(UPLOAD_SESSION_KEY, None)
    if not pending:
        messages.error(request, "Nothing to import: upload the notes again.")
        return redirect("teach_notes:upload")
    try:
        changes, courses = notes_upload_save(
            files=[(name, text) for name, text in pending], user=request.user, now=timezone.now()
        )
    except ValueError as error:
        messages.error(request, f"Nothing was imported: {error}")
        return redirect("teach_notes:upload")
    made = "; ".join(
        f"{course.title}: {course.topics.active().count()} topics, {_cards_of(course)} cards"
        for course in courses
    )
    messages.success(
        request,
        f"Imported {made} ({changes['created']} rows created, {changes['updated']} updated, "
        f"{changes['archived']} archived).",
    )
    return redirect(courses[0].get_absolute_url())


def _cards_of(course) -> int:
    return Card.objects.active().filter(note__topic__course=course, note__archived_at=None).count()


class CorrectionForm(forms.Form):
    key_term = forms.ModelChoiceField(
        queryset=KeyTerm.objects.none(),
        required=False,
        empty_label="A piece of the text (quote it below)",
        help_text="The key term it corrects; its card shows the correction under the answer.",
    )
    quote = forms.CharField(
        max_length=300, required=False, help_text="The text it corrects, exactly as written."
    )
    dated = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    source_url = forms.URLField(
        label="Source", required=False, assume_scheme="https", help_text="A link (optional)."
    )
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), help_text="Markdown.")

    def __init__(self, *args, topic: Topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key_term"].queryset = topic.key_terms.active().order_by("position")


@require_http_methods(["GET", "POST"])
@instructor_required
def correction_new(request: HttpRequest, course_slug: str, topic_slug: str) -> HttpResponse:
    try:
        topic = topic_get(course_slug=course_slug, topic_slug=topic_slug)
    except Topic.DoesNotExist:
        raise Http404("No such topic") from None
    form = CorrectionForm(
        request.POST or None, topic=topic, initial={"dated": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            correction_publish(
                topic=topic,
                key_term=data["key_term"],
                quote=data["quote"],
                dated=data["dated"],
                source_url=data["source_url"],
                note=data["note"],
                now=timezone.now(),
            )
        except ValueError as error:
            form.add_error("quote", str(error))
        else:
            messages.success(request, "Correction added beside the notes.")
            return redirect(topic.get_absolute_url())
    status = 400 if form.errors else 200
    context = {"form": form, "topic": topic, "course": topic.course}
    return render(request, "topics/teach/correction_new.html", context, status=status)
