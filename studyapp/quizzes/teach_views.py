"""Instructor pages under /teach/: questions, quizzes, import and export, assignments, statistics.

Every view is ``instructor_required`` (a learner gets 403). Questions form one shared bank that
every instructor may edit; quizzes belong to their owner and cohorts to their instructor, so
another instructor's quiz or cohort answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from studyapp.accounts import cohorts
from studyapp.accounts.permissions import instructor_required
from studyapp.core.converters import int64_or_none
from studyapp.core.errors import Invalid, NotAllowed
from studyapp.quizzes import assignments, authoring, banks, checking, item_analysis, quizbuilder
from studyapp.quizzes import question_import as question_import_pipeline
from studyapp.quizzes.formats import OptionData, QuestionData
from studyapp.quizzes.forms import (
    AssignmentForm,
    ImportForm,
    QuestionFilterForm,
    QuestionForm,
    QuizForm,
    QuizRuleForm,
    option_rows_act,
    option_rows_from_post,
    option_rows_from_version,
    question_editor_check,
    question_editor_errors,
    question_form_initial,
)
from studyapp.quizzes.models import Question, QuestionVersion, Quiz
from studyapp.topics.models import Course

IMPORT_SESSION_KEY = "question_import"

# -- questions ---------------------------------------------------------------------------------


@require_GET
@instructor_required
def question_list(request: HttpRequest) -> HttpResponse:
    form = QuestionFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    questions = quizbuilder.questions_search(
        text=filters.get("text", ""),
        topic=filters.get("topic"),
        domain=filters.get("domain", ""),
        tag=filters.get("tag", ""),
        status=filters.get("status", ""),
    )
    page = Paginator(questions, 50).get_page(request.GET.get("page"))
    reports = checking.bank_summaries()
    counts = {key: row for report in reports for key, row in report.question_counts().items()}
    for question in page:
        question.checks = counts.get(question.key)
    context = {"form": form, "page": page, "reports": reports}
    return render(request, "quizzes/teach/question_list.html", context)


def _question_or_none(question_id: int | None) -> Question | None:
    if question_id is None:
        return None
    return get_object_or_404(
        Question.objects.active().select_related("current_version"), pk=question_id
    )


@require_http_methods(["GET", "POST"])
@instructor_required
def question_edit(request: HttpRequest, question_id: int | None = None) -> HttpResponse:
    question = _question_or_none(question_id)
    version = question.current_version if question else None
    status = 200
    options_errors: list[str] = []
    error_links = []
    if request.method == "POST":
        form = QuestionForm(request.POST)
        rows = option_rows_from_post(request.POST)
        action = request.POST.get("action", "save")
        if action != "save":
            rows = option_rows_act(rows, action)
            form = QuestionForm(request.POST)
        else:
            check = question_editor_check(form, rows)
            if check.data is not None:
                if version is not None:  # what the editor does not show is kept as it was
                    check.data.category = version.category
                    check.data.text_format = version.text_format
                    check.data.case = version.case.topic.slug if version.case_id else ""
                    if "try_it" not in request.POST:  # a form from before the field
                        check.data.try_it = version.try_it
                topics = list(form.cleaned_data["topics"])
                course = topics[0].course if topics else (question.course if question else None)
                course = course or Course.objects.active().first()
                saved, made = authoring.question_author_save(
                    author=request.user,
                    data=check.data,
                    course=course,
                    status=form.cleaned_data["status"],
                    now=timezone.now(),
                    question=question,
                    option_origins=[row.origin for row in rows if not row.is_blank],
                )
                note = f"version {saved.current_version.number} saved" if made else "no changes"
                messages.success(request, f"Question {saved.get_status_display().lower()}: {note}.")
                return redirect("teach:question_edit", question_id=saved.pk)
            options_errors = check.options_errors
            error_links = question_editor_errors(form, rows, options_errors)
            status = 400
    else:
        form = QuestionForm(initial=question_form_initial(question))
        rows = option_rows_from_version(version)
    stem = form.data.get("stem_md", "") if form.is_bound else (version.stem_md if version else "")
    context = {
        "form": form,
        "question": question,
        "rows": rows,
        "options_errors": options_errors,
        "error_links": error_links,
        "preview": _preview_context(form, rows, version) if (form.is_bound or version) else None,
        "duplicates": authoring.near_duplicates(
            stem=stem, exclude_question_id=question.pk if question else None
        ),
    }
    return render(request, "quizzes/teach/question_edit.html", context, status=status)


def _preview_context(form: QuestionForm, rows, version: QuestionVersion | None) -> dict:
    """The preview as learners will see it: in ``version``'s text format (the editor keeps it),
    its ``@@PLUGINFILE@@`` links to that version's files, as the learner pages link them."""
    data = form.data if form.is_bound else form.initial
    shown = [row for row in rows if not row.is_blank]
    draft = QuestionData(
        stem=data.get("stem_md", ""),
        kind=data.get("kind", "single"),
        options=[
            OptionData(row.text, 1.0 if row.correct else 0.0, row.explanation) for row in shown
        ],
        general_feedback=data.get("general_explanation_md", ""),
    )
    return {
        "stem": draft.stem,
        "typed": draft.kind in QuestionVersion.TYPED_KINDS,
        "explanation": draft.general_feedback,
        "rows": shown,
        "version": version,
        "findings": checking.question_check(draft) if draft.stem.strip() and shown else [],
    }


