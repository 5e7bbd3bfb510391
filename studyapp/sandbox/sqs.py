"""Simulated SQS queues and the event source mapping that polls them into a function.

Each of a learner's functions can have an event source queue (``<function>-queue``) with a
dead-letter queue (``<function>-dlq``). The poller (``queue_poll``) does what Lambda's SQS
poller does:

- it waits for a full batch (``batch_size``) up to the batching window, then receives up to
  ``batch_size`` visible messages: each receive makes the message invisible for the visibility
  timeout and adds one to its receive count;
- a message received more than ``max_receive_count`` times is moved to the dead-letter queue
  (SQS's redrive policy) instead of being delivered again;
- the function gets Lambda's SQS event; on success the batch is deleted, except, with
  ``ReportBatchItemFailures``, the messages listed in ``batchItemFailures`` (an unknown or empty
  ``itemIdentifier`` or a response that is not an object fails the whole batch); on a function
  error nothing is deleted and the messages come back after the visibility timeout.

Times (visibility timeout, batching window, a message's delay) are multiplied by the learner's
study time factor. Learners' own code reaches the queues through SQS's API
(``studyapp/sandbox/api/sqs_api.py``): ``queue_by_name``, ``message_check``, ``message_send``,
``messages_receive``, ``message_delete`` and ``queue_counts`` are what it calls. Tests call
``queue_poll(queue=..., now=...)`` directly; the worker runs it through the ``queue_poll`` task,
which reschedules itself while the queue holds messages.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.tasks import task
from django.utils import timezone

from studyapp.core.errors import Invalid, NotFound
from studyapp.core.tasks import domain_errors_logged
from studyapp.engine import client
from studyapp.engine.account import ACCOUNT_ID, REGION, sqs_queue_arn
from studyapp.sandbox.concurrency import account_for
from studyapp.sandbox.invoking import function_run
from studyapp.sandbox.messages import sandbox_error_message
from studyapp.sandbox.models import Function, Queue, QueueBatch, QueueMessage

QUEUE_ARN = re.compile(r"^arn:aws:sqs:[a-z0-9-]+:\d{12}:(?P<name>[A-Za-z0-9_-]{1,80})$")
MAX_MESSAGE_BYTES = 1_048_576
DEFAULT_MAX_RECEIVE_COUNT = 3
MAX_DELAY_S = 900
MAX_RECEIVE_MESSAGES = 10
MAX_VISIBILITY_TIMEOUT_S = 43_200
MAX_MESSAGE_ATTRIBUTES = 10
ATTRIBUTE_NAME = re.compile(r"^(?!\.)(?!.*\.\.)(?!.*\.$)[A-Za-z0-9_.-]{1,256}$")
RESERVED_ATTRIBUTE_PREFIXES = ("aws.", "amazon.")
# SQS accepts these characters only: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF
NOT_ALLOWED = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class QueueError(Invalid, ValueError):
    """A queue setting or message SQS would refuse; the message is for the learner."""


class MessageContentsError(QueueError):
    """A body or attribute value with characters SQS does not allow (InvalidMessageContents)."""


class ReceiptHandleError(QueueError):
    """A receipt handle this queue never gave out (ReceiptHandleIsInvalid)."""


def queue_name_from_arn(arn: str) -> str | None:
    match = QUEUE_ARN.match(arn or "")
    return match.group("name") if match else None


def queue_arn(queue: Queue) -> str:
    return sqs_queue_arn(queue.name)


def queue_for_arn(*, user, arn: str, now: datetime | None = None) -> Queue | None:
    """The learner's queue named by an SQS ARN (created on first use), or None for other ARNs."""
    name = queue_name_from_arn(arn)
    if name is None:
        return None
    queue, _ = Queue.objects.get_or_create(
        owner=user, name=name, defaults={"created_at": now or timezone.now()}
    )
    return queue


