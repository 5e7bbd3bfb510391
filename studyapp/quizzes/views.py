"""Quiz pages: start practice or an exam, answer, flag, review screen, submit, result, review.

Views are thin: they parse the request, call one function of ``attempts`` (passing
``timezone.now()``; the server's clock is the only one that counts) and render. Every attempt
is read through :func:`selectors.attempt_for_owner` (taking it) or
:func:`selectors.attempt_for_viewer` (its result and review, which the instructor of a cohort the
quiz was assigned to may also read); both answer 404 to anyone else.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.core.charts import Chart, line_chart
from studyapp.core.htmx import htmx_redirect
from studyapp.quizzes import attempts, grading, media, quizbuilder, results
from studyapp.quizzes.disclosure import item_reveals
from studyapp.quizzes.models import DOMAINS, Attempt, AttemptQuestion
from studyapp.quizzes.selectors import (
    NavigatorItem,
    attempt_for_owner,
    attempt_for_viewer,
    attempt_item_study_links_load,
    attempt_items,
    attempt_navigator,
    attempts_history,
    questions_due_count,
    topics_with_questions,
)
from studyapp.topics.models import Topic


class PracticeForm(forms.Form):
    source = forms.ChoiceField(
        choices=list(attempts.PRACTICE_SOURCES.items()), initial="all", widget=forms.RadioSelect
    )
    topics = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    domains = forms.MultipleChoiceField(
        choices=[(key, f"{key} {name}") for key, name in DOMAINS.items()],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    count = forms.IntegerField(min_value=1, max_value=attempts.MAX_QUESTIONS, initial=10)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read when the choices are shown or a chosen topic is checked, not for every start.
        self.fields["topics"].choices = topic_choices


def topic_choices() -> list[tuple[int, str]]:
    return [(topic.id, topic.title) for topic in topics_with_questions()]


class ExamForm(forms.Form):
    shape = forms.ChoiceField(
        choices=[
            ("full", "Full exam: 75 questions, 180 minutes"),
            ("custom", "A chosen number of questions"),
        ],
        initial="full",
        widget=forms.RadioSelect,
    )
    count = forms.IntegerField(
        min_value=1,
        max_value=200,
        initial=20,
        required=False,
        help_text="144 seconds a question, the exam's own pace.",
    )


def topic_from_key(key: str) -> Topic | None:
    """A topic named as ``course/slug`` (the topic pages link here with ``?topic=``)."""
    return Topic.objects.visible().by_key(key).first()


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    history = list(attempts_history(request.user)[:30])
    topic = topic_from_key(request.GET.get("topic", ""))
    initial = {"topics": [topic.id]} if topic else {}
    return render(
        request,
        "quizzes/index.html",
        {
            "practice_form": PracticeForm(initial=initial, auto_id="practice_%s"),
            "chosen_topic": topic,
            "exam_form": ExamForm(auto_id="exam_%s"),
            "questions_due": questions_due_count(request.user, timezone.now()),
            "open_exams": [a for a in history if a.is_exam and not a.is_submitted],
            "history": history,
        },
    )


@require_POST
def practice_start(request: HttpRequest) -> HttpResponse:
    form = PracticeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the practice choices: " + form.errors.as_text())
        return redirect("quizzes:index")
    try:
        attempt = attempts.practice_start(
            user=request.user,
            now=timezone.now(),
            count=form.cleaned_data["count"],
            topic_ids=form.cleaned_data["topics"],
            domains=form.cleaned_data["domains"],
            source=form.cleaned_data["source"],
        )
    except attempts.AttemptError as error:
        messages.error(request, str(error))
        return redirect("quizzes:index")
    return redirect(attempt)


@require_POST
def exam_start(request: HttpRequest) -> HttpResponse:
    form = ExamForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Check the exam choices: " + form.errors.as_text())
        return redirect("quizzes:index")
    full = form.cleaned_data["shape"] == "full"
    try:
        attempt = attempts.exam_start(
            user=request.user,
            now=timezone.now(),
            count=None if full else (form.cleaned_data["count"] or 20),
        )
    except attempts.AttemptError as error:
        messages.error(request, str(error))
        return redirect("quizzes:index")
    if attempt.question_count < attempt.config["requested"]:
        messages.warning(
            request,
            f"The question bank has {attempt.question_count} questions for this exam, not the "
            f"{attempt.config['requested']} asked for: the exam uses all of them, with "
            f"{grading.SECONDS_PER_QUESTION} seconds a question.",
        )
    return redirect(attempt)


def position_from(request: HttpRequest) -> int | None:
    """The question asked for by ``?q=``; None when none is (or it is not a number)."""
    try:
        return max(1, int(request.GET["q"]))
    except (KeyError, ValueError):
        return None


@require_GET
def attempt_page(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = attempt_for_owner(request.user, attempt_id)
    if attempt.is_submitted:
        return redirect("quizzes:result", attempt.pk)
    # An exam shows the navigator; practice only says "Question n of m" (no query for it).
    navigator = attempt_navigator(attempt) if attempt.is_exam else None
    position = position_from(request)
    if position is None and navigator is not None:  # where the learner left off
        position = next((i.position for i in navigator if i.is_open), 1)
    if position is not None:
        position = min(position, attempt.question_count)
    now = timezone.now()
    item = attempts.attempt_open(attempt=attempt, position=position, now=now)
    if item is None:
        messages.warning(request, "Time is up: the exam was submitted as it stood.")
        return redirect("quizzes:result", attempt.pk)
    return render(
        request,
        "quizzes/exam.html" if attempt.is_exam else "quizzes/practice.html",
        session_context(attempt, navigator, item, now=now),
    )


def session_context(
    attempt: Attempt, navigator: list[NavigatorItem] | None, item: AttemptQuestion, *, now
) -> dict:
    """One question page: the question (with its options; its topics once it is revealed) and,
    in an exam, the navigator's state of the others, in a fixed number of queries whatever the
    length (practice shows no navigator: ``navigator`` None)."""
    reveal = item_reveals(attempt=attempt, item=item)
    if reveal:
        attempt_item_study_links_load(item)
    count = attempt.question_count
    return {
        "attempt": attempt,
        "items": navigator,
        "question_count": count,
        "item": item,
        "reveal": reveal,
        "previous": item.position - 1 if item.position > 1 else None,
        "next": item.position + 1 if item.position < count else None,
        "time_left": attempts.time_left(attempt, now=now),
        "answered_count": None if navigator is None else sum(i.is_answered for i in navigator),
    }


def time_up(request: HttpRequest, attempt: Attempt) -> HttpResponse:
    result_url = reverse("quizzes:result", args=[attempt.pk])
    response = render(
        request, "quizzes/exam.html#time-up", {"attempt": attempt, "result_url": result_url},
        status=409,
    )  # fmt: skip
    if request.htmx:
        htmx_redirect(result_url, response=response)
    return response


@require_POST
def answer(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    attempt = attempt_for_owner(request.user, attempt_id)
    now = timezone.now()
    try:
        saved = attempts.attempt_answer(
            attempt=attempt,
            position=position,
            letters=request.POST.getlist("option"),
            response=request.POST.get("response"),
            now=now,
        )
    except attempts.DeadlinePassed:
        return time_up(request, attempt)
    except attempts.AttemptError as error:
        if request.htmx:
            return render(
                request, "quizzes/exam.html#save-status", {"error": str(error)}, status=400
            )
        messages.error(request, str(error))
        return redirect(f"{attempt.get_absolute_url()}?q={position}")
    # attempt_answer keeps ``attempt`` up to date (submitted when the last practice answer is in)
    if not attempt.is_exam:
        if request.htmx:
            # ``saved`` is the question as graded, with its version and options: shown as it is
            return render(
                request,
                "quizzes/practice.html#question",
                session_context(attempt, None, saved, now=now),
            )
        return redirect(f"{attempt.get_absolute_url()}?q={position}")
    if request.htmx:
        navigator = attempt_navigator(attempt)
        return render(
            request,
            "quizzes/exam.html#save-status",
            {
                "saved_at": now,
                "item": saved,  # the saved answer; the fragment shows no options
                "attempt": attempt,
                "answered_count": sum(1 for i in navigator if i.is_answered),
                "oob": True,
            },
        )
    return redirect(go_target(request, attempt, position))


def go_target(request: HttpRequest, attempt: Attempt, position: int) -> str:
    go = request.POST.get("go", "")
    if go == "review":
        return reverse("quizzes:check", args=[attempt.pk])
    if go.isdigit():
        position = int(go)
    return f"{attempt.get_absolute_url()}?q={position}"


@require_POST
def flag(request: HttpRequest, attempt_id: int, position: int) -> HttpResponse:
    attempt = attempt_for_owner(request.user, attempt_id)
    flagged = request.POST.get("flagged") == "1"
    try:
        item = attempts.attempt_flag(
            attempt=attempt, position=position, flagged=flagged, now=timezone.now()
        )
    except attempts.DeadlinePassed:
        return time_up(request, attempt)
    except attempts.AttemptError as error:
        messages.error(request, str(error))
        return redirect(attempt)
    if request.htmx:
        return render(
            request, "quizzes/exam.html#flag", {"attempt": attempt, "item": item, "oob": True}
        )
    return redirect(f"{attempt.get_absolute_url()}?q={position}")


@require_GET
def check(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """The review screen before submitting: answered, unanswered and flagged questions."""
    attempt = attempt_for_owner(request.user, attempt_id)
    now = timezone.now()
    if attempts.attempt_expire_if_due(attempt=attempt, now=now) or attempt.is_submitted:
        return redirect("quizzes:result", attempt.pk)
    items = attempt_navigator(attempt)
    return render(
        request,
        "quizzes/check.html",
        {
            "attempt": attempt,
            "items": items,
            "summary": attempts.exam_summary(items),
            "time_left": attempts.time_left(attempt, now=now),
        },
    )


@require_POST
def submit(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = attempt_for_owner(request.user, attempt_id)
    attempts.attempt_submit(attempt=attempt, now=timezone.now())
    return redirect("quizzes:result", attempt.pk)


@require_GET
def result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = attempt_for_viewer(request.user, attempt_id)
    attempts.attempt_expire_if_due(attempt=attempt, now=timezone.now())
    if not attempt.is_submitted:
        return redirect(attempt)
    items = attempt_items(attempt)
    summary = results.attempt_result(attempt=attempt, items=items)
    trend = results.attempt_trend(
        attempt=attempt, history=list(attempts_history(attempt.user)[:50])
    )
    return render(
        request,
        "quizzes/result.html",
        {
            "attempt": attempt,
            "result": summary,
            "domains": summary.domains,
            "trend": trend,
            "trend_chart": trend_chart(attempt, trend) if len(trend) > 1 else None,
            "scaling_method": grading.SCALING_METHOD,
            "pass_score": grading.PASS_SCORE,
            "answered_count": summary.answered,
            "partial_credit": attempts.attempt_gives_partial_credit(attempt),
            "is_owner": attempt.user_id == request.user.pk,
        },
    )


def trend_chart(attempt: Attempt, trend: list[results.TrendPoint]) -> Chart:
    exam = attempt.is_exam
    return line_chart(
        title="Your exams" if exam else "Your practice sessions",
        summary=(
            f"{len(trend)} finished; this one scored {trend[-1].score}"
            if trend[-1].is_current
            else f"{len(trend)} finished"
        )
        + (", first to last: " + " → ".join(str(point.score) for point in trend[-8:]) + "."),
        labels=[f"{point.submitted_at:%-d %b %H:%M}" for point in trend],
        values=[point.score for point in trend],
        y_min=grading.MIN_SCORE if exam else 0,
        y_max=grading.MAX_SCORE if exam else 100,
        reference=(grading.PASS_SCORE, "pass 750") if exam else None,
        value_header="Scaled score" if exam else "% right",
        slug="attempt-trend",
    )


@require_GET
def review(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Every question with the learner's answer, the correct answer and all explanations."""
    attempt = attempt_for_viewer(request.user, attempt_id)
    attempts.attempt_expire_if_due(attempt=attempt, now=timezone.now())
    if attempt.is_exam and not attempt.is_submitted:
        return redirect(attempt)
    every = [i for i in attempt_items(attempt) if item_reveals(attempt=attempt, item=i)]
    show = request.GET.get("show", "all")
    show = show if show in results.REVIEW_FILTERS else "all"
    domain = request.GET.get("domain", "")
    domain = domain if domain in DOMAINS else ""
    items = results.review_filter(every, show=show, domain=domain)
    return render(
        request,
        "quizzes/review.html",
        {
            "attempt": attempt,
            "items": items,
            "total": len(every),
            "show": show,
            "domain": domain,
            "filters": results.REVIEW_FILTERS,
            "domains": sorted({i.version.domain for i in every}),
            "domain_names": DOMAINS,
            "missed_count": sum(1 for i in every if results.item_is_missed(i)),
            "is_owner": attempt.user_id == request.user.pk,
        },
    )