@require_POST
@instructor_required
def question_preview(request: HttpRequest) -> HttpResponse:
    """The live preview (htmx): the stem, options and explanations rendered, and any
    near-duplicate published stems."""
    form = QuestionForm(request.POST)
    rows = option_rows_from_post(request.POST)
    exclude = int64_or_none(request.POST.get("question_id"))
    question = (
        Question.objects.active().select_related("current_version").filter(pk=exclude).first()
        if exclude is not None
        else None
    )
    version = question.current_version if question else None
    context = {
        "preview": _preview_context(form, rows, version),
        "duplicates": authoring.near_duplicates(
            stem=request.POST.get("stem_md", ""), exclude_question_id=exclude
        ),
    }
    return render(request, "quizzes/teach/question_edit.html#preview", context)


@require_GET
@instructor_required
def question_history(request: HttpRequest, question_id: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=question_id)
    versions = list(
        question.versions.select_related("author", "case__topic")
        .prefetch_related("options", "topics")
        .order_by("-number")
    )
    by_number = {version.number: version for version in versions}
    try:
        new = by_number[int(request.GET.get("to", versions[0].number if versions else 0))]
    except (KeyError, ValueError):
        new = versions[0] if versions else None
    old = None
    if new is not None:
        try:
            old = by_number.get(int(request.GET.get("from", new.number - 1)))
        except ValueError:
            old = by_number.get(new.number - 1)
    context = {
        "question": question,
        "versions": versions,
        "new": new,
        "old": old,
        "diff": authoring.version_diff(old, new) if new else [],
    }
    return render(request, "quizzes/teach/question_history.html", context)


# -- quizzes -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@instructor_required
def quiz_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            quiz = quizbuilder.quiz_create(
                owner=request.user, title=request.POST.get("title", ""), now=timezone.now()
            )
        except Invalid as problem:
            messages.error(request, problem.message)
        else:
            return redirect(quiz)
    quizzes = Quiz.objects.owned_by(request.user)
    return render(request, "quizzes/teach/quiz_list.html", {"quizzes": quizzes})


def _builder_context(request: HttpRequest, quiz: Quiz, **extra) -> dict:
    picker = QuestionFilterForm(request.GET or None)
    filters = picker.cleaned_data if picker.is_valid() else {}
    chosen = set(quiz.items.values_list("question_id", flat=True))
    found = (
        quizbuilder.questions_search(
            text=filters.get("text", ""),
            topic=filters.get("topic"),
            domain=filters.get("domain", ""),
            tag=filters.get("tag", ""),
            drawable_by=request.user,
        ).exclude(pk__in=chosen)[:30]
        if request.GET
        else []
    )
    return {
        "quiz": quiz,
        "form": extra.pop("form", None) or QuizForm(instance=quiz),
        "rule_form": extra.pop("rule_form", None) or QuizRuleForm(),
        "picker": picker,
        "found": found,
        "items": quiz.items.select_related("question__current_version").order_by("position"),
        "rules": quiz.rules.select_related("topic"),
        "estimate": quizbuilder.quiz_question_estimate(quiz),
        **extra,
    }


