"""What a learner's own code does with a queue: send (delays, attributes), receive, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from studyapp.sandbox.models import Function
from studyapp.sandbox.sqs import (
    MessageContentsError,
    QueueError,
    ReceiptHandleError,
    event_source_queue,
    md5_of_attributes,
    message_check,
    message_delete,
    message_send,
    messages_on,
    messages_receive,
    queue_by_name,
    queue_counts,
    queue_names_for,
    queue_update,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STUDY_SECOND = timedelta(seconds=1 / 60)  # one second of queue time at the default factor 1/60


@pytest.fixture
def consumer(samples):
    return Function.objects.samples().get(name="sqs-partial-batch")


@pytest.fixture
def queue(consumer, learner):
    return event_source_queue(user=learner, function=consumer, now=T0)


def test_a_received_message_is_hidden_for_the_visibility_timeout_with_a_new_receipt_handle(
    queue,
):
    sent = message_send(queue=queue, body="hello", now=T0)
    (first,) = messages_receive(queue=queue, max_messages=10, visibility_timeout_s=60, now=T0)
    assert first.message_id == sent.message_id
    assert first.receive_count == 1
    assert first.first_received_at == T0
    assert messages_receive(queue=queue, now=T0 + 60 * STUDY_SECOND - timedelta(0, 0.001)) == []
    (again,) = messages_receive(queue=queue, now=T0 + 60 * STUDY_SECOND)
    assert again.receive_count == 2
    assert again.receipt_handle != first.receipt_handle
    assert again.first_received_at == T0


def test_receive_hands_out_at_most_max_messages_oldest_first(queue):
    sent = [message_send(queue=queue, body=str(n), now=T0 + timedelta(0, n)) for n in range(4)]
    received = messages_receive(queue=queue, max_messages=3, now=T0 + timedelta(0, 10))
    assert [m.message_id for m in received] == [m.message_id for m in sent[:3]]


def test_receive_moves_an_over_received_message_to_the_dead_letter_queue(queue):
    message_send(queue=queue, body="poison", now=T0)
    now = T0
    for _ in range(queue.max_receive_count):
        assert len(messages_receive(queue=queue, visibility_timeout_s=0, now=now)) == 1
        now += timedelta(0, 1)
    assert messages_receive(queue=queue, now=now) == []
    (moved,) = messages_on(queue.dead_letter_queue)
    assert moved.body == "poison"
    assert moved.moved_from == queue.name


def test_receive_refuses_more_than_ten_messages_or_a_visibility_timeout_over_twelve_hours(queue):
    with pytest.raises(QueueError, match="MaxNumberOfMessages"):
        messages_receive(queue=queue, max_messages=11, now=T0)
    with pytest.raises(QueueError, match="VisibilityTimeout"):
        messages_receive(queue=queue, visibility_timeout_s=43_201, now=T0)


def test_a_delayed_message_stays_hidden_for_its_delay_in_study_time(queue):
    message_send(queue=queue, body="later", delay_s=120, now=T0)
    assert queue_counts(queue, now=T0) == {"visible": 0, "not_visible": 0, "delayed": 1}
    assert messages_receive(queue=queue, now=T0 + 119 * STUDY_SECOND) == []
    assert len(messages_receive(queue=queue, now=T0 + 120 * STUDY_SECOND)) == 1


def test_a_delay_over_fifteen_minutes_is_refused(queue):
    with pytest.raises(QueueError, match="DelaySeconds"):
        message_send(queue=queue, body="x", delay_s=901, now=T0)
    assert list(messages_on(queue)) == []


def test_counts_tell_visible_in_flight_and_delayed_messages_apart(queue):
    message_send(queue=queue, body="a", now=T0)
    message_send(queue=queue, body="b", now=T0)
    message_send(queue=queue, body="c", delay_s=60, now=T0)
    messages_receive(queue=queue, now=T0)
    assert queue_counts(queue, now=T0) == {"visible": 1, "not_visible": 1, "delayed": 1}


def test_delete_takes_the_latest_receipt_handle_and_deleting_twice_is_harmless(queue):
    message_send(queue=queue, body="a", now=T0)
    (received,) = messages_receive(queue=queue, now=T0)
    message_delete(queue=queue, receipt_handle=received.receipt_handle, now=T0)
    message_delete(queue=queue, receipt_handle=received.receipt_handle, now=T0)
    assert list(messages_on(queue)) == []


def test_a_receipt_handle_from_another_queue_or_an_older_receive_is_refused(queue):
    message_send(queue=queue, body="a", now=T0)
    (first,) = messages_receive(queue=queue, visibility_timeout_s=0, now=T0)
    (second,) = messages_receive(queue=queue, now=T0 + timedelta(0, 1))
    with pytest.raises(ReceiptHandleError):
        message_delete(queue=queue, receipt_handle=first.receipt_handle, now=T0)
    with pytest.raises(ReceiptHandleError):
        message_delete(queue=queue.dead_letter_queue, receipt_handle=second.receipt_handle)
    with pytest.raises(ReceiptHandleError):
        message_delete(queue=queue, receipt_handle="", now=T0)
    assert len(messages_on(queue)) == 1


def test_a_functions_queues_are_found_by_name_and_created_on_first_use(consumer, learner):
    dead = queue_by_name(user=learner, name="sqs-partial-batch-dlq", now=T0)
    assert dead is not None
    main = queue_by_name(user=learner, name="sqs-partial-batch-queue", now=T0)
    assert main.function == consumer
    assert main.dead_letter_queue == dead
    assert queue_by_name(user=learner, name="no-such-function-queue") is None
    assert queue_by_name(user=learner, name="sqs-partial-batch") is None


def test_another_learners_queue_is_not_found(consumer, learner, django_user_model):
    other = django_user_model.objects.create_user(username="other", password="correct-horse-42")
    mine = Function.objects.create(
        owner=other, name="others-consumer", title="Theirs", handler=consumer.handler, code={}
    )
    event_source_queue(user=other, function=mine, now=T0)
    assert queue_by_name(user=learner, name="others-consumer-queue") is None
    assert "others-consumer-queue" not in queue_names_for(user=learner)
    assert "others-consumer-queue" in queue_names_for(user=other)


def test_queue_names_list_each_visible_functions_two_queues(consumer, learner):
    names = queue_names_for(user=learner)
    assert {"sqs-partial-batch-queue", "sqs-partial-batch-dlq"} <= set(names)
    assert names == sorted(names)


def test_message_check_keeps_string_and_number_attributes():
    stored = message_check(
        body="hi",
        attributes={
            "kind": {"DataType": "String", "StringValue": "order"},
            "count": {"DataType": "Number.int", "StringValue": "3"},
        },
    )
    assert stored == {
        "kind": {"DataType": "String", "StringValue": "order"},
        "count": {"DataType": "Number.int", "StringValue": "3"},
    }


@pytest.mark.parametrize(
    ("attributes", "reason"),
    [
        ({"AWS.trace": {"DataType": "String", "StringValue": "x"}}, "name"),
        ({"a..b": {"DataType": "String", "StringValue": "x"}}, "name"),
        ({"kind": {"DataType": "Text", "StringValue": "x"}}, "DataType"),
        ({"blob": {"DataType": "Binary", "BinaryValue": b"x"}}, "String and Number"),
        ({"n": {"DataType": "Number", "StringValue": "three"}}, "not"),
        ({"kind": {"DataType": "String"}}, "StringValue"),
        ({f"a{n}": {"DataType": "String", "StringValue": "x"} for n in range(11)}, "at most 10"),
    ],
)
def test_message_check_refuses_attributes_sqs_refuses(attributes, reason):
    with pytest.raises(QueueError, match=reason):
        message_check(body="hi", attributes=attributes)


def test_message_check_refuses_characters_outside_sqs_set_and_empty_bodies():
    with pytest.raises(MessageContentsError):
        message_check(body="bell \x07")
    with pytest.raises(QueueError, match="empty"):
        message_check(body="")
    assert message_check(body="tab\tnew line\n emoji \U0001f600") == {}


def test_message_check_counts_attributes_in_the_one_megabyte_limit():
    body = "x" * (1_048_576 - 10)
    assert message_check(body=body) == {}
    with pytest.raises(QueueError, match="1048576"):
        message_check(body=body, attributes={"k": {"DataType": "String", "StringValue": "v" * 9}})


def test_md5_of_attributes_follows_sqs_algorithm():
    # Published reference values for SQS's MD5OfMessageAttributes
    assert (
        md5_of_attributes({"attribName1": {"DataType": "String", "StringValue": "attribValue 1"}})
        == "19e27d4e946b072f3f58da80d94fd778"
    )
    assert (
        md5_of_attributes(
            {
                "customNumberTypeAttrib": {
                    "DataType": "Number.float",
                    "StringValue": "4563442423554324324264524243.32543234",
                }
            }
        )
        == "9fe1b90bbd9965bdf77bac517c7d2495"
    )


def test_a_queue_with_zero_visibility_timeout_serves_a_message_again_at_once(queue):
    queue_update(
        queue=queue,
        batch_size=10,
        batching_window_s=0,
        visibility_timeout_s=0,
        max_receive_count=None,
        report_batch_item_failures=True,
    )
    message_send(queue=queue, body="a", now=T0)
    assert len(messages_receive(queue=queue, now=T0)) == 1
    assert len(messages_receive(queue=queue, now=T0)) == 1


def test_the_functions_event_keeps_each_attributes_data_type(queue):
    from studyapp.sandbox.sqs import sqs_event

    message = message_send(
        queue=queue,
        body="hi",
        attributes={
            "count": {"DataType": "Number", "StringValue": "3"},
            "RequestID": {"StringValue": "r-1"},  # as async destinations store them
        },
        now=T0,
    )
    (record,) = sqs_event(queue, [message])["Records"]
    assert record["messageAttributes"]["count"]["dataType"] == "Number"
    assert record["messageAttributes"]["RequestID"]["dataType"] == "String"
