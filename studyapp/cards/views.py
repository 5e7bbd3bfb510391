"""Review pages: the keyboard-first session, study settings, my cards, authoring, Anki export."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.accounts.models import TEACH_PERMISSION
from studyapp.cards.anki import anki_package_write
from studyapp.cards.authoring import note_author_save
from studyapp.cards.browsing import (
    CardAction,
    CardsChanged,
    CardSort,
    CardState,
    card_for_editing,
    card_schedule,
    card_state_labels,
    cards_change,
    cards_for_learner,
    cards_search,
    note_editable,
)
from studyapp.cards.faces import card_faces, note_ordinals
from studyapp.cards.forms import NoteForm, StudySettingsForm
from studyapp.cards.models import Card, Note, NoteOverride, StudySettings
from studyapp.cards.optimising import optimisation_request, optimiser_status
from studyapp.cards.overrides import (
    joined_override,
    learner_card_faces,
    note_override_restore,
    note_override_save,
    note_text,
)
from studyapp.cards.review import (
    card_bury,
    card_for_learner,
    card_suspend,
    card_unsuspend,
    review_next,
    review_record,
    review_summary,
    review_undo,
    schedule_of,
    topics_visible,
)
from studyapp.cards.scheduling import (
    RATING_NAMES,
    RATINGS,
    interval_label,
    schedule_preview,
    study_settings_for,
)
from studyapp.core.converters import int64_or_none
from studyapp.core.htmx import HtmxHttpRequest
from studyapp.core.topic_keys import topic_key_build
from studyapp.topics.models import Topic


def topic_from_key(key: str) -> Topic | None:
    """``course-slug/topic-slug`` (as topic pages link here) to the topic; empty means all."""
    if not key:
        return None
    return get_object_or_404(Topic.objects.visible().by_key(key).select_related("course"))


def topic_key(topic: Topic | None) -> str:
    return topic.key if topic else ""


def topic_choices(selected: str) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    """The topic filter's options, grouped by course: (course title, [(key, title, selected)])."""
    grouped: dict[str, tuple[str, list[tuple[str, str, bool]]]] = {}
    for course_slug, course_title, slug, title in topics_visible():
        key = topic_key_build(course_slug=course_slug, topic_slug=slug)
        grouped.setdefault(course_slug, (course_title, []))[1].append((key, title, key == selected))
    return list(grouped.values())


def session_context(
    request: HtmxHttpRequest, *, topic: Topic | None, settings: StudySettings | None = None
) -> dict:
    now = timezone.now()
    queue = review_next(request.user, now=now, topic=topic, settings=settings)
    context = {"queue": queue, "topic": topic, "topic_key": topic_key(topic)}
    if queue.current is not None:
        context["current"] = queue.current
        context["faces"] = learner_card_faces(queue.current.card, override=queue.current.override)
        context["text"] = note_text(queue.current.card.note, override=queue.current.override)
    else:
        context["summary"] = review_summary(user=request.user, now=now, day=queue.day)
    return context


def session_response(
    request: HtmxHttpRequest,
    *,
    topic: Topic | None,
    notice: str = "",
    settings: StudySettings | None = None,
):
    if not request.htmx:
        if notice:
            messages.info(request, notice)
        url = reverse("cards:index")
        return redirect(f"{url}?topic={topic_key(topic)}" if topic else url)
    context = session_context(request, topic=topic, settings=settings)
    context["notice"] = notice
    return render(request, "cards/review.html#session", context)


@require_GET
def index(request: HtmxHttpRequest) -> HttpResponse:
    topic = topic_from_key(request.GET.get("topic", ""))
    context = session_context(request, topic=topic)
    context["courses"] = topic_choices(topic_key(topic))
    return render(request, "cards/review.html", context)


