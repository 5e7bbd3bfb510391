"""The sandbox pages: the list, a function's workbench, validation next to the fields, runs
followed by polling, and other learners' functions and runs kept out of reach."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from studyapp.core.rows import values_read
from studyapp.sandbox import runs
from studyapp.sandbox.concurrency import provisioned_delete, provisioned_put
from studyapp.sandbox.forms import RunForm
from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function, FunctionInvokeConfig, Invocation
from tests.sandbox.service import provisioned_environments

HTMX = {"HTTP_HX_REQUEST": "true"}


def sample(name: str) -> Function:
    return Function.objects.samples().get(name=name)


def form_data(function: Function, **changes) -> dict:
    data = {
        "memory_mb": function.memory_mb,
        "timeout_s": function.timeout_s,
        "ephemeral_storage_mb": function.ephemeral_storage_mb,
        "log_format": function.log_format,
        "environment": "",
        "event": "{}",
        "mode": "single",
        "count": 1,
    }
    if function.owner_id:
        data["code"] = function.main_source
    return {**data, **changes}


@pytest.fixture
def other_learner(django_user_model):
    return django_user_model.objects.create_user(username="bo", password="correct-horse-42")


@pytest.mark.django_db
def test_the_list_shows_samples_with_their_topic_and_my_functions(samples, learner_client, learner):
    function_copy(function=sample("uses-a-layer"), user=learner)
    page = learner_client.get(reverse("sandbox:index")).content.decode()
    assert "Cold start versus warm start" in page and "Topic: " in page
    assert reverse("sandbox:sample", args=["cold-start-vs-warm"]) in page
    assert ">uses-a-layer-copy</a>" in page  # my copy, under "My functions"


@pytest.mark.django_db
def test_the_list_page_query_count_does_not_grow_with_functions(
    samples, learner_client, learner, django_assert_num_queries
):
    function_copy(function=sample("uses-a-layer"), user=learner)
    learner_client.get(reverse("sandbox:index"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        learner_client.get(reverse("sandbox:index"))
    for name in ("memory-vs-cpu", "timeout-guard", "out-of-memory"):
        function_copy(function=sample(name), user=learner)
    with CaptureQueriesContext(connection) as four:
        learner_client.get(reverse("sandbox:index"))
    assert len(four) == len(one) <= 4


@pytest.mark.django_db
def test_a_sample_page_shows_the_lesson_highlighted_code_and_no_editor(samples, learner_client):
    page = learner_client.get(reverse("sandbox:sample", args=["cold-start-vs-warm"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'class="highlight' in html and "linenos" in html and "Copy to edit" in html
    assert 'name="code"' not in html and "INIT" in html


@pytest.mark.django_db
def test_copying_a_sample_gives_the_learner_an_editable_function(samples, learner_client, learner):
    response = learner_client.post(reverse("sandbox:copy", args=[sample("timeout-guard").pk]))
    copy = Function.objects.get(owner=learner)
    assert response.url == reverse("sandbox:function", args=[copy.pk])
    assert copy.name == "timeout-guard-copy" and copy.copied_from == sample("timeout-guard")
    assert copy.code == sample("timeout-guard").code
    again = learner_client.post(reverse("sandbox:copy", args=[sample("timeout-guard").pk]))
    assert again.status_code == 302
    names = list(
        Function.objects.filter(owner=learner).order_by("pk").values_list("name", flat=True)
    )
    assert names == ["timeout-guard-copy", "timeout-guard-copy-2"]
    page = learner_client.get(copy.get_absolute_url()).content.decode()
    assert 'name="code"' in page and "editor.js" in page


@pytest.mark.django_db
def test_a_sample_cannot_be_saved_or_deleted(samples, learner_client):
    function = sample("timeout-guard")
    assert (
        learner_client.post(
            reverse("sandbox:save", args=[function.pk]), form_data(function)
        ).status_code
        == 404
    )
    assert learner_client.post(reverse("sandbox:delete", args=[function.pk])).status_code == 404
    assert not Function.objects.get(pk=function.pk).archived_at


@pytest.mark.django_db
def test_another_learners_function_is_not_found(samples, learner_client, other_learner):
    theirs = function_copy(function=sample("timeout-guard"), user=other_learner)
    for name in ("function", "copy", "save", "delete", "run"):
        method = learner_client.get if name == "function" else learner_client.post
        response = method(reverse(f"sandbox:{name}", args=[theirs.pk]), form_data(theirs))
        assert response.status_code == 404, name


@pytest.mark.django_db
def test_another_learners_run_is_not_found(samples, learner_client, other_learner):
    from django.utils import timezone

    theirs = Invocation.objects.create(
        function=sample("timeout-guard"),
        user=other_learner,
        status="success",
        created_at=timezone.now(),
    )
    response = learner_client.get(reverse("sandbox:run_result", args=[theirs.batch]), **HTMX)
    assert response.status_code == 404
    page = learner_client.get(sample("timeout-guard").get_absolute_url() + f"?run={theirs.batch}")
    assert page.status_code == 404


@pytest.mark.django_db
def test_memory_out_of_range_is_reported_next_to_the_field(samples, learner_client):
    function = sample("timeout-guard")
    response = learner_client.post(
        reverse("sandbox:run", args=[function.pk]), form_data(function, memory_mb=64), **HTMX
    )
    html = response.content.decode()
    assert response["HX-Retarget"] == "#workbench"
    assert 'id="id_memory_mb_error"' in html
    assert "Memory must be a whole number from 128 to 10,240 MB." in html
    assert not Invocation.objects.exists()


@pytest.mark.django_db
def test_environment_variables_over_4_kb_are_refused(samples, learner_client):
    function = sample("timeout-guard")
    environment = "BIG=" + "x" * 4100
    response = learner_client.post(
        reverse("sandbox:run", args=[function.pk]), form_data(function, environment=environment)
    )
    assert response.status_code == 400
    assert "over Lambda&#x27;s 4 KB limit" in response.content.decode()


@pytest.mark.django_db
def test_a_bad_json_event_says_where_the_mistake_is(samples, learner_client):
    function = sample("timeout-guard")
    event = '{\n  "start": 1,\n  "oops" 2\n}'
    response = learner_client.post(
        reverse("sandbox:run", args=[function.pk]), form_data(function, event=event), **HTMX
    )
    html = response.content.decode()
    assert (
        "The event is not valid JSON: Expecting &#x27;:&#x27; delimiter at line 3, column 10."
        in html
    )


@pytest.mark.django_db
def test_the_event_picker_fills_the_event_with_a_template(samples, learner_client):
    response = learner_client.get(reverse("sandbox:event_template"), {"template": "sqs"}, **HTMX)
    html = response.content.decode()
    assert 'id="event-field"' in html and "eventSourceARN" in html


@pytest.mark.django_db(transaction=True)
def test_running_a_sample_shows_the_report_the_badge_and_the_cost(
    samples, learner_client, sandbox_service, task_worker
):
    function = sample("cold-start-vs-warm")
    response = learner_client.post(
        reverse("sandbox:run", args=[function.pk]), form_data(function, memory_mb=512), **HTMX
    )
    html = finished(learner_client, response.content.decode())
    assert "REPORT RequestId:" in html and "Memory Size: 512 MB" in html
    assert "Cold start" in html and "Init Duration" in html
    assert "A million like it, arm64" in html and "free tier" in html
    assert "Full isolation was active" in html or "Partial isolation" in html
    assert re.search(r'<section id="history"[^>]*hx-swap-oob="outerHTML"', html)


@pytest.mark.django_db(transaction=True)
def test_a_long_run_returns_at_once_and_the_page_follows_it(
    samples, learner_client, sandbox_service, task_worker
):
    function = sample("timeout-guard")  # works for about 2.5 s, then stops before its timeout
    started = time.monotonic()
    response = learner_client.post(
        reverse("sandbox:run", args=[function.pk]), form_data(function), **HTMX
    )
    assert time.monotonic() - started < 2.5
    html = response.content.decode()
    assert 'hx-trigger="every 1s"' in html and "Running…" in html
    html = finished(learner_client, html)
    assert "Finished: 1 invocation." in html and "REPORT RequestId:" in html


def finished(client, html: str) -> str:
    """Follow the result panel's polling, as htmx does, until the run is over."""
    deadline = time.monotonic() + 60
    while 'hx-trigger="every 1s"' in html:
        assert time.monotonic() < deadline, "the run did not finish"
        url = re.search(r'hx-get="([^"]+/runs/[^"]+)"', html).group(1)
        time.sleep(0.2)  # the browser's polling interval, shortened
        response = client.get(url, **HTMX)
        if response.status_code != 204:  # 204: nothing new, htmx keeps the panel it shows
            html = response.content.decode()
    return html


