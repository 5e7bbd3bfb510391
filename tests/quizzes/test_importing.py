"""import_content reads content/quizzes/*.md into the question bank: versions, archive, errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from studyapp.quizzes.models import Question, QuestionVersion
from studyapp.quizzes.selectors import questions_for_topic
from studyapp.topics.models import Topic
from tests.plugins.courses import import_content, question_md, questions_file

pytestmark = pytest.mark.django_db


def import_fails(source: Path) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", "--source", str(source), stderr=err)
    return err.getvalue().splitlines()


def write_questions(content_dir: Path, *questions: str, name: str = "bank.md") -> Path:
    path = content_dir / "quizzes" / name
    path.write_text(questions_file(*questions), encoding="utf-8")
    return path


def test_the_shipped_content_has_at_least_60_questions():
    counts = import_content(settings.CONTENT_DIR)
    assert counts["questions"] >= 60


def test_every_shipped_question_explains_each_option_and_has_a_topic_and_a_domain():
    import_content(settings.CONTENT_DIR)
    versions = QuestionVersion.objects.filter(question__current_version__id__isnull=False)
    checked = 0
    for question in Question.objects.published().select_related("current_version"):
        version = question.current_version
        assert version.domain in {"D1", "D2", "D3", "D4"}, question.key
        assert version.topics.exists(), question.key
        options = list(version.options.all())
        assert len(options) >= 2, question.key
        assert all(option.explanation_md.strip() for option in options), question.key
        assert any(option.is_correct for option in options), question.key
        checked += 1
    assert checked >= 60
    assert versions.exists()


def test_every_topic_of_the_shipped_course_has_at_least_one_question():
    import_content(settings.CONTENT_DIR)
    without = [
        f"{topic.course.slug}/{topic.slug}"
        for topic in Topic.objects.active().select_related("course")
        if not questions_for_topic(topic).exists()
    ]
    assert without == []


def test_importing_creates_published_questions_with_options_and_topics(content_dir):
    write_questions(content_dir, question_md("pick-one", correct=(1,)))
    import_content(content_dir)
    question = Question.objects.get(key="pick-one")
    version = question.current_version
    assert question.status == Question.Status.PUBLISHED
    assert version.number == 1
    assert version.kind == "single"
    assert [o.is_correct for o in version.options.all()] == [False, True, False, False]
    assert [t.slug for t in version.topics.all()] == ["buckets-and-objects"]


def test_two_correct_options_make_a_multiple_response_question(content_dir):
    write_questions(content_dir, question_md("pick-two", correct=(0, 3)))
    import_content(content_dir)
    assert Question.objects.get(key="pick-two").current_version.kind == "multiple"


def test_a_case_is_linked_to_the_scenario_case_of_its_topic(content_dir):
    write_questions(content_dir, question_md("with-case", case="static-website"))
    import_content(content_dir)
    version = Question.objects.get(key="with-case").current_version
    assert version.case.topic.slug == "static-website"


def test_reimporting_unchanged_questions_creates_no_new_version(content_dir):
    write_questions(content_dir, question_md("stable"))
    import_content(content_dir)
    counts = import_content(content_dir)
    assert QuestionVersion.objects.filter(question__key="stable").count() == 1
    assert counts["changes"] == {"created": 0, "updated": 0, "archived": 0}


def test_an_edited_question_gets_a_new_version(content_dir):
    write_questions(content_dir, question_md("edited"))
    import_content(content_dir)
    write_questions(content_dir, question_md("edited", stem="A better worded stem."))
    import_content(content_dir)
    question = Question.objects.get(key="edited")
    assert question.versions.count() == 2
    assert question.current_version.number == 2
    assert question.current_version.stem_md == "A better worded stem."


def test_a_question_removed_from_the_files_is_archived_not_deleted(content_dir):
    write_questions(content_dir, question_md("stays"), question_md("goes"))
    import_content(content_dir)
    write_questions(content_dir, question_md("stays"))
    counts = import_content(content_dir)
    gone = Question.objects.get(key="goes")
    assert gone.archived_at is not None
    assert counts["questions"] == 1
    assert counts["changes"]["archived"] == 1


def test_a_question_back_in_the_files_is_restored(content_dir):
    write_questions(content_dir, question_md("returns"))
    import_content(content_dir)
    write_questions(content_dir)
    import_content(content_dir)
    write_questions(content_dir, question_md("returns"))
    import_content(content_dir)
    assert Question.objects.get(key="returns").archived_at is None


def test_an_unknown_topic_is_reported_with_path_and_line_and_nothing_is_imported(content_dir):
    write_questions(content_dir, question_md("good"), question_md("bad", topics="no-such-topic"))
    lines = import_fails(content_dir)
    assert any(
        "quizzes/bank.md:" in line and "unknown topic 'no-such-topic' in course 'amazon-s3'" in line
        for line in lines
    )
    assert not Question.objects.exists()


def test_the_error_names_the_line_of_the_question(content_dir):
    path = write_questions(content_dir, question_md("bad", topics="no-such-topic"))
    heading_line = path.read_text().splitlines().index("## bad") + 1
    lines = import_fails(content_dir)
    assert f"{content_dir.name}/quizzes/bank.md:{heading_line}: unknown topic" in lines[0]


def test_an_unknown_case_is_reported(content_dir):
    write_questions(content_dir, question_md("bad-case", case="buckets-and-objects"))
    lines = import_fails(content_dir)
    assert any("unknown case 'buckets-and-objects'" in line for line in lines)


def test_an_unknown_course_is_reported(content_dir):
    path = content_dir / "quizzes" / "other.md"
    path.write_text("---\ncourse: no-such-course\n---\n\n" + question_md("x"), encoding="utf-8")
    lines = import_fails(content_dir)
    assert any("other.md:1: unknown course 'no-such-course'" in line for line in lines)


def test_an_unknown_domain_is_reported(content_dir):
    write_questions(content_dir, question_md("bad-domain", domain="D9"))
    lines = import_fails(content_dir)
    assert any("D9" in line for line in lines)


def test_the_same_key_in_two_files_is_reported(content_dir):
    write_questions(content_dir, question_md("twice"), name="a.md")
    write_questions(content_dir, question_md("twice"), name="b.md")
    lines = import_fails(content_dir)
    assert any("b.md" in line and "also defined in" in line for line in lines)


def test_a_content_folder_without_quizzes_imports_no_questions(content_dir):
    (content_dir / "quizzes").rmdir()
    assert import_content(content_dir)["questions"] == 0


def test_a_topic_lists_the_questions_whose_current_version_tests_it(content_dir):
    write_questions(
        content_dir,
        question_md("on-buckets", topics="buckets-and-objects"),
        question_md("on-classes", topics="storage-classes"),
    )
    import_content(content_dir)
    topic = Topic.objects.get(slug="storage-classes")
    assert [q.key for q in questions_for_topic(topic)] == ["on-classes"]
    assert topic.questions.count() == 1  # QuestionVersion.topics related_name
