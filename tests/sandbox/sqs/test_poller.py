"""The SQS event source: batches, batchItemFailures, visibility timeout, redrive to a DLQ."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from studyapp.sandbox.models import Function, QueueMessage
from studyapp.sandbox.sqs import (
    event_source_queue,
    failed_items,
    message_send,
    messages_on,
    queue_poll,
    queue_update,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
VISIBILITY = timedelta(seconds=0.5)  # 30 s at the default study time factor 1/60
GOOD = json.dumps({"orderId": "o-1", "sku": "BOOK-1", "quantity": 2})
BAD = json.dumps({"orderId": "o-2", "sku": "BOOK-2", "quantity": 0})


@pytest.fixture
def queue(samples, sandbox_service, learner):
    consumer = Function.objects.samples().get(name="sqs-partial-batch")
    return event_source_queue(user=learner, function=consumer, now=T0)


def send(queue, *bodies, now=T0):
    return [message_send(queue=queue, body=body, now=now) for body in bodies]


def test_a_partial_batch_failure_leaves_exactly_the_failed_messages_on_the_queue(queue):
    good, bad, also_good = send(queue, GOOD, BAD, GOOD)
    batch = queue_poll(queue=queue, now=T0)
    assert batch.outcome == "partial"
    assert batch.message_ids == [str(m.message_id) for m in (good, bad, also_good)]
    assert batch.failed_ids == [str(bad.message_id)]
    assert list(messages_on(queue)) == [bad]


def test_a_failed_message_is_invisible_for_the_visibility_timeout(queue):
    send(queue, BAD)
    queue_poll(queue=queue, now=T0)
    assert queue_poll(queue=queue, now=T0 + VISIBILITY - timedelta(milliseconds=1)) is None
    again = queue_poll(queue=queue, now=T0 + VISIBILITY)
    assert again.outcome == "failed"
    (message,) = messages_on(queue)
    assert message.receive_count == 2


def test_after_max_receive_count_the_message_moves_to_the_dead_letter_queue(queue):
    (bad,) = send(queue, BAD)
    now = T0
    for _ in range(queue.max_receive_count):  # 3 receives, 3 failures
        assert queue_poll(queue=queue, now=now).failed_ids == [str(bad.message_id)]
        now += VISIBILITY
    redrive = queue_poll(queue=queue, now=now)  # the 4th receive moves it instead
    assert redrive.outcome == "redriven"
    assert redrive.message_ids == []
    assert redrive.moved_ids == [str(bad.message_id)]
    assert list(messages_on(queue)) == []
    (moved,) = messages_on(queue.dead_letter_queue)
    assert moved.message_id == bad.message_id
    assert moved.receive_count == 3
    assert moved.moved_from == queue.name


def test_a_batch_holds_at_most_batch_size_messages(queue):
    queue_update(
        queue=queue,
        batch_size=2,
        batching_window_s=0,
        visibility_timeout_s=30,
        max_receive_count=3,
        report_batch_item_failures=True,
    )
    send(queue, GOOD, GOOD, GOOD)
    assert len(queue_poll(queue=queue, now=T0).message_ids) == 2
    assert len(queue_poll(queue=queue, now=T0).message_ids) == 1


def test_the_batching_window_waits_for_a_full_batch(queue):
    queue_update(
        queue=queue,
        batch_size=3,
        batching_window_s=60,  # 1 s at study speed
        visibility_timeout_s=30,
        max_receive_count=3,
        report_batch_item_failures=True,
    )
    send(queue, GOOD)
    assert queue_poll(queue=queue, now=T0 + timedelta(seconds=0.5)) is None
    assert len(queue_poll(queue=queue, now=T0 + timedelta(seconds=1)).message_ids) == 1


def test_without_report_batch_item_failures_a_success_deletes_the_whole_batch(queue):
    queue_update(
        queue=queue,
        batch_size=10,
        batching_window_s=0,
        visibility_timeout_s=30,
        max_receive_count=3,
        report_batch_item_failures=False,
    )
    send(queue, GOOD, BAD)
    assert queue_poll(queue=queue, now=T0).outcome == "success"
    assert list(messages_on(queue)) == []
    assert QueueMessage.objects.filter(queue=queue, deleted_at=T0).count() == 2


def test_an_unknown_item_identifier_fails_the_whole_batch():
    assert failed_items({"batchItemFailures": [{"itemIdentifier": "nope"}]}, ["a", "b"]) is None
    assert failed_items({"batchItemFailures": [{"itemIdentifier": ""}]}, ["a"]) is None
    assert failed_items("not an object", ["a"]) is None


def test_an_empty_or_null_list_means_every_message_succeeded():
    assert failed_items({"batchItemFailures": []}, ["a"]) == []
    assert failed_items({"batchItemFailures": None}, ["a"]) == []
    assert failed_items(None, ["a"]) == []
    assert failed_items({"batchItemFailures": [{"itemIdentifier": "b"}]}, ["a", "b"]) == ["b"]


def test_the_workers_poll_schedules_the_next_look_for_when_failed_messages_come_back(queue):
    from django_tasks_db.models import DBTaskResult

    from studyapp.sandbox.sqs import queue_poll_run

    send(queue, GOOD, BAD)
    queue_poll_run(queue_id=queue.pk, now=T0)
    queue.refresh_from_db()
    (left,) = messages_on(queue)
    assert left.body == BAD
    # the next look comes by the time the failed message is visible again
    assert T0 < queue.next_poll_at <= left.visible_at + timedelta(seconds=0.2)
    assert DBTaskResult.objects.filter(
        task_path="studyapp.sandbox.sqs.queue_poll_task", run_after=queue.next_poll_at
    ).exists()