@pytest.mark.django_db
def test_a_function_page_links_to_its_async_concurrency_and_queue_pages(samples, learner_client):
    function = sample("cold-start-vs-warm")
    html = learner_client.get(reverse("sandbox:sample", args=[function.name])).content.decode()
    for name in ("async_events", "concurrency", "queue"):
        assert f'href="{reverse(f"lambda_pages:{name}", args=[function.name])}"' in html
    assert f'href="{reverse("lambda_pages:account")}"' in html


@pytest.mark.django_db
def test_the_list_keeps_the_samples_of_the_topic_a_topic_page_links_to(samples, learner_client):
    url = reverse("sandbox:index") + "?topic=aws-lambda/concurrency-and-scaling"
    html = learner_client.get(url).content.decode()
    assert "Sample functions for Concurrency and Scaling" in html
    assert "Cold start versus warm" in html
    assert sample("sqs-partial-batch").title not in html
    assert "Show every sample" in html


@pytest.mark.django_db(transaction=True)
def test_saving_new_settings_moves_provisioned_concurrency_to_them(
    samples, learner_client, learner, sandbox_service, full_isolation, task_worker
):
    function = function_copy(function=sample("timeout-guard"), user=learner)
    try:
        provisioned_put(user=learner, function=function, count=2)
        response = learner_client.post(
            reverse("sandbox:save", args=[function.pk]), form_data(function, memory_mb=256)
        )
        assert response.status_code == 302
        environments = provisioned_environments(sandbox_service, learner, function)
        assert [env["memory_size_mb"] for env in environments] == [256, 256]
        config = FunctionInvokeConfig.objects.get(user=learner, function=function)
        assert config.provisioned_status == FunctionInvokeConfig.ProvisionedStatus.READY
        assert config.provisioned_allocated == 2
    finally:
        provisioned_delete(user=learner, function=function)


