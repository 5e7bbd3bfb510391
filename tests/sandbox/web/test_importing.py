"""import_content brings in the sample functions and event templates: counts, idempotence,
archiving, and bad input reported as path:line without importing anything."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from studyapp.sandbox.concurrency import provisioned_delete, provisioned_put
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import EventTemplate, Function
from tests.plugins.courses import import_content
from tests.plugins.task_worker import worker_tasks_finished
from tests.sandbox.service import provisioned_environments

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the shipped notes, samples, layers and events (no questions, for speed)."""
    source = tmp_path / "content"
    for part in ("notes", "handlers", "layers", "events"):
        shutil.copytree(settings.CONTENT_DIR / part, source / part)
    return source


def import_fails(source: Path) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", "--source", str(source), stderr=err)
    return err.getvalue().splitlines()


def test_import_counts_every_sample_and_event(content):
    counts = import_content(content)
    samples = {p.name for p in (content / "handlers").iterdir()}
    assert counts["functions"] == len(samples) == Function.objects.samples().count()
    assert counts["events"] == len(list((content / "events").glob("*.json")))


def test_a_sample_keeps_its_lesson_topic_settings_code_layers_and_default_event(content):
    import_content(content)
    sample = Function.objects.samples().get(name="uses-a-layer")
    assert sample.owner is None and sample.title == "Sharing code with a layer"
    assert sample.topic.slug == "lambda-layers" and sample.topic.course.slug == "aws-lambda"
    assert sample.layers == ["text-tools"] and sample.default_event.slug == "sns"
    assert (sample.memory_mb, sample.timeout_s, sample.ephemeral_storage_mb) == (128, 3, 512)
    assert "def handler(event, context)" in sample.code["handler.py"]
    assert sample.summary and "/opt/python" in sample.lesson_md
    assert sample.topic.functions.get() == sample


def test_events_are_imported_as_templates_with_readable_titles(content):
    import_content(content)
    event = EventTemplate.objects.get(slug="api-gateway-v1")
    assert event.title == "API Gateway v1"
    assert event.body["httpMethod"] == "GET"


def test_importing_twice_changes_nothing(content):
    import_content(content)
    again = import_content(content)
    assert again["changes"] == {"created": 0, "updated": 0, "archived": 0}


def test_an_edited_sample_is_updated_in_place(content):
    import_content(content)
    before = Function.objects.samples().get(name="cold-start-vs-warm")
    toml = content / "handlers" / "cold-start-vs-warm" / "function.toml"
    toml.write_text(toml.read_text().replace("memory = 128", "memory = 256"))
    import_content(content)
    after = Function.objects.samples().get(name="cold-start-vs-warm")
    assert after.pk == before.pk and after.memory_mb == 256


def test_a_removed_sample_is_archived_and_learner_copies_stay(content, learner):
    import_content(content)
    sample = Function.objects.samples().get(name="memory-vs-cpu")
    copy = function_copy(function=sample, user=learner)
    shutil.rmtree(content / "handlers" / "memory-vs-cpu")
    counts = import_content(content)
    sample.refresh_from_db()
    copy.refresh_from_db()
    assert sample.archived_at is not None and counts["functions"] == len(
        list((content / "handlers").iterdir())
    )
    assert copy.archived_at is None and copy.copied_from == sample


def test_bad_toml_is_reported_with_its_line_and_nothing_is_imported(content):
    toml = content / "handlers" / "timeout-guard" / "function.toml"
    lines = toml.read_text().splitlines()
    lines[2] = "handler = "
    toml.write_text("\n".join(lines) + "\n")
    problems = import_fails(content)
    assert any(p.startswith("content/handlers/timeout-guard/function.toml:3: ") for p in problems)
    assert Function.objects.count() == 0 and EventTemplate.objects.count() == 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('topic = "memory-and-timeout"', 'topic = "no-such-topic"', "unknown topic"),
        ('event = "eventbridge-scheduled"', 'event = "no-such-event"', "unknown event"),
        ("memory = 128", "memory = 64", "memory must be a whole number from 128 to 10240"),
        ("timeout = ", "timeout = 901 #", "timeout must be a whole number from 1 to 900"),
    ],
)
def test_bad_references_and_ranges_point_at_their_line(content, old, new, message):
    toml = content / "handlers" / "timeout-guard" / "function.toml"
    text = toml.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    toml.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith(new))
    problems = import_fails(content)
    expected = f"content/handlers/timeout-guard/function.toml:{line}: "
    assert any(p.startswith(expected) and message in p for p in problems), problems


def test_an_unknown_layer_is_reported(content):
    toml = content / "handlers" / "uses-a-layer" / "function.toml"
    toml.write_text(toml.read_text().replace('"text-tools"', '"no-such-layer"'))
    problems = import_fails(content)
    assert any("function.toml:8: unknown layer 'no-such-layer'" in p for p in problems), problems


def test_a_broken_event_template_is_reported_with_its_line(content):
    (content / "events" / "broken.json").write_text('{\n  "a": 1,\n  "b": \n}\n')
    problems = import_fails(content)
    assert any(p.startswith("content/events/broken.json:4: not valid JSON") for p in problems)


@pytest.mark.django_db(transaction=True)
def test_a_changed_sample_moves_learners_provisioned_concurrency_to_its_new_version(
    content, learner, sandbox_service, task_worker
):
    import_content(content)
    sample = Function.objects.samples().get(name="cold-start-vs-warm")
    try:
        provisioned_put(user=learner, function=sample, count=1)
        toml = content / "handlers" / "cold-start-vs-warm" / "function.toml"
        toml.write_text(toml.read_text().replace("memory = 128", "memory = 192", 1))
        import_content(content)
        worker_tasks_finished()  # the import leaves the warm-up to the worker
        [environment] = provisioned_environments(sandbox_service, learner, sample)
        assert environment["memory_size_mb"] == 192
    finally:
        provisioned_delete(user=learner, function=sample)
