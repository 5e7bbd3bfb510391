"""The question editor keeps a question's "Try it in the sandbox" line, and checks a new one.

The form is read back from the editor page as a browser would submit it (every field it shows,
with the values it shows), so a field the editor forgets is a value the save would lose.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from studyapp.quizzes.banks import questions_export
from studyapp.quizzes.models import Question
from studyapp.quizzes.question_import import questions_import

pytestmark = pytest.mark.django_db

KEY = "provisioned-concurrency-spillover"
TRY = "provisioned-concurrency provisioned=1 count=2"


class EditorForm(HTMLParser):
    """The fields of the page's #question-form, as the browser would post them on Save."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []
        self._inside = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {name: value or "" for name, value in attrs}
        if tag == "form" and attr.get("id") == "question-form":
            self._inside = True
        if not self._inside or ("name" not in attr and tag != "option"):
            return
        if tag == "input":
            kind = attr.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in attr:
                return
            if kind not in ("submit", "button"):
                default = "on" if kind in ("checkbox", "radio") else ""
                self.fields.append((attr["name"], attr.get("value", default)))
        elif tag == "textarea":
            self._textarea = attr["name"]
            self.fields.append((attr["name"], ""))
        elif tag == "select":
            self._select = attr["name"]
        elif tag == "option" and self._select and "selected" in attr:
            self.fields.append((self._select, attr.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            name, text = self.fields.pop()
            self.fields.append((name, text + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False

    def post_data(self, **changes: str) -> dict[str, list[str]]:
        data: dict[str, list[str]] = {}
        for name, value in self.fields:
            data.setdefault(name, []).append(value.removeprefix("\n"))
        data.update({name: [value] for name, value in changes.items()})
        data["action"] = ["save"]
        return data


def editor_form(client, url: str) -> EditorForm:
    response = client.get(url)
    assert response.status_code == 200
    form = EditorForm()
    form.feed(response.content.decode())
    return form


@pytest.fixture
def question(samples) -> Question:
    return Question.objects.select_related("current_version").get(key=KEY)


def test_the_editor_shows_the_try_link_in_its_own_field(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])

    form = editor_form(instructor_client, url)

    assert ("try_it", TRY) in form.fields


def test_saving_an_edit_keeps_the_try_link(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])
    data = editor_form(instructor_client, url).post_data(title="Provisioned spillover")

    response = instructor_client.post(url, data)

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.current_version.number == 2
    assert question.current_version.title == "Provisioned spillover"
    assert question.current_version.try_it == TRY


def test_the_markdown_export_of_an_edited_question_keeps_its_try_line(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])
    instructor_client.post(url, editor_form(instructor_client, url).post_data(title="Edited"))

    exported = instructor_client.get(
        reverse("teach:question_export"), {"format": "markdown", "bank": question.course.slug}
    ).content.decode()

    block = exported[exported.index("title: Edited") :]
    block = block[: block.index("\n## ")] if "\n## " in block else block
    assert f"try: {TRY}" in block.splitlines()


def test_the_author_may_change_the_try_link(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])
    changed = "provisioned-concurrency provisioned=2 count=4"
    data = editor_form(instructor_client, url).post_data(try_it=changed)

    instructor_client.post(url, data)

    question.refresh_from_db()
    assert (question.current_version.number, question.current_version.try_it) == (2, changed)


def test_the_author_may_remove_the_try_link(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])

    instructor_client.post(url, editor_form(instructor_client, url).post_data(try_it=""))

    question.refresh_from_db()
    assert (question.current_version.number, question.current_version.try_it) == (2, "")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("no-such-sample memory=512", "try: unknown sample &#x27;no-such-sample&#x27;"),
        ("provisioned-concurrency cpu=2", "try: unknown setting &#x27;cpu&#x27;"),
        ("provisioned-concurrency memory=99999", "try: memory must be a whole number from"),
    ],
)
def test_an_invalid_try_link_is_refused_beside_its_field_and_changes_nothing(
    instructor_client, question, value, message
):
    url = reverse("teach:question_edit", args=[question.pk])
    data = editor_form(instructor_client, url).post_data(title="Changed", try_it=value)

    response = instructor_client.post(url, data)

    html = response.content.decode()
    assert response.status_code == 400
    error = html[html.index('id="id_try_it_error"') :]
    assert error[error.index(">") + 1 :].startswith(message)
    question.refresh_from_db()
    assert (question.current_version.number, question.current_version.try_it) == (1, TRY)
    assert question.current_version.title != "Changed"


def test_a_save_from_a_form_without_the_field_keeps_the_try_link(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])
    data = editor_form(instructor_client, url).post_data(title="Older form")
    del data["try_it"]

    instructor_client.post(url, data)

    question.refresh_from_db()
    assert (question.current_version.title, question.current_version.try_it) == ("Older form", TRY)


def test_the_history_shows_a_changed_try_link(instructor_client, question):
    url = reverse("teach:question_edit", args=[question.pk])
    changed = "provisioned-concurrency provisioned=2 count=4"
    instructor_client.post(url, editor_form(instructor_client, url).post_data(try_it=changed))

    response = instructor_client.get(reverse("teach:question_history", args=[question.pk]))

    html = response.content.decode()
    assert f"<del>− Try it: {TRY}</del>" in html
    assert f"<ins>+ Try it: {changed}</ins>" in html


def markdown_of_bank(question: Question, *, try_line: str) -> str:
    """The question's bank exported as Markdown, with ``question``'s try: line replaced."""
    text = questions_export(format_name="markdown", course=question.course).text
    start = text.index(f"## {KEY}\n")
    at = text.index(f"try: {TRY}\n", start)
    assert "\n## " not in text[start + 1 : at]
    return text[:at] + try_line + text[at + len(f"try: {TRY}\n") :]


def test_an_imported_markdown_file_with_an_unknown_try_sample_is_refused_whole(question):
    text = markdown_of_bank(question, try_line="try: no-such-sample\n")

    report = questions_import(
        text=text, format_name="markdown", bank=question.course.slug, now=timezone.now()
    )

    planned = next(q for q in report.questions if q.key == KEY)
    assert [(p.line, p.message) for p in report.errors] == [
        (planned.line, "try: unknown sample 'no-such-sample' (no content/handlers/no-such-sample/)")
    ]
    assert not report.ok
    question.refresh_from_db()
    assert (question.current_version.number, question.current_version.try_it) == (1, TRY)


def test_an_imported_markdown_file_may_change_a_try_link(question):
    changed = "provisioned-concurrency provisioned=2 count=4"
    text = markdown_of_bank(question, try_line=f"try: {changed}\n")

    report = questions_import(
        text=text, format_name="markdown", bank=question.course.slug, now=timezone.now()
    )

    assert report.ok, report.errors
    question.refresh_from_db()
    assert (question.current_version.number, question.current_version.try_it) == (2, changed)