@require_http_methods(["GET", "POST"])
@instructor_required
def quiz_builder(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quizbuilder.quiz_for_owner(user=request.user, quiz_id=quiz_id)
    if request.method == "POST":
        form = QuizForm(request.POST, instance=quiz)
        if form.is_valid():
            quiz = form.save(commit=False)
            quiz.updated_at = timezone.now()
            quiz.save()
            messages.success(request, "Quiz settings saved.")
            return redirect(quiz)
        context = _builder_context(request, quiz, form=form)
        return render(request, "quizzes/teach/quiz_builder.html", context, status=400)
    template = "quizzes/teach/quiz_builder.html"
    if request.htmx and request.GET:
        template += "#picker-results"
    return render(request, template, _builder_context(request, quiz))


@require_POST
@instructor_required
def quiz_item_add(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quizbuilder.quiz_for_owner(user=request.user, quiz_id=quiz_id)
    question = get_object_or_404(
        Question.objects.drawable_by(request.user), pk=int64_or_none(request.POST.get("question"))
    )
    quizbuilder.quiz_item_add(quiz=quiz, question=question)
    return redirect(f"{quiz.get_absolute_url()}#items")


@require_POST
@instructor_required
def quiz_item_change(request: HttpRequest, quiz_id: int, item_id: int) -> HttpResponse:
    quiz = quizbuilder.quiz_for_owner(user=request.user, quiz_id=quiz_id)
    action = request.POST.get("action")
    if action == "remove":
        quizbuilder.quiz_item_remove(quiz=quiz, item_id=item_id)
    elif action in ("up", "down"):
        quizbuilder.quiz_item_move(quiz=quiz, item_id=item_id, offset=-1 if action == "up" else 1)
    return redirect(f"{quiz.get_absolute_url()}#items")


@require_POST
@instructor_required
def quiz_rule_add(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quizbuilder.quiz_for_owner(user=request.user, quiz_id=quiz_id)
    form = QuizRuleForm(request.POST)
    if not form.is_valid():
        context = _builder_context(request, quiz, rule_form=form)
        return render(request, "quizzes/teach/quiz_builder.html", context, status=400)
    quizbuilder.quiz_rule_add(quiz=quiz, **form.cleaned_data)
    return redirect(f"{quiz.get_absolute_url()}#rules")


@require_POST
@instructor_required
def quiz_rule_remove(request: HttpRequest, quiz_id: int, rule_id: int) -> HttpResponse:
    quiz = quizbuilder.quiz_for_owner(user=request.user, quiz_id=quiz_id)
    quiz.rules.filter(pk=rule_id).delete()
    return redirect(f"{quiz.get_absolute_url()}#rules")


@require_GET
@instructor_required
def quiz_statistics(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quizbuilder.quiz_for_owner(user=request.user, quiz_id=quiz_id)
    first_only = request.GET.get("attempts") != "all"
    analysis = item_analysis.quiz_analysis(quiz, first_only=first_only)
    return render(request, "quizzes/teach/quiz_statistics.html", {"analysis": analysis})


@require_GET
@instructor_required
def quiz_statistics_csv(request: HttpRequest, quiz_id: int) -> HttpResponse:
    quiz = quizbuilder.quiz_for_owner(user=request.user, quiz_id=quiz_id)
    analysis = item_analysis.quiz_analysis(quiz, first_only=request.GET.get("attempts") != "all")
    response = HttpResponse(item_analysis.analysis_csv(analysis), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="quiz-{quiz.pk}-statistics.csv"'
    return response


# -- import and export -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@instructor_required
def question_import(request: HttpRequest) -> HttpResponse:
    """Upload a file: a dry run shows what would be imported, skipped, or why nothing can be."""
    banks_allowed = question_import_pipeline.banks_for_instructor(request.user)
    form = ImportForm(request.POST or None, request.FILES or None, banks=banks_allowed)
    report = None
    if request.method == "POST" and form.is_valid():
        name, text = form.cleaned_data["file"]
        slug = form.cleaned_data["bank_slug"]
        try:
            report = question_import_pipeline.questions_import(
                text=text,
                format_name=form.cleaned_data["format"],
                bank=slug,
                user=request.user,
                now=timezone.now(),
                source=name,
                dry_run=True,
            )
        except (banks.BankError, NotAllowed) as error:
            form.add_error(None, str(error))
        if report is not None and report.ok:
            request.session[IMPORT_SESSION_KEY] = {
                "name": name,
                "text": text,
                "format": form.cleaned_data["format"],
                "bank": slug,
                "new_bank": bool(form.cleaned_data["new_bank"]),
                "publish": form.cleaned_data["publish"],
                "pool": form.cleaned_data["pool"],
            }
    status = 400 if form.errors or (report and not report.ok) else 200
    findings = []
    if report is not None and report.ok:
        findings = checking.text_check(
            text=text, format_name=form.cleaned_data["format"], source=name
        )
    context = {"form": form, "report": report, "findings": findings}
    return render(request, "quizzes/teach/question_import.html", context, status=status)


@require_POST
@instructor_required
def question_import_confirm(request: HttpRequest) -> HttpResponse:
    pending = request.session.pop(IMPORT_SESSION_KEY, None)
    if not pending:
        messages.error(request, "Nothing to import: upload the file again.")
        return redirect("teach:question_import")
    try:
        report = question_import_pipeline.questions_import(
            text=pending["text"],
            format_name=pending["format"],
            bank=pending["bank"],
            user=request.user,
            now=timezone.now(),
            source=pending["name"],
            publish=pending["publish"],
            pool=pending.get("pool", False),
            create=pending.get("new_bank", False),
        )
    except (banks.BankError, NotAllowed) as error:
        messages.error(request, str(error))
        return redirect("teach:question_import")
    if not report.ok:
        messages.error(request, f"{len(report.errors)} error(s): nothing was imported.")
        return redirect("teach:question_import")
    counts = report.counts
    into = f" into the new bank {report.course}" if report.bank_created else ""
    messages.success(
        request,
        f"Imported {len(report.questions)} questions from {pending['name']}{into} "
        f"({counts['created']} new, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged); skipped {len(report.skipped)}.",
    )
    return redirect("teach:question_list")


@require_GET
@instructor_required
def question_export(request: HttpRequest) -> HttpResponse:
    format_name = request.GET.get("format", "")
    if format_name not in banks.FORMAT_NAMES:
        context = {"formats": banks.FORMATS, "courses": Course.objects.active()}
        return render(request, "quizzes/teach/question_export.html", context)
    course = Course.objects.active().filter(slug=request.GET.get("bank", "")).first()
    exported = banks.questions_export(format_name=format_name, course=course)
    extension = banks.FORMATS[format_name].extension
    name = f"questions-{course.slug if course else 'all'}{extension}"
    response = HttpResponse(exported.text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    if exported.skipped:
        response["X-Questions-Left-Out"] = str(len(exported.skipped))
    return response


# -- assignments -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@instructor_required
def cohort_assignments(request: HttpRequest, cohort_id: int) -> HttpResponse:
    cohort = cohorts.cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    form = AssignmentForm(request.POST or None, instructor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assignments.assignment_create(
            cohort=cohort,
            kind=data["kind"],
            by=request.user,
            now=timezone.now(),
            quiz=data["quiz"],
            topic=data["topic"],
            course=data["course"],
            due_at=data["due_at"],
        )
        messages.success(request, "Assigned. Learners see it on their home page.")
        return redirect("teach:cohort_assignments", cohort_id=cohort.pk)
    context = {
        "cohort": cohort,
        "form": form,
        "rows": assignments.cohort_assignments(cohort),
        "cohort_url": reverse("cohorts:detail", args=[cohort.pk]),
    }
    status = 400 if form.errors else 200
    return render(request, "quizzes/teach/cohort_assignments.html", context, status=status)


@require_POST
@instructor_required
def assignment_delete(request: HttpRequest, cohort_id: int, assignment_id: int) -> HttpResponse:
    cohort = cohorts.cohort_for_instructor(user=request.user, cohort_id=cohort_id)
    assignment = assignments.assignment_for_instructor(
        user=request.user, cohort=cohort, assignment_id=assignment_id
    )
    assignment.delete()
    messages.success(request, "Assignment removed.")
    return redirect("teach:cohort_assignments", cohort_id=cohort.pk)