@pytest.mark.django_db(transaction=True)
def test_saving_unchanged_code_and_settings_keeps_the_provisioned_environments(
    samples, learner_client, learner, sandbox_service, full_isolation, task_worker
):
    function = function_copy(function=sample("timeout-guard"), user=learner)
    try:
        provisioned_put(user=learner, function=function, count=1)
        [before] = provisioned_environments(sandbox_service, learner, function)
        unchanged = form_data(function, **RunForm.initial_for(function))
        learner_client.post(reverse("sandbox:save", args=[function.pk]), unchanged)
        [after] = provisioned_environments(sandbox_service, learner, function)
        assert after["environment_id"] == before["environment_id"]
    finally:
        provisioned_delete(user=learner, function=function)


@pytest.mark.django_db(transaction=True)
def test_deleting_a_function_releases_its_provisioned_environments(
    samples, learner_client, learner, sandbox_service, full_isolation, task_worker
):
    function = function_copy(function=sample("timeout-guard"), user=learner)
    provisioned_put(user=learner, function=function, count=1)
    learner_client.post(reverse("sandbox:delete", args=[function.pk]))
    assert provisioned_environments(sandbox_service, learner, function) == []
    config = FunctionInvokeConfig.objects.get(user=learner, function=function)
    assert config.provisioned_concurrency == 0