@require_POST
def practise_missed(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Start a practice session of exactly the questions missed in a finished attempt."""
    source = attempt_for_owner(request.user, attempt_id)
    try:
        missed = results.attempt_missed_questions(attempt_items(source))
        attempt = attempts.missed_practice_start(
            user=request.user, source=source, questions=missed, now=timezone.now()
        )
    except attempts.AttemptError as error:
        messages.error(request, str(error))
        return redirect("quizzes:result", source.pk)
    return redirect(attempt)


@require_http_methods(["GET", "POST"])
def assigned_quiz(request: HttpRequest, quiz_id: int) -> HttpResponse:
    """An instructor's quiz assigned to the learner's cohort: what it is, and start it."""
    quiz = quizbuilder.quiz_for_learner(user=request.user, quiz_id=quiz_id)
    now = timezone.now()
    if request.method == "POST":
        try:
            attempt = quizbuilder.quiz_attempt_start(user=request.user, quiz=quiz, now=now)
        except attempts.AttemptError as error:
            messages.error(request, str(error))
            return redirect("quizzes:assigned", quiz_id=quiz.pk)
        return redirect(attempt)
    taken = list(quizbuilder.quiz_attempts_of(user=request.user, quiz=quiz))
    context = {
        "quiz": quiz,
        "attempts": taken,
        "unavailable": quizbuilder.quiz_availability(user=request.user, quiz=quiz, now=now),
        "question_count": quizbuilder.quiz_question_estimate(quiz),
        "open_attempt": next((a for a in taken if not a.is_submitted), None),
    }
    return render(request, "quizzes/assigned.html", context)


@require_GET
def question_media(request: HttpRequest, version_id: int, area: str, file: str) -> HttpResponse:
    """A question's attached file, to those who may see it (see :mod:`media`)."""
    found = media.media_for_viewer(user=request.user, version_id=version_id, area=area, file=file)
    delivery = media.media_delivery(found)
    response = HttpResponse(delivery.content)
    for header, value in delivery.headers.items():
        response[header] = value
    return response