def _function_named(*, user, name: str) -> Function | None:
    """The learner's own active function of that name, else the shipped sample."""
    return (
        Function.objects.active().filter(owner=user, name=name).first()
        or Function.objects.active().samples().filter(name=name).first()
    )


def queue_names_for(*, user) -> list[str]:
    """Every queue the learner may use: their queues, and each visible function's two queues.

    A function's queues (``<function>-queue``, ``<function>-dlq``) are created on first use, so
    they are listed whether or not they exist yet.
    """
    names = set(Queue.objects.filter(owner=user).values_list("name", flat=True))
    for function_name in Function.objects.visible_to(user).values_list("name", flat=True):
        names.update({f"{function_name}-queue", f"{function_name}-dlq"})
    return sorted(names)


def queue_by_name(*, user, name: str, now: datetime | None = None) -> Queue | None:
    """The learner's queue of that name (a function's queues are created on first use)."""
    queue = Queue.objects.filter(owner=user, name=name).first()
    if queue is not None:
        return queue
    for suffix in ("-queue", "-dlq"):
        if name.endswith(suffix):
            function = _function_named(user=user, name=name.removesuffix(suffix))
            if function is not None:
                event_source_queue(user=user, function=function, now=now)
                return Queue.objects.filter(owner=user, name=name).first()
    return None


def event_source_queue(*, user, function: Function, now: datetime | None = None) -> Queue:
    """The function's event source queue (and its dead-letter queue), created on first use."""
    now = now or timezone.now()
    queue = Queue.objects.filter(owner=user, function=function).first()
    if queue is not None:
        return queue
    with transaction.atomic():
        dead, _ = Queue.objects.get_or_create(
            owner=user, name=f"{function.name}-dlq", defaults={"created_at": now}
        )
        queue, _ = Queue.objects.get_or_create(
            owner=user,
            name=f"{function.name}-queue",
            defaults={
                "created_at": now,
                "function": function,
                "dead_letter_queue": dead,
                "max_receive_count": DEFAULT_MAX_RECEIVE_COUNT,
            },
        )
        if queue.function_id is None:
            queue.function = function
            queue.save(update_fields=["function"])
    return queue


def queue_update(
    *,
    queue: Queue,
    batch_size: int,
    batching_window_s: int,
    visibility_timeout_s: int,
    max_receive_count: int | None,
    report_batch_item_failures: bool,
) -> Queue:
    if not 1 <= batch_size <= 10_000:
        raise QueueError("The batch size must be between 1 and 10,000.")
    if batch_size > 10 and batching_window_s < 1:
        raise QueueError("A batch size above 10 needs a batching window of at least 1 second.")
    if not 0 <= batching_window_s <= 300:
        raise QueueError("The batching window must be between 0 and 300 seconds.")
    if not 0 <= visibility_timeout_s <= 43_200:
        raise QueueError("The visibility timeout must be between 0 and 43,200 seconds.")
    if max_receive_count is not None and not 1 <= max_receive_count <= 1000:
        raise QueueError("maxReceiveCount must be between 1 and 1,000.")
    queue.batch_size = batch_size
    queue.batching_window_s = batching_window_s
    queue.visibility_timeout_s = visibility_timeout_s
    queue.max_receive_count = max_receive_count
    queue.report_batch_item_failures = report_batch_item_failures
    queue.save()
    return queue


def scaled(seconds: float, *, queue: Queue) -> timedelta:
    return timedelta(seconds=seconds * account_for(queue.owner).time_factor)


# -- messages -----------------------------------------------------------------------------------


def md5_of_body(body: str) -> str:
    return hashlib.md5(body.encode(), usedforsecurity=False).hexdigest()


def md5_of_attributes(attributes: dict[str, Any]) -> str:
    """SQS's MD5OfMessageAttributes: names in order, each part length-prefixed (big-endian)."""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value.get("DataType", "String")
        for part in (name, data_type):
            encoded = part.encode()
            digest.update(len(encoded).to_bytes(4, "big") + encoded)
        encoded = (value.get("StringValue") or "").encode()
        digest.update(b"\x01" + len(encoded).to_bytes(4, "big") + encoded)
    return digest.hexdigest()