@pytest.mark.django_db
def test_a_learner_renames_their_function_with_save(samples, learner_client, learner):
    function = function_copy(function=sample("timeout-guard"), user=learner)
    response = learner_client.post(
        reverse("sandbox:save", args=[function.pk]), form_data(function, name=" my_guard-2 ")
    )
    assert response.status_code == 302
    function.refresh_from_db()
    assert function.name == "my_guard-2"
    page = learner_client.get(function.get_absolute_url()).content.decode()
    assert 'value="my_guard-2"' in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "has space",
            "A function name is 1 to 48 letters, digits, hyphens (-) or underscores (_).",
        ),
        ("", "A function name is 1 to 48 letters, digits, hyphens (-) or underscores (_)."),
        ("x" * 49, "A function name is 1 to 48 letters, digits, hyphens (-) or underscores (_)."),
        ("é", "A function name is 1 to 48 letters, digits, hyphens (-) or underscores (_)."),
        (
            "cold-start-vs-warm",
            "“cold-start-vs-warm” is a sample&#x27;s name; choose another, so the sample stays "
            "reachable by it.",
        ),
        ("mine", "You already have a function named “mine”."),
    ],
)
def test_a_rename_is_refused_beside_the_field_and_nothing_is_saved_or_run(
    samples, learner_client, learner, name, message
):
    function = function_copy(function=sample("timeout-guard"), user=learner)
    other = function_copy(function=sample("timeout-guard"), user=learner)
    other.name = "mine"
    other.save()
    changed = "def handler(e, c):\n    return 'changed'\n"
    for view in ("save", "run"):
        response = learner_client.post(
            reverse(f"sandbox:{view}", args=[function.pk]),
            form_data(function, name=name, code=changed, memory_mb=512),
        )
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html and 'id="id_name_error"' in html
    function.refresh_from_db()
    assert function.name == "timeout-guard-copy" and function.memory_mb != 512
    assert "changed" not in function.main_source
    assert not Invocation.objects.exists()


@pytest.mark.django_db
def test_a_deleted_functions_name_can_be_taken_by_a_rename(samples, learner_client, learner):
    gone = function_copy(function=sample("timeout-guard"), user=learner)
    learner_client.post(reverse("sandbox:delete", args=[gone.pk]))
    function = function_copy(function=sample("timeout-guard"), user=learner)
    assert function.name == "timeout-guard-copy-2"
    learner_client.post(
        reverse("sandbox:save", args=[function.pk]), form_data(function, name="timeout-guard-copy")
    )
    function.refresh_from_db()
    assert function.name == "timeout-guard-copy"


@pytest.mark.django_db
def test_a_sample_has_no_name_field(samples, learner_client):
    function = sample("timeout-guard")
    form = RunForm(form_data(function, name="renamed"), function=function, editable=False)
    assert form.is_valid() and "name" not in form.cleaned_data
    page = learner_client.get(function.get_absolute_url()).content.decode()
    assert 'name="name"' not in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("memory_mb", "10241", "Memory must be a whole number from 128 to 10,240 MB."),
        ("memory_mb", "abc", "Memory must be a whole number from 128 to 10,240 MB."),
        ("timeout_s", "901", "Timeout must be a whole number from 1 to 900 seconds."),
        ("timeout_s", "0", "Timeout must be a whole number from 1 to 900 seconds."),
        (
            "ephemeral_storage_mb",
            "100000",
            "Ephemeral storage must be a whole number from 512 to 10,240 MB.",
        ),
        ("ephemeral_storage_mb", "511", "Ephemeral storage must be a whole number from 512"),
        ("count", "100000", "Run at most 10 invocations at once."),
        ("count", "abc", "Enter a whole number."),
    ],
)
def test_form_values_out_of_range_are_refused_and_change_nothing(
    samples, learner_client, learner, field, value, message
):
    function = function_copy(function=sample("timeout-guard"), user=learner)
    before = (function.memory_mb, function.timeout_s, function.ephemeral_storage_mb)
    data = form_data(function, code="def handler(e, c):\n    return 'changed'\n", mode="batch")
    for view in ("run", "save"):
        response = learner_client.post(
            reverse(f"sandbox:{view}", args=[function.pk]), {**data, field: value}
        )
        assert response.status_code == 400, view
        assert message in response.content.decode(), view
    function.refresh_from_db()
    assert (function.memory_mb, function.timeout_s, function.ephemeral_storage_mb) == before
    assert "changed" not in function.main_source
    assert not Invocation.objects.exists()


@pytest.mark.django_db
def test_a_json_string_event_is_accepted_by_the_form(samples, learner):
    function = sample("timeout-guard")
    for text, value in (('"x"', "x"), ("null", None), ("3", 3), ("[1]", [1])):
        form = RunForm(form_data(function, event=text), function=function, editable=False)
        assert form.is_valid(), form.errors
        assert form.cleaned_data["event"] == value