@require_GET
def reveal(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    try:
        card = card_for_learner(card_id=card_id, user=request.user)
    except Card.DoesNotExist:
        raise Http404("No such card") from None
    topic = topic_from_key(request.GET.get("topic", ""))
    schedule = schedule_of(user=request.user, card=card)
    state = schedule.fsrs_card if schedule is not None and schedule.introduced_at else None
    preview = schedule_preview(
        fsrs_state=state, now=timezone.now(), settings=study_settings_for(request.user)
    )
    ratings = [
        {"value": r, "name": RATING_NAMES[r], "interval": interval_label(preview[r])}
        for r in preview
    ]
    try:
        version = int(request.GET.get("version", ""))
    except ValueError:
        return HttpResponseBadRequest("version must be a number")
    context = {
        "card": card,
        "faces": learner_card_faces(card, override=joined_override(card)),
        "ratings": ratings,
        "version": version,
        "topic_key": topic_key(topic),
    }
    template = "cards/review.html#answer" if request.htmx else "cards/reveal.html"
    return render(request, template, context)


@require_POST
def answer(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    try:
        card = card_for_learner(card_id=card_id)
    except Card.DoesNotExist:
        raise Http404("No such card") from None
    rating = int64_or_none(request.POST.get("rating"))
    version = int64_or_none(request.POST.get("version"))
    if rating not in RATINGS or version is None:
        return HttpResponseBadRequest("rating must be 1 to 4, with the card's version")
    topic = topic_from_key(request.POST.get("topic", ""))
    result = review_record(
        user=request.user,
        card=card,
        rating=rating,
        duration_ms=int64_or_none(request.POST.get("duration_ms")),
        now=timezone.now(),
        version=version,
    )
    notice = ""
    if result.became_leech:
        notice = "This card has been forgotten often: it is tagged as a leech"
        suspended = result.schedule is not None and result.schedule.suspended
        notice += " and suspended. Rewrite it or study its topic again." if suspended else "."
    return session_response(request, topic=topic, notice=notice, settings=result.settings)


@require_POST
def undo(request: HtmxHttpRequest) -> HttpResponse:
    topic = topic_from_key(request.POST.get("topic", ""))
    undone = review_undo(user=request.user, now=timezone.now())
    notice = "Undone: the card is back." if undone else "Nothing to undo today."
    return session_response(request, topic=topic, notice=notice)


def learner_card(card_id: int) -> Card:
    try:
        return card_for_learner(card_id=card_id)
    except Card.DoesNotExist:
        raise Http404("No such card") from None


@require_POST
def suspend(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    card_suspend(user=request.user, card=learner_card(card_id), now=timezone.now())
    if request.POST.get("next") == "browse":
        return browse_results(request, notice="Card suspended.")
    topic = topic_from_key(request.POST.get("topic", ""))
    return session_response(request, topic=topic, notice="Card suspended.")


@require_POST
def unsuspend(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    card_unsuspend(user=request.user, card=learner_card(card_id), now=timezone.now())
    return browse_results(request, notice="Card unsuspended: it is back in your reviews.")


@require_POST
def bury(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    card_bury(user=request.user, card=learner_card(card_id), now=timezone.now())
    topic = topic_from_key(request.POST.get("topic", ""))
    return session_response(request, topic=topic, notice="Card buried until tomorrow.")


# -- the card browser -------------------------------------------------------------------------

BROWSE_FILTERS = ("q", "topic", "tag", "state", "sort")
LEGACY_SHOW = {"suspended": CardState.SUSPENDED, "leeches": CardState.LEECH}
BROWSE_PAGE_SIZE = 50
PREVIEW_ID = re.compile(r"card-preview-\d+")


def browse_filters(params: QueryDict) -> dict[str, str]:
    """The browser's search from a query string (``show=`` is the old page's state filter)."""
    filters = {name: params.get(name, "").strip()[:200] for name in BROWSE_FILTERS}
    if not filters["state"] and params.get("show") in LEGACY_SHOW:
        filters["state"] = LEGACY_SHOW[params["show"]]
    if filters["state"] not in CardState.values:
        filters["state"] = ""
    if filters["sort"] not in CardSort.values:
        filters["sort"] = CardSort.DUE
    return filters


def browse_query(filters: dict[str, str], *, page: int | None = None) -> str:
    """The query string of a search (only what is set), for links that keep it."""
    kept = {name: value for name, value in filters.items() if value}
    if kept.get("sort") == CardSort.DUE:
        del kept["sort"]
    if page and page > 1:
        kept["page"] = str(page)
    return urlencode(kept)


def browse_url(query: str) -> str:
    url = reverse("cards:browse")
    return f"{url}?{query}" if query else url


def browse_return(request: HtmxHttpRequest) -> tuple[dict[str, str], str]:
    """The search a change was made from (the form's ``return``), and its page."""
    params = QueryDict(request.POST.get("return", ""))
    return browse_filters(params), params.get("page", "")


def browse_row(*, user, card: Card) -> dict:
    """A row of the browser: the card as the learner sees it (their own text where they have
    one, with the course's beside it), its schedule and what they may do with it."""
    schedule = card_schedule(card)
    override = joined_override(card)
    return {
        "card": card,
        "schedule": schedule,
        "faces": learner_card_faces(card, override=override),
        "text": note_text(card.note, override=override),
        "original_faces": card_faces(card) if override is not None else None,
        "states": card_state_labels(schedule),
        "difficulty": schedule.fsrs_card.get("difficulty") if schedule else None,
        "editable": note_editable(user=user, note=card.note),
    }


def browse_context(
    request: HtmxHttpRequest, *, filters: dict[str, str], page_number: str | None
) -> dict:
    topic = topic_from_key(filters["topic"])
    cards = cards_search(
        user=request.user,
        now=timezone.now(),
        query=filters["q"],
        topic=topic,
        tag=filters["tag"],
        state=filters["state"],
        sort=filters["sort"],
    )
    page = Paginator(cards, BROWSE_PAGE_SIZE).get_page(page_number)
    query = browse_query(filters, page=page.number)
    return {
        "page": page,
        "rows": [browse_row(user=request.user, card=card) for card in page],
        "filters": filters,
        "filter_query": browse_query(filters),
        "return_query": query,
        "states": CardState.choices,
        "sorts": CardSort.choices,
        "courses": topic_choices(filters["topic"]),
        "actions": CardAction.choices,
    }


def browse_results(request: HtmxHttpRequest, *, notice: str = "") -> HttpResponse:
    """After a change: the result list again (htmx), or the browser page (a redirect)."""
    filters, page = browse_return(request)
    if not request.htmx:
        if notice:
            messages.success(request, notice)
        return redirect(browse_url(browse_query(filters, page=int64_or_none(page))))
    context = browse_context(request, filters=filters, page_number=page)
    context["notice"] = notice
    return render(request, "cards/browse.html#results", context)


@require_GET
def browse(request: HtmxHttpRequest) -> HttpResponse:
    filters = browse_filters(request.GET)
    context = browse_context(request, filters=filters, page_number=request.GET.get("page"))
    if request.htmx and request.htmx.target == "card-results":
        response = render(request, "cards/browse.html#results", context)
        # The address bar shows the search as a link would (no empty fields).
        response["HX-Push-Url"] = browse_url(context["return_query"])
        return response
    return render(request, "cards/browse.html", context)


def changed_notice(result: CardsChanged) -> str:
    done = {
        CardAction.SUSPEND: "suspended",
        CardAction.UNSUSPEND: "unsuspended",
        CardAction.RESET: "reset to new",
    }[result.action]
    notice = f"{result.changed} card{pluralize(result.changed)} {done}"
    if result.changed != result.selected:
        unchanged = result.selected - result.changed
        notice += f"; {unchanged} already {'new' if result.action == CardAction.RESET else 'so'}"
    return notice + "."


@require_POST
def browse_change(request: HtmxHttpRequest) -> HttpResponse:
    """One action on the selected cards (or one row's card): one POST, one transaction."""
    action = request.POST.get("action", "")
    card_ids = [int64_or_none(value) for value in request.POST.getlist("card")]
    if not card_ids:
        return browse_results(request, notice="Select one or more cards first.")
    if None in card_ids or action not in CardAction.values:
        return HttpResponseBadRequest("card must be card ids and action one of the actions")
    if action == CardAction.RESET and request.POST.get("confirm") != "yes":
        cards = cards_for_learner(card_ids=card_ids)
        filters, page = browse_return(request)
        context = {
            "cards": cards,
            "return_query": request.POST.get("return", ""),
            "filter_query": browse_query(filters, page=int64_or_none(page)),
        }
        template = "cards/browse_reset.html#confirm" if request.htmx else "cards/browse_reset.html"
        return render(request, template, context)
    result = cards_change(user=request.user, card_ids=card_ids, action=action, now=timezone.now())
    return browse_results(request, notice=changed_notice(result))


@require_GET
def browse_card(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    """One row of the browser (htmx: after cancelling an edit); else the browser itself."""
    card = cards_search(user=request.user, now=timezone.now()).filter(pk=card_id).first()
    if card is None:
        raise Http404("No such card")
    if not request.htmx:
        return redirect("cards:browse")
    context = {"row": browse_row(user=request.user, card=card)}
    context["return_query"] = request.GET.get("return", "")
    return render(request, "cards/browse.html#row", context)


def browse_row_response(
    request: HtmxHttpRequest, *, card: Card, notice: str, return_query: str
) -> HttpResponse:
    """After an edit or a restore: the card's row again (htmx), or the browser (a redirect)."""
    if not request.htmx:
        messages.success(request, notice)
        return redirect(browse_url(return_query))
    fresh = cards_search(user=request.user, now=timezone.now()).filter(pk=card.pk).first()
    context = {"row_notice": notice, "return_query": return_query, "gone_id": card.pk}
    context["row"] = browse_row(user=request.user, card=fresh) if fresh else None
    return render(request, "cards/browse.html#row", context)


def note_edit_form(request: HtmxHttpRequest, card: Card) -> NoteForm:
    """The editor's form: the shared note's for its author, else the learner's own copy,
    filled with the text they see."""
    note = card.note
    if note_editable(user=request.user, note=note):
        initial = {"topic": note.topic, "kind": note.kind, "front_md": note.front_md}
        initial["back_md"] = note.back_md
        copy_of = None
    else:
        text = note_text(note, override=joined_override(card))
        initial = {"front_md": text.front_md, "back_md": text.back_md}
        copy_of = note
    return NoteForm(
        request.POST or None, initial=initial, auto_id=f"card-{card.pk}-%s", copy_of=copy_of
    )


def saved_notice(saved) -> str:
    if isinstance(saved, Note):
        return f"Card saved ({saved.cards.active().count()} card(s) from this note)."
    if saved is None:
        return "Card saved: it is the course's text again."
    return "Your text saved: only you see it; the course's card is unchanged."


@require_http_methods(["GET", "POST"])
def browse_edit(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    """Edit a card in place, with the same form, checks and preview as writing one: the shared
    note when it is one's own, else one's own copy of its text."""
    card = card_for_editing(user=request.user, card_id=card_id)
    form = note_edit_form(request, card)
    return_query = request.POST.get("return", request.GET.get("return", ""))
    if request.method == "POST" and form.is_valid():
        saved = note_form_save(form, user=request.user, note=card.note)
        notice = saved_notice(saved)
        return browse_row_response(request, card=card, notice=notice, return_query=return_query)
    data = form.data if form.is_bound else form.initial
    context = {
        "form": form,
        "card": card,
        "own_copy": form.copy_of is not None,
        "preview": note_preview(data, kind=card.note.kind if form.copy_of else None),
        "preview_id": f"card-preview-{card.pk}",
        "return_query": return_query,
    }
    if request.htmx:
        # Refused text is shown in place, with the form: htmx swaps only successful answers.
        return render(request, "cards/browse_edit.html#editor", context)
    return render(request, "cards/browse_edit.html", context, status=400 if form.errors else 200)


@require_POST
def browse_preview(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    """The live preview of a card's editor in the browser (the note's own type for a copy)."""
    card = card_for_editing(user=request.user, card_id=card_id)
    kind = None if note_editable(user=request.user, note=card.note) else card.note.kind
    context = {"preview": note_preview(request.POST, kind=kind)}
    context["preview_id"] = f"card-preview-{card.pk}"
    return render(request, "cards/author_edit.html#preview", context)


@require_POST
def browse_restore(request: HtmxHttpRequest, card_id: int) -> HttpResponse:
    """Drop the learner's own text of the card's note: they see the course's again."""
    card = card_for_editing(user=request.user, card_id=card_id)
    restored = note_override_restore(user=request.user, note=card.note)
    notice = (
        "The course's text is back." if restored else "This card already shows the course's text."
    )
    return_query = request.POST.get("return", "")
    return browse_row_response(request, card=card, notice=notice, return_query=return_query)


@require_http_methods(["GET", "POST"])
def settings_page(request: HtmxHttpRequest) -> HttpResponse:
    current = study_settings_for(request.user)
    form = StudySettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Study settings saved.")
        return redirect("cards:settings")
    context = {"form": form, "optimiser": optimiser_status(request.user), "current": current}
    return render(request, "cards/settings.html", context, status=400 if form.errors else 200)


@require_POST
def optimise(request: HtmxHttpRequest) -> HttpResponse:
    status = optimisation_request(user=request.user, now=timezone.now())
    if status.available:
        messages.success(request, "Optimising your scheduler in the background.")
    else:
        messages.warning(request, status.reason)
    return redirect("cards:settings")


@require_GET
def export(request: HtmxHttpRequest) -> FileResponse:
    folder = Path(tempfile.mkdtemp(prefix="anki-export-"))
    path = folder / "lambda-study.apkg"
    anki_package_write(user=request.user, path=path, now=timezone.now())
    handle = path.open("rb")
    path.unlink()  # the open handle keeps the data until the response is sent
    folder.rmdir()
    return FileResponse(
        handle,
        as_attachment=True,
        filename="lambda-study.apkg",
        content_type="application/octet-stream",
    )


# -- instructors ------------------------------------------------------------------------------


@require_GET
@permission_required(TEACH_PERMISSION, raise_exception=True)
def author_index(request: HtmxHttpRequest) -> HttpResponse:
    notes = (
        Note.objects.active()
        .filter(source=Note.Source.AUTHORED)
        .select_related("topic__course", "author")
        .order_by("topic__course__position", "topic__position", "pk")
    )
    return render(request, "cards/author_index.html", {"notes": notes})


@require_http_methods(["GET", "POST"])
@permission_required(TEACH_PERMISSION, raise_exception=True)
def author_edit(request: HtmxHttpRequest, note_id: int | None = None) -> HttpResponse:
    note = None
    if note_id is not None:
        note = get_object_or_404(Note.objects.active(), pk=note_id, source=Note.Source.AUTHORED)
    initial = (
        {"topic": note.topic, "kind": note.kind, "front_md": note.front_md, "back_md": note.back_md}
        if note
        else {"topic": request.GET.get("topic") or None}
    )
    form = NoteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = note_form_save(form, user=request.user, note=note)
        messages.success(request, f"Card saved ({saved.cards.active().count()} card(s)).")
        return redirect("cards:author")
    preview = (
        note_preview(form.data if form.is_bound else initial) if (note or form.is_bound) else []
    )
    context = {"form": form, "note": note, "preview": preview}
    return render(request, "cards/author_edit.html", context, status=400 if form.errors else 200)


def note_preview(data, *, kind: str | None = None) -> list:
    """The faces of every card the form's text would give, for the live preview (``kind``: the
    note's type when the form has none, as a learner's copy)."""
    kind = kind or data.get("kind") or Note.Kind.BASIC
    if kind not in Note.Kind.values:
        kind = Note.Kind.BASIC
    note = Note(kind=kind, front_md=data.get("front_md", ""), back_md=data.get("back_md", ""))
    return [
        {"ordinal": ordinal, "faces": card_faces(Card(note=note, ordinal=ordinal))}
        for ordinal in note_ordinals(note)
    ]


@require_POST
@permission_required(TEACH_PERMISSION, raise_exception=True)
def author_preview(request: HtmxHttpRequest) -> HttpResponse:
    preview_id = request.POST.get("preview_id", "")
    context = {"preview": note_preview(request.POST)}
    if PREVIEW_ID.fullmatch(preview_id):
        context["preview_id"] = preview_id  # a preview of its own, as each browser editor has
    return render(request, "cards/author_edit.html#preview", context)


def note_form_save(form: NoteForm, *, user, note: Note | None) -> Note | NoteOverride | None:
    """Save a valid note form (the writing page's and the card browser's): as ``user``'s note,
    or, for a learner's own copy (``form.copy_of``), as their override of it (None when the text
    is the course's again, so there is nothing of theirs to keep)."""
    if form.copy_of is not None:
        return note_override_save(
            user=user,
            note=form.copy_of,
            front_md=form.cleaned_data["front_md"],
            back_md=form.cleaned_data["back_md"],
            now=timezone.now(),
        )
    return note_author_save(
        author=user,
        topic=form.cleaned_data["topic"],
        kind=form.cleaned_data["kind"],
        front_md=form.cleaned_data["front_md"],
        back_md=form.cleaned_data["back_md"],
        now=timezone.now(),
        note=note,
    )