def body_check(body: str) -> None:
    """A message body SQS takes: not empty, and only the characters it allows."""
    if not body:
        raise QueueError("The message body must not be empty.")
    if NOT_ALLOWED.search(body):
        raise MessageContentsError(
            "Invalid binary character in the message body: SQS allows #x9, #xA, #xD, "
            "#x20 to #xD7FF, #xE000 to #xFFFD and #x10000 to #x10FFFF."
        )


def message_check(*, body: str, attributes: dict[str, Any] | None = None) -> dict[str, Any]:
    """SQS's rules for a message from a learner's code; the attributes as they will be stored.

    Attributes are ``{name: {"DataType": "String"|"Number"[.label], "StringValue": ...}}``;
    binary and list values are refused (the simulated queue keeps text only).
    """
    body_check(body)
    attributes = attributes or {}
    if len(attributes) > MAX_MESSAGE_ATTRIBUTES:
        raise QueueError(f"A message can have at most {MAX_MESSAGE_ATTRIBUTES} attributes.")
    size = len(body.encode())
    stored: dict[str, Any] = {}
    for name, value in attributes.items():
        if not ATTRIBUTE_NAME.match(name) or name.lower().startswith(RESERVED_ATTRIBUTE_PREFIXES):
            raise QueueError(
                f"The message attribute name '{name}' is invalid: use up to 256 letters, digits, "
                "_, - and . (not at either end, never two in a row, not starting AWS. or Amazon.)."
            )
        if not isinstance(value, dict):
            raise QueueError(f"The message attribute '{name}' must be an object.")
        data_type = value.get("DataType")
        base_type = data_type.split(".", 1)[0] if isinstance(data_type, str) else None
        if base_type not in ("String", "Number", "Binary") or len(data_type) > 256:
            raise QueueError(
                f"The message attribute '{name}' has an invalid DataType: use String, Number or "
                "Binary, optionally followed by .label."
            )
        if base_type == "Binary" or value.get("StringListValues") or value.get("BinaryListValues"):
            raise QueueError(
                f"The message attribute '{name}': the sandbox's queues keep String and Number "
                "attributes only."
            )
        string_value = value.get("StringValue")
        if not isinstance(string_value, str) or not string_value:
            raise QueueError(f"The message attribute '{name}' must have a StringValue.")
        if base_type == "Number" and not _is_number(string_value):
            raise QueueError(f"The message attribute '{name}' is a Number but its value is not.")
        if NOT_ALLOWED.search(string_value):
            raise MessageContentsError(
                f"The message attribute '{name}' contains characters outside the allowed set."
            )
        size += len(name.encode()) + len(data_type.encode()) + len(string_value.encode())
        stored[name] = {"DataType": data_type, "StringValue": string_value}
    if size > MAX_MESSAGE_BYTES:
        raise QueueError(
            f"The message (body and attributes) must be at most {MAX_MESSAGE_BYTES} bytes."
        )
    return stored


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return text.strip().lower() not in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity")


def message_send(
    *,
    queue: Queue,
    body: str,
    attributes: dict[str, Any] | None = None,
    now: datetime | None = None,
    moved_from: str = "",
    delay_s: int = 0,
) -> QueueMessage:
    """Put a message on the queue; with ``delay_s`` it stays hidden that long (study time).
    Whoever sends it (the SQS API, the queue page, a destination), the body follows SQS's rules:
    one with a character SQS refuses (NUL, say) is refused here, never stored."""
    now = now or timezone.now()
    body_check(body)
    if len(body.encode()) > MAX_MESSAGE_BYTES:
        raise QueueError("A message can be at most 1 MB.")
    if not 0 <= delay_s <= MAX_DELAY_S:
        raise QueueError(f"DelaySeconds must be between 0 and {MAX_DELAY_S}.")
    visible_at = now + scaled(delay_s, queue=queue) if delay_s else now
    message = QueueMessage.objects.create(
        queue=queue,
        body=body,
        attributes=attributes or {},
        sent_at=now,
        visible_at=visible_at,
        moved_from=moved_from,
    )
    if queue.function_id and queue.enabled:
        queue_poll_schedule(queue=queue, at=visible_at)
    return message