@pytest.mark.django_db(transaction=True)
def test_the_answer_to_run_asks_to_be_shown_and_its_polling_does_not(
    samples, learner_client, sandbox_service, task_worker
):
    function = sample("timeout-guard")
    response = learner_client.post(
        reverse("sandbox:run", args=[function.pk]), form_data(function), **HTMX
    )
    html = response.content.decode()
    assert re.search(r'<section id="result"[^>]* data-show', html)
    url = re.search(r'hx-get="([^"]+/runs/[^"]+)"', html).group(1)
    polled, deadline = learner_client.get(url, **HTMX), time.monotonic() + 60
    while polled.status_code == 204:  # nothing new yet: the next poll
        assert time.monotonic() < deadline, "the run did not move"
        time.sleep(0.2)
        polled = learner_client.get(url, **HTMX)
    assert "data-show" not in polled.text
    finished(learner_client, polled.text)


# The session, the user, the function, the learner's settings of it and the runs in flight (for
# the stale ones); then one transaction: BEGIN, the settings again, the account locked, the
# leases running, the reservations, the lease, the invocation, its task and COMMIT. A run is
# queued in one write, its task with it.
RUN_QUERIES = 14


@pytest.mark.django_db
def test_a_run_from_the_page_takes_14_queries(samples, learner_client):
    function = sample("cold-start-vs-warm")
    url = reverse("sandbox:run", args=[function.pk])
    learner_client.post(url, form_data(function), **HTMX)  # the learner's account is made once
    with CaptureQueriesContext(connection) as captured:
        response = learner_client.post(url, form_data(function), **HTMX)
    assert response.status_code == 200 and "hx-get" in response.content.decode()
    assert len(captured) == RUN_QUERIES, [query["sql"][:80] for query in captured]
    assert Invocation.objects.filter(status=Invocation.Status.QUEUED).count() == 2


@pytest.mark.django_db
def test_running_ones_own_function_unchanged_writes_nothing_to_it_and_keeps_its_last_modified(
    samples, learner_client, learner
):
    function = function_copy(function=sample("cold-start-vs-warm"), user=learner)
    url = reverse("sandbox:run", args=[function.pk])
    unchanged = form_data(function, **RunForm.initial_for(function))
    learner_client.post(url, unchanged, **HTMX)  # the learner's account is made once
    stored = Function.objects.get(pk=function.pk).updated_at
    with CaptureQueriesContext(connection) as captured:
        response = learner_client.post(url, unchanged, **HTMX)
    assert response.status_code == 200 and "hx-get" in response.content.decode()
    written = [query["sql"] for query in captured if query["sql"].startswith("UPDATE")]
    assert not any("sandbox_function" in sql for sql in written), written
    assert Function.objects.get(pk=function.pk).updated_at == stored
    assert Invocation.objects.filter(function=function).count() == 2


@pytest.mark.django_db
def test_running_ones_own_function_with_new_code_saves_it_first(samples, learner_client, learner):
    function = function_copy(function=sample("cold-start-vs-warm"), user=learner)
    stored = function.updated_at
    code = function.main_source + "\n# changed before the run\n"
    changed = form_data(function, **{**RunForm.initial_for(function), "code": code})
    response = learner_client.post(reverse("sandbox:run", args=[function.pk]), changed, **HTMX)
    assert response.status_code == 200
    function.refresh_from_db()
    assert function.main_source == code and function.updated_at > stored
    invocation = Invocation.objects.get(function=function)
    assert invocation.status == Invocation.Status.QUEUED


# -- the poll of a run in flight -------------------------------------------------------------


def in_flight_run(user, *statuses: str) -> uuid.UUID:
    """A run of the user's whose invocations are as given, run by a live process elsewhere."""
    batch, now = uuid.uuid4(), timezone.now()
    for position, status in enumerate(statuses):
        Invocation.objects.create(
            function=sample("cold-start-vs-warm"),
            user=user,
            batch=batch,
            position=position,
            status=status,
            config={"timeout_s": 3},
            runner="other-host:1:abc" if status != "queued" else "",
            created_at=now,
            started_at=now if status != "queued" else None,
        )
    return batch


def poll_url(html: str) -> str:
    return re.search(r'hx-get="([^"]+/runs/[^"]+)"', html).group(1)


@pytest.mark.django_db
def test_a_poll_of_a_run_that_has_not_moved_is_answered_204_after_one_query(
    samples, learner_client, learner
):
    batch = in_flight_run(learner, "running", "queued")
    panel = learner_client.get(reverse("sandbox:run_result", args=[batch]), **HTMX)
    url = poll_url(panel.content.decode())
    # The session, the user, and the run's statuses: no function, no result, nothing rendered.
    with CaptureQueriesContext(connection) as captured:
        response = learner_client.get(url, **HTMX)
    assert response.status_code == 204 and response.content == b""
    assert len(captured) == 3, [query["sql"][:80] for query in captured]


