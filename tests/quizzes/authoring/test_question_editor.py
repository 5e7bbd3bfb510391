"""The question editor: validation beside each field, options, preview, versions, duplicates."""

from __future__ import annotations

import pytest
from django.urls import reverse

from studyapp.quizzes.models import Question
from studyapp.topics.models import Topic

pytestmark = pytest.mark.django_db

NEW = reverse("teach:question_new")


def post_data(topic: Topic | None = None, **changes) -> dict:
    data = {
        "title": "Timeout",
        "stem_md": "What is the **longest** a Lambda invocation can run?",
        "kind": "single",
        "general_explanation_md": "The hard limit is 900 seconds.",
        "topics": [topic.pk] if topic else [],
        "domain": "D2",
        "difficulty": "medium",
        "tags": "limits, lambda",
        "status": "draft",
        "option_count": "3",
        "option-0-text": "15 minutes",
        "option-0-correct": "on",
        "option-0-explanation": "Right: 900 seconds.",
        "option-1-text": "5 minutes",
        "option-1-explanation": "The old limit.",
        "option-2-text": "1 hour",
        "option-2-explanation": "Too long.",
        "action": "save",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def topic(course) -> Topic:
    return Topic.objects.get(slug="buckets-and-objects")


def test_saving_creates_a_question_with_its_options_and_explanations(instructor_client, topic):
    response = instructor_client.post(NEW, post_data(topic))

    question = Question.objects.get()
    assert response.status_code == 302
    version = question.current_version
    assert (question.status, question.origin, version.number) == ("draft", "authored", 1)
    assert version.stem_md == "What is the **longest** a Lambda invocation can run?"
    assert list(version.topics.all()) == [topic]
    assert version.tags == ["limits", "lambda"]
    assert [
        (o.text_md, o.is_correct, o.fraction, o.explanation_md) for o in version.options.all()
    ] == [
        ("15 minutes", True, 1.0, "Right: 900 seconds."),
        ("5 minutes", False, 0.0, "The old limit."),
        ("1 hour", False, 0.0, "Too long."),
    ]


def test_a_single_answer_with_two_correct_options_is_refused_beside_the_field(
    instructor_client, topic
):
    response = instructor_client.post(NEW, post_data(topic, **{"option-1-correct": "on"}))

    assert response.status_code == 400
    assert not Question.objects.exists()
    html = response.content.decode()
    assert 'id="kind_error"' in html
    assert "A single-answer question needs exactly one correct option (2 ticked)." in html


def test_a_multiple_response_needs_at_least_two_correct_options(instructor_client, topic):
    response = instructor_client.post(NEW, post_data(topic, kind="multiple"))

    assert response.status_code == 400
    assert "needs at least 2 correct options (1)" in response.content.decode()


def test_a_question_needs_at_least_two_options(instructor_client, topic):
    data = post_data(topic, option_count="1")

    response = instructor_client.post(NEW, data)

    assert response.status_code == 400
    assert "A question needs at least 2 options (it has 1)." in response.content.decode()


def test_publishing_needs_a_topic_and_a_domain(instructor_client):
    response = instructor_client.post(NEW, post_data(None, status="published", domain=""))

    html = response.content.decode()
    assert response.status_code == 400
    assert "Choose at least one topic before publishing." in html
    assert "Choose the exam domain before publishing." in html


def test_multiple_response_weights_are_kept(instructor_client, topic):
    data = post_data(
        topic,
        kind="multiple",
        **{
            "option-1-correct": "on",
            "option-0-weight": "50",
            "option-1-weight": "50",
            "option-2-weight": "-100",
        },
    )

    instructor_client.post(NEW, data)

    version = Question.objects.get().current_version
    assert [o.fraction for o in version.options.all()] == [0.5, 0.5, -1.0]


def test_add_move_and_remove_options_rerender_without_saving(instructor_client, topic):
    added = instructor_client.post(NEW, post_data(topic, action="add"))
    moved = instructor_client.post(NEW, post_data(topic, action="down-0"))
    removed = instructor_client.post(NEW, post_data(topic, action="remove-2"))

    assert not Question.objects.exists()
    assert 'name="option_count" value="4"' in added.content.decode()
    assert moved.content.decode().index(">5 minutes<") < moved.content.decode().index(
        ">15 minutes<"
    )
    assert "1 hour" not in removed.content.decode()


def test_the_preview_renders_markdown_safely(instructor_client, topic):
    data = post_data(topic, stem_md="Pick **one** <script>alert(1)</script>")

    response = instructor_client.post(reverse("teach:question_preview"), data)

    html = response.content.decode()
    assert "<strong>one</strong>" in html
    assert "<script>" not in html
    assert 'id="question-preview"' in html


def test_editing_a_question_makes_a_new_version_and_keeps_the_old_one(instructor_client, topic):
    instructor_client.post(NEW, post_data(topic, status="published"))
    question = Question.objects.get()
    url = reverse("teach:question_edit", args=[question.pk])

    instructor_client.post(
        url, post_data(topic, status="published", **{"option-2-text": "2 hours"})
    )

    question.refresh_from_db()
    assert question.versions.count() == 2
    assert question.current_version.number == 2
    assert question.versions.get(number=1).options.get(position=2).text_md == "1 hour"


def test_saving_without_changes_makes_no_version(instructor_client, topic):
    instructor_client.post(NEW, post_data(topic))
    question = Question.objects.get()

    instructor_client.post(reverse("teach:question_edit", args=[question.pk]), post_data(topic))

    assert question.versions.count() == 1


def test_the_history_shows_a_readable_escaped_diff(instructor_client, topic):
    instructor_client.post(NEW, post_data(topic))
    question = Question.objects.get()
    changed = post_data(topic, **{"option-2-text": "<b>2 hours</b>"})
    instructor_client.post(reverse("teach:question_edit", args=[question.pk]), changed)

    response = instructor_client.get(reverse("teach:question_history", args=[question.pk]))

    html = response.content.decode()
    assert "Changes from version 1 to 2" in html
    assert "<del>− C. [ ] 1 hour</del>" in html
    assert "<ins>+ C. [ ] &lt;b&gt;2 hours&lt;/b&gt;</ins>" in html


def test_a_near_duplicate_of_a_published_stem_is_warned_about(instructor_client, topic):
    instructor_client.post(NEW, post_data(topic, status="published"))
    original = Question.objects.get()
    almost = "What is the longest a Lambda invocation can run for?"

    response = instructor_client.post(
        reverse("teach:question_preview"), post_data(topic, stem_md=almost)
    )

    html = response.content.decode()
    assert "A published question reads almost the same" in html
    assert reverse("teach:question_edit", args=[original.pk]) in html


def test_a_different_stem_is_not_a_near_duplicate(instructor_client, topic):
    instructor_client.post(NEW, post_data(topic, status="published"))

    response = instructor_client.post(
        reverse("teach:question_preview"),
        post_data(topic, stem_md="Which service stores objects in buckets?"),
    )

    assert "reads almost the same" not in response.content.decode()


def test_editing_an_imported_question_keeps_its_category_and_text_format(instructor_client, topic):
    from tests.quizzes.authoring.conftest import DATA, import_questions

    import_questions(DATA / "bank.gift", "gift")
    question = Question.objects.get(key="html")
    data = post_data(
        topic,
        stem_md="<p>Pick <b>one</b> of them</p>",
        option_count="2",
        **{"option-0-text": "<i>this</i>", "option-1-text": "that"},
    )

    instructor_client.post(reverse("teach:question_edit", args=[question.pk]), data)

    version = Question.objects.get(pk=question.pk).current_version
    assert (version.number, version.category, version.text_format) == (
        2,
        "Lambda/Networking",
        "html",
    )


def test_a_numerical_question_is_written_with_answers_weights_and_tolerances(
    instructor_client, topic
):
    data = post_data(
        topic,
        kind="numerical",
        stem_md="How many seconds may a Lambda invocation run at most?",
        **{
            "option_count": "3",
            "option-0-text": "900",
            "option-0-correct": "on",
            "option-0-tolerance": "0",
            "option-1-text": "900",
            "option-1-weight": "50",
            "option-1-tolerance": "60",
            "option-1-explanation": "Nearly: exactly 900.",
            "option-2-text": "*",
            "option-2-correct": None,
            "option-2-explanation": "It is 15 minutes.",
        },
    )

    response = instructor_client.post(NEW, data)

    assert response.status_code == 302
    version = Question.objects.get().current_version
    assert version.kind == "numerical"
    assert [
        (o.text_md, o.fraction, o.tolerance, o.explanation_md) for o in version.options.all()
    ] == [
        ("900", 1.0, 0.0, "Right: 900 seconds."),
        ("900", 0.5, 60.0, "Nearly: exactly 900."),
        ("*", 0.0, 0.0, "It is 15 minutes."),
    ]
    page = instructor_client.get(reverse("teach:question_edit", args=[version.question.pk]))
    assert 'name="option-1-tolerance" value="60"' in page.content.decode()


def test_a_short_answer_keeps_its_case_setting(instructor_client, topic):
    data = post_data(
        topic,
        kind="shortanswer",
        case_sensitive="on",
        **{"option_count": "2", "option-0-text": "Lambda", "option-1-text": "AWS *"},
    )
    data["option-1-correct"] = "on"

    instructor_client.post(NEW, data)

    version = Question.objects.get().current_version
    assert (version.kind, version.case_sensitive) == ("shortanswer", True)
    assert [(o.text_md, o.fraction) for o in version.options.all()] == [
        ("Lambda", 1.0),
        ("AWS *", 1.0),
    ]


def test_a_numerical_answer_that_is_not_a_number_is_refused_beside_the_answers(
    instructor_client, topic
):
    data = post_data(
        topic, kind="numerical", **{"option-0-text": "fifteen minutes", "option_count": "1"}
    )

    response = instructor_client.post(NEW, data)

    assert response.status_code == 400
    assert "Answer 1 is not a number: &#x27;fifteen minutes&#x27;." in response.content.decode()
    assert not Question.objects.exists()


def test_the_preview_of_a_numerical_question_shows_weights_and_tolerances(instructor_client, topic):
    data = post_data(
        topic,
        kind="numerical",
        **{
            "option_count": "2",
            "option-0-text": "900",
            "option-1-text": "900",
            "option-1-correct": None,
            "option-1-weight": "50",
            "option-1-tolerance": "60",
        },
    )

    response = instructor_client.post(reverse("teach:question_preview"), data)

    html = response.content.decode()
    assert "Learners type their answer in a box" in html
    assert '<span class="badge">50%</span>' in html
    assert '<span class="badge">± 60</span>' in html


def test_keep_in_place_pins_one_option_and_the_editor_shows_it_again(instructor_client, topic):
    instructor_client.post(NEW, post_data(topic, status="published", **{"option-1-pinned": "on"}))
    question = Question.objects.get()
    version = question.current_version
    assert [o.pinned for o in version.options.all()] == [False, True, False]
    assert version.shuffle_options is True  # the others still move

    page = instructor_client.get(reverse("teach:question_edit", args=[question.pk])).content
    html = page.decode()
    assert 'name="option-1-pinned" id="option-1-pinned" checked' in html
    assert 'name="option-0-pinned" id="option-0-pinned">' in html


def test_unpinning_an_option_makes_a_new_version_and_the_history_says_so(instructor_client, topic):
    instructor_client.post(NEW, post_data(topic, **{"option-2-pinned": "on"}))
    question = Question.objects.get()
    url = reverse("teach:question_edit", args=[question.pk])

    instructor_client.post(url, post_data(topic, **{"option-2-pinned": "on"}))
    assert question.versions.count() == 1  # the same pin says nothing new
    instructor_client.post(url, post_data(topic))

    question.refresh_from_db()
    assert question.versions.count() == 2
    assert [o.pinned for o in question.current_version.options.all()] == [False, False, False]
    history = instructor_client.get(reverse("teach:question_history", args=[question.pk]))
    assert "Pinned: keeps its place" in history.content.decode()


def test_a_pinned_option_moved_down_in_the_editor_keeps_its_pin(instructor_client, topic):
    response = instructor_client.post(
        NEW, post_data(topic, action="down-0", **{"option-0-pinned": "on"})
    )

    html = response.content.decode()
    assert not Question.objects.exists()
    assert 'name="option-1-pinned" id="option-1-pinned" checked' in html
    assert 'name="option-0-pinned" id="option-0-pinned">' in html


def test_a_refused_save_lists_every_problem_at_the_top_each_linked_to_its_field(
    instructor_client, topic
):
    data = post_data(None, stem_md="", status="published", domain="", **{"option-1-correct": "on"})

    response = instructor_client.post(NEW, data)

    html = response.content.decode()
    summary = html[
        html.index('id="error-summary"') : html.index("</ul>", html.index("error-summary"))
    ]
    assert "The question was not saved: 4 problems" in summary
    assert [line.split('">')[0] for line in summary.split('<a href="#')[1:]] == [
        "id_stem_md",
        "id_kind_0",
        "id_topics_0",
        "id_domain",
    ]
    assert '<a href="#id_stem_md">Question: This field is required.</a>' in summary
    assert (
        '<a href="#id_kind_0">Kind: A single-answer question needs exactly one correct option '
        "(2 ticked).</a>"
    ) in summary
    assert (
        '<a href="#id_topics_0">Topics: Choose at least one topic before publishing.</a>' in summary
    )
    assert '<a href="#id_domain">Domain: Choose the exam domain before publishing.</a>' in summary
    for target in ("id_stem_md", "id_kind_0", "id_topics_0", "id_domain"):
        assert f'id="{target}"' in html
    assert "<title>Error: Write a question" in html


def test_an_option_s_problem_links_to_that_option(instructor_client, topic):
    data = post_data(topic, **{"option-1-text": "", "option-1-explanation": "Only a why."})

    response = instructor_client.post(NEW, data)

    assert (
        '<a href="#option-1-text">Option B: Write the option&#x27;s text, or remove the option.</a>'
        in response.content.decode()
    )


def test_the_editor_has_no_error_summary_before_a_save(instructor_client, topic):
    response = instructor_client.get(NEW)

    assert 'id="error-summary"' not in response.content.decode()


def test_topics_are_checkboxes_that_work_without_script(instructor_client, topic):
    html = instructor_client.get(NEW).content.decode()

    assert f'type="checkbox" name="topics" value="{topic.pk}"' in html
    assert "<legend>Topics</legend>" in html