def messages_receive(
    *,
    queue: Queue,
    max_messages: int = 1,
    visibility_timeout_s: int | None = None,
    now: datetime | None = None,
) -> list[QueueMessage]:
    """ReceiveMessage: up to ``max_messages`` visible messages, each hidden for the visibility
    timeout (the queue's unless given; study time) with a new receipt handle.

    As on SQS, a message already received ``max_receive_count`` times moves to the dead-letter
    queue instead. A message the poller takes at the same moment is never handed out twice.
    """
    now = now or timezone.now()
    if not 1 <= max_messages <= MAX_RECEIVE_MESSAGES:
        raise QueueError(f"MaxNumberOfMessages must be between 1 and {MAX_RECEIVE_MESSAGES}.")
    if visibility_timeout_s is not None and not (
        0 <= visibility_timeout_s <= MAX_VISIBILITY_TIMEOUT_S
    ):
        raise QueueError("VisibilityTimeout must be between 0 and 43,200 seconds.")
    queue = Queue.objects.select_related("owner", "dead_letter_queue").get(pk=queue.pk)
    timeout = queue.visibility_timeout_s if visibility_timeout_s is None else visibility_timeout_s
    hidden_until = now + scaled(timeout, queue=queue)
    visible = list(messages_on(queue).filter(visible_at__lte=now)[: max_messages * 10])
    moved = _redrive(queue, visible, now=now)
    received = []
    for message in visible:
        if len(received) == max_messages:
            break
        if message.pk in moved:
            continue
        taken = QueueMessage.objects.filter(
            pk=message.pk, queue=queue, deleted_at__isnull=True, visible_at__lte=now
        ).update(
            receive_count=F("receive_count") + 1,
            visible_at=hidden_until,
            receipt_handle=secrets.token_urlsafe(24),
        )
        if taken:
            QueueMessage.objects.filter(pk=message.pk, first_received_at__isnull=True).update(
                first_received_at=now
            )
            received.append(message.pk)
    by_pk = QueueMessage.objects.in_bulk(received)
    return [by_pk[pk] for pk in received]


def message_delete(*, queue: Queue, receipt_handle: str, now: datetime | None = None) -> None:
    """DeleteMessage by the receipt handle of its latest receive (deleting twice is harmless)."""
    now = now or timezone.now()
    message = (
        queue.messages.filter(receipt_handle=receipt_handle).order_by("-id").first()
        if receipt_handle
        else None
    )
    if message is None:
        raise ReceiptHandleError(f"The receipt handle '{receipt_handle}' is not valid here.")
    QueueMessage.objects.filter(pk=message.pk, deleted_at__isnull=True).update(deleted_at=now)


def messages_on(queue: Queue):
    """Messages still on the queue (visible or in flight), oldest first."""
    return queue.messages.filter(deleted_at__isnull=True).order_by("sent_at", "id")