@pytest.mark.django_db
def test_a_poll_after_the_run_moved_gets_the_panel_as_it_is_now(samples, learner_client, learner):
    batch = in_flight_run(learner, "running", "queued")
    url = poll_url(learner_client.get(reverse("sandbox:run_result", args=[batch]), **HTMX).text)
    Invocation.objects.filter(batch=batch, position=1).update(status="running")
    moved = learner_client.get(url, **HTMX)
    assert moved.status_code == 200 and "Running… 0 of 2 finished." in moved.text
    assert poll_url(moved.text) != url  # the next poll names the run as it is now
    assert learner_client.get(poll_url(moved.text), **HTMX).status_code == 204


@pytest.mark.django_db
@pytest.mark.parametrize("seen", ["", "not-a-signature", "<script>alert(1)</script>", "x" * 5000])
def test_a_poll_naming_no_signature_it_was_given_gets_the_whole_panel(
    samples, learner_client, learner, seen
):
    batch = in_flight_run(learner, "running", "queued")
    url = reverse("sandbox:run_result", args=[batch])
    polled = learner_client.get(url, {"seen": seen}, **HTMX)
    assert polled.status_code == 200 and "Running… 0 of 2 finished." in polled.text
    assert "<script>alert(1)</script>" not in polled.text


@pytest.mark.django_db
def test_a_poll_of_a_run_that_finished_gets_the_result_and_stops_polling(
    samples, learner_client, learner
):
    batch = in_flight_run(learner, "running")
    url = poll_url(learner_client.get(reverse("sandbox:run_result", args=[batch]), **HTMX).text)
    Invocation.objects.filter(batch=batch).update(status="error", message="It broke.")
    done = learner_client.get(url, **HTMX)
    assert done.status_code == 200 and "Finished: 1 invocation." in done.text
    assert "It broke." in done.text and "hx-get" not in done.text.split('id="history"')[0]


@pytest.mark.django_db
def test_a_poll_of_a_run_whose_worker_is_gone_shows_it_interrupted(
    samples, learner_client, learner
):
    batch = in_flight_run(learner, "running")
    url = poll_url(learner_client.get(reverse("sandbox:run_result", args=[batch]), **HTMX).text)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process of this host that no longer exists
    Invocation.objects.filter(batch=batch).update(runner=f"{socket.gethostname()}:{gone.pid}")
    response = learner_client.get(url, **HTMX)
    assert response.status_code == 200 and runs.INTERRUPTED_MESSAGE in response.text


@pytest.mark.django_db
def test_a_poll_naming_another_learners_run_is_not_found(samples, learner_client, other_learner):
    theirs = in_flight_run(other_learner, "running")
    signature = runs.batch_signature(["running"])
    url = reverse("sandbox:run_result", args=[theirs]) + f"?seen={signature}"
    assert learner_client.get(url, **HTMX).status_code == 404


# The session, the user, the function with its topic, course, default event and original, the
# event templates (read once, for the picker and for an event named in the address) and the
# learner's last runs of it.
SAMPLE_PAGE_QUERIES = 5


@pytest.mark.django_db
def test_a_sample_page_takes_5_queries(samples, learner_client):
    url = reverse("sandbox:sample", args=["cold-start-vs-warm"])
    learner_client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = learner_client.get(url)
    assert response.status_code == 200 and 'class="highlight"' in response.text
    assert len(captured) == SAMPLE_PAGE_QUERIES, [query["sql"][:80] for query in captured]


@pytest.mark.django_db
def test_the_poll_reads_a_runs_progress_as_the_orm_reads_it(samples, learner):
    batch = in_flight_run(learner, "success", "running", "queued")
    by_orm = Invocation.objects.filter(user=learner, batch=batch).order_by("position")
    field = Invocation._meta.get_field("batch")
    params = (learner.pk, field.get_db_prep_value(batch, connection))
    assert values_read(
        runs.PROGRESS_SQL, params, model=Invocation, names=runs.PROGRESS_FIELDS
    ) == list(by_orm.values_list(*runs.PROGRESS_FIELDS))