def sqs_event(queue: Queue, messages: list[QueueMessage]) -> dict[str, Any]:
    """Lambda's SQS event for a batch."""
    records = []
    for message in messages:
        sent_ms = int(message.sent_at.timestamp() * 1000)
        first_ms = int((message.first_received_at or message.sent_at).timestamp() * 1000)
        records.append(
            {
                "messageId": str(message.message_id),
                "receiptHandle": message.receipt_handle,
                "body": message.body,
                "attributes": {
                    "ApproximateReceiveCount": str(message.receive_count),
                    "SentTimestamp": str(sent_ms),
                    "SenderId": ACCOUNT_ID,
                    "ApproximateFirstReceiveTimestamp": str(first_ms),
                },
                "messageAttributes": {
                    name: {
                        "stringValue": value.get("StringValue"),
                        "stringListValues": [],
                        "binaryListValues": [],
                        "dataType": value.get("DataType", "String"),
                    }
                    for name, value in message.attributes.items()
                    if isinstance(value, dict)
                },
                "md5OfBody": md5_of_body(message.body),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn(queue),
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def failed_items(payload: Any, message_ids: list[str]) -> list[str] | None:
    """The messages a ReportBatchItemFailures response names; None: the whole batch failed."""
    if payload is None:
        return []
    if not isinstance(payload, dict):
        return None
    failures = payload.get("batchItemFailures")
    if failures is None:
        return []
    if not isinstance(failures, list):
        return None
    failed = []
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in message_ids:
            return None
        failed.append(identifier)
    return failed


# -- the poller ---------------------------------------------------------------------------------


def queue_poll(*, queue: Queue, now: datetime | None = None) -> QueueBatch | None:
    """One poll: redrive over-received messages, deliver one batch, settle it. None if idle.

    The batch's ``moved_ids`` lists the messages moved to the dead-letter queue by this poll;
    when it only moved messages, its outcome is ``redriven`` and it delivered nothing.
    """
    now = now or timezone.now()
    queue = Queue.objects.select_related("function", "owner", "dead_letter_queue").get(pk=queue.pk)
    if queue.function is None or not queue.enabled:
        return None
    visible = list(messages_on(queue).filter(visible_at__lte=now))
    moved = _redrive(queue, visible, now=now)
    visible = [message for message in visible if message.pk not in moved]
    if not visible:
        if not moved:
            return None
        return QueueBatch.objects.create(  # nothing delivered: only the redrive to show
            queue=queue,
            function=queue.function,
            delivered_at=now,
            moved_ids=[str(message_id) for message_id in moved.values()],
            outcome="redriven",
        )
    window = scaled(queue.batching_window_s, queue=queue)
    if len(visible) < queue.batch_size and now < min(m.visible_at for m in visible) + window:
        return None  # still gathering a batch
    chosen = [message.pk for message in visible[: queue.batch_size]]
    visible_again = now + scaled(queue.visibility_timeout_s, queue=queue)
    with transaction.atomic():
        QueueMessage.objects.filter(pk__in=chosen, deleted_at__isnull=True).update(
            receive_count=F("receive_count") + 1, visible_at=visible_again
        )
        QueueMessage.objects.filter(pk__in=chosen, first_received_at__isnull=True).update(
            first_received_at=now
        )
        for pk in chosen:
            QueueMessage.objects.filter(pk=pk).update(receipt_handle=secrets.token_urlsafe(24))
    batch = list(QueueMessage.objects.filter(pk__in=chosen).order_by("sent_at", "id"))
    ids = [str(message.message_id) for message in batch]
    event = sqs_event(queue, batch)
    try:
        result: dict[str, Any] | None = function_run(
            user=queue.owner, function=queue.function, event=event, source="sqs"
        )
    except client.SandboxServiceError as error:
        result = {"status": "unavailable", "message": sandbox_error_message(error)}
    status = (result or {}).get("status")
    if status == "success":
        failed = (
            failed_items(result.get("payload"), ids) if queue.report_batch_item_failures else []
        )
        failed = ids if failed is None else failed
        outcome = "success" if not failed else "failed" if set(failed) == set(ids) else "partial"
    else:
        failed = ids
        outcome = "throttled" if status == "throttled" else "failed"
    succeeded = [pk for pk, mid in zip(chosen, ids, strict=True) if mid not in failed]
    QueueMessage.objects.filter(pk__in=succeeded).update(deleted_at=now)
    return QueueBatch.objects.create(
        queue=queue,
        function=queue.function,
        delivered_at=now,
        message_ids=ids,
        failed_ids=failed,
        moved_ids=[str(message_id) for message_id in moved.values()],
        outcome=outcome,
        result=result,
    )


def _redrive(queue: Queue, visible: list[QueueMessage], *, now: datetime) -> dict[int, Any]:
    """Move messages already received max_receive_count times to the dead-letter queue."""
    if queue.max_receive_count is None or queue.dead_letter_queue is None:
        return {}
    moved = {}
    for message in visible:
        if message.receive_count < queue.max_receive_count:
            continue
        # SQS keeps the message (and its id) when it moves it to the dead-letter queue.
        taken = QueueMessage.objects.filter(
            pk=message.pk, queue=queue, deleted_at__isnull=True, visible_at__lte=now
        ).update(queue=queue.dead_letter_queue, moved_from=queue.name, visible_at=now)
        if taken:
            moved[message.pk] = message.message_id
    return moved


def queue_poll_schedule(*, queue: Queue, at: datetime) -> None:
    """Make sure a poll task runs at ``at`` or earlier."""
    with transaction.atomic():
        current = Queue.objects.filter(pk=queue.pk).values_list("next_poll_at", flat=True).first()
        if current is not None and current <= at:
            return
        Queue.objects.filter(pk=queue.pk).update(next_poll_at=at)
        queue_poll_task.using(run_after=at).enqueue(queue_id=queue.pk)


def queue_poll_run(*, queue_id: int, now: datetime | None = None) -> None:
    """The worker's poll: deliver batches while there are any, then schedule the next look."""
    now = now or timezone.now()
    queue = Queue.objects.filter(pk=queue_id).first()
    if queue is None:
        return
    Queue.objects.filter(pk=queue.pk, next_poll_at__lte=now).update(next_poll_at=None)
    # In case this worker dies while the function runs: look again once the batch is visible.
    queue_poll_schedule(
        queue=queue, at=now + scaled(queue.visibility_timeout_s, queue=queue) + timedelta(0, 0.1)
    )
    started = time.monotonic()
    clock = now
    while queue_poll(queue=queue, now=clock) is not None:
        clock = now + timedelta(seconds=time.monotonic() - started)
    now = clock
    remaining = messages_on(queue).aggregate(first=Min("visible_at"))["first"]
    if remaining is not None:
        window = scaled(queue.batching_window_s, queue=queue)
        queue_poll_schedule(queue=queue, at=max(remaining + window, now + timedelta(0, 0.05)))


# -- reads for the pages ------------------------------------------------------------------------


def queue_for_user(*, user, name: str) -> Queue:
    queue = Queue.objects.filter(owner=user, name=name).first()
    if queue is None:
        raise NotFound("No such queue.")
    return queue


def queue_counts(queue: Queue, *, now: datetime | None = None) -> dict[str, int]:
    """SQS's approximate counts: visible, in flight (received, hidden) and delayed messages."""
    now = now or timezone.now()
    hidden = Q(visible_at__gt=now)
    return messages_on(queue).aggregate(
        visible=Count("pk", filter=Q(visible_at__lte=now)),
        not_visible=Count("pk", filter=hidden & Q(receive_count__gt=0)),
        delayed=Count("pk", filter=hidden & Q(receive_count=0)),
    )


def queue_snapshot(queue: Queue, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    on_queue = list(messages_on(queue))
    return {
        "queue": queue,
        "arn": queue_arn(queue),
        "visible": [m for m in on_queue if m.visible_at <= now],
        "in_flight": [m for m in on_queue if m.visible_at > now],
        "deleted": list(
            queue.messages.filter(deleted_at__isnull=False).order_by("-deleted_at")[:20]
        ),
        "batches": list(queue.batches.all()[:20]),
        "message_body": json.dumps({"orderId": "o-1", "sku": "BOOK-1", "quantity": 1}),
    }


# -- tasks (run by the task worker; see studyapp/sandbox/tasks.py) -------------------------------


@task()
@domain_errors_logged
def queue_poll_task(queue_id: int) -> None:
    """Poll a simulated SQS queue into its function, then schedule the next poll."""
    queue_poll_run(queue_id=queue_id)
