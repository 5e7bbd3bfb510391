"""SQS's own API over the sandbox's simulated queues: what ``boto3.client("sqs")`` and
``aws sqs`` call with ``endpoint_url=<app>/sqs``.

SQS speaks the AWS JSON 1.0 protocol (botocore's model for SQS says ``"protocol": "json"``; boto3
and the AWS CLI v1, whose bundled botocore has the same model, both use it): every call is
``POST /sqs`` with ``X-Amz-Target: AmazonSQS.<Operation>`` and a JSON body, and the queue is named
by the ``QueueUrl`` in that body. Errors are ``{"__type": "com.amazonaws.sqs#<Error>",
"message": ...}`` with the older query protocol's code in ``x-amzn-query-error``
(``AWS.SimpleQueueService.NonExistentQueue;Sender``), from which botocore raises
``client.exceptions.QueueDoesNotExist`` and friends. The query protocol (form-encoded
``Action=...``, what SDKs sent before 2023) is not spoken.

Sending a message is running code (the queue's function gets it), so an account not verified for
the sandbox is refused SendMessage and SendMessageBatch as IAM refuses a caller without
permission, before the queue is looked at: 403, ``{"__type":
"com.amazon.coral.service#AccessDeniedException", "Message": "User: ... is not authorized to
perform: sqs:sendmessage on resource: <queue ARN> because no identity-based policy allows the
sqs:sendmessage action"}`` and ``x-amzn-query-error: AccessDenied;Sender`` (botocore reports
``AccessDenied``), the message ending with how to get access. Reading queues stays allowed.

A key reaches its owner's queues only: each function the learner can see (their own and the
shipped samples) has ``<function>-queue`` and ``<function>-dlq``, created on first use, and an
asynchronous destination or DLQ naming an SQS ARN has its queue too. Another learner's queue does
not exist, as on AWS. Queue URLs are ``<endpoint>/123456789012/<name>`` (the one account id the
Lambda API uses). Operations: ListQueues, GetQueueUrl, SendMessage, SendMessageBatch,
GetQueueAttributes, ReceiveMessage, DeleteMessage, DeleteMessageBatch. Queues are configured on the
queue page, not through the API. Times run at the learner's study speed, as the poller's do.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from studyapp.accounts.sandbox_access import NO_SANDBOX_ACCESS, sandbox_access_allowed
from studyapp.accounts.sigv4 import SignatureError
from studyapp.core.converters import int64_or_none
from studyapp.core.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from studyapp.engine.account import ACCOUNT_ID, sqs_queue_arn
from studyapp.sandbox import sqs
from studyapp.sandbox.api.auth import BodyTooLarge, api_body_read, api_user_authenticate
from studyapp.sandbox.models import Queue, QueueMessage

CONTENT_TYPE = "application/x-amz-json-1.0"
TARGET_PREFIX = "AmazonSQS."
# A batch is at most 1 MiB of messages; JSON escaping can make the request a few times larger.
BODY_READ_LIMIT = 4 * sqs.MAX_MESSAGE_BYTES + 64 * 1024
MAX_BATCH_ENTRIES = 10
MAX_LIST_RESULTS = 1000
MAX_WAIT_TIME_S = 20
BATCH_ENTRY_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
QUEUE_DEFAULTS = {"DelaySeconds": "0", "MaximumMessageSize": str(sqs.MAX_MESSAGE_BYTES)}
QUEUE_ATTRIBUTES = frozenset(
    {
        "All",
        "Policy",
        "VisibilityTimeout",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ApproximateNumberOfMessages",
        "ApproximateNumberOfMessagesNotVisible",
        "CreatedTimestamp",
        "LastModifiedTimestamp",
        "QueueArn",
        "ApproximateNumberOfMessagesDelayed",
        "DelaySeconds",
        "ReceiveMessageWaitTimeSeconds",
        "RedrivePolicy",
        "FifoQueue",
        "ContentBasedDeduplication",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "DeduplicationScope",
        "FifoThroughputLimit",
        "RedriveAllowPolicy",
        "SqsManagedSseEnabled",
    }
)
MESSAGE_SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "DeadLetterQueueSourceArn",
)

# error -> (HTTP status, the query protocol's code that botocore maps back to the error)
ERRORS: dict[str, tuple[int, str | None]] = {
    "QueueDoesNotExist": (400, "AWS.SimpleQueueService.NonExistentQueue"),
    "InvalidAddress": (400, "InvalidAddress"),
    "InvalidParameterValue": (400, "InvalidParameterValue"),
    "MissingParameter": (400, "MissingParameter"),
    "InvalidMessageContents": (400, "InvalidMessageContents"),
    "InvalidAttributeName": (400, "InvalidAttributeName"),
    "ReceiptHandleIsInvalid": (400, "ReceiptHandleIsInvalid"),
    "EmptyBatchRequest": (400, "AWS.SimpleQueueService.EmptyBatchRequest"),
    "TooManyEntriesInBatchRequest": (400, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
    "BatchEntryIdsNotDistinct": (400, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
    "InvalidBatchEntryId": (400, "AWS.SimpleQueueService.InvalidBatchEntryId"),
    "BatchRequestTooLong": (400, "AWS.SimpleQueueService.BatchRequestTooLong"),
    "UnsupportedOperation": (400, "AWS.SimpleQueueService.UnsupportedOperation"),
    "UnknownOperationException": (400, None),
    "SerializationException": (400, None),
    "RequestEntityTooLarge": (413, None),
    "AccessDenied": (403, "AccessDenied"),
    # Signature Version 4 failures, as the Lambda API answers them
    "InvalidSignatureException": (403, None),
    "IncompleteSignatureException": (403, None),
    "MissingAuthenticationTokenException": (403, None),
    "UnrecognizedClientException": (403, None),
}
# Errors AWS answers before SQS itself sees the call (authorization), in the shape of the
# framework in front of it: its own __type, and the message under "Message".
FRAMEWORK_TYPES = {"AccessDenied": "com.amazon.coral.service#AccessDeniedException"}


class SqsApiError(Exception):
    """An error the API answers in SQS's JSON shape; the message is for the learner."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# How the API answers the services' domain errors (studyapp.core.errors), once for every call.
DOMAIN_ERRORS: tuple[tuple[type[DomainError], str], ...] = (
    (NotFound, "QueueDoesNotExist"),
    (NotAllowed, "InvalidAddress"),
    (Conflict, "InvalidParameterValue"),
    (Invalid, "InvalidParameterValue"),
)


def sqs_error_for(error: DomainError) -> SqsApiError:
    """The SQS API error a service's domain error becomes."""
    code = next(name for kind, name in DOMAIN_ERRORS if isinstance(error, kind))
    return SqsApiError(code, error.message)


def error_response(error: SqsApiError) -> HttpResponse:
    status, query_code = ERRORS.get(error.code, (400, None))
    if error.code in FRAMEWORK_TYPES:
        body = {"__type": FRAMEWORK_TYPES[error.code], "Message": str(error)}
    else:
        body = {"__type": f"com.amazonaws.sqs#{error.code}", "message": str(error)}
    response = _response(body, status=status)
    if query_code:
        response["x-amzn-query-error"] = f"{query_code};{'Sender' if status < 500 else 'Receiver'}"
    return response


def _response(body: dict[str, Any], *, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    response["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


@csrf_exempt
@login_not_required
@require_POST
def sqs_endpoint(request: HttpRequest) -> HttpResponse:
    """Every SQS call: authenticate (SigV4, service ``sqs``), dispatch on X-Amz-Target."""
    try:
        try:
            body = api_body_read(request, limit=BODY_READ_LIMIT)  # a full batch is over 2.5 MB
        except BodyTooLarge:
            raise SqsApiError("RequestEntityTooLarge", "The request is too large.") from None
        user = api_user_authenticate(request, body=body, now=timezone.now(), service="sqs")
        operation = _operation(request)
        params = _json_body(body)
        base_url = request.build_absolute_uri(request.path).rstrip("/")
        result = operation(params, user=user, base_url=base_url, now=timezone.now())
        return _response(result)
    except SignatureError as error:
        return error_response(SqsApiError(error.error_type, str(error)))
    except SqsApiError as error:
        return error_response(error)
    except DomainError as error:
        return error_response(sqs_error_for(error))


def _operation(request: HttpRequest) -> Callable[..., dict[str, Any]]:
    target = request.headers.get("X-Amz-Target", "")
    if not target:
        raise SqsApiError(
            "UnknownOperationException",
            "No X-Amz-Target header: this endpoint speaks SQS's JSON protocol only (what current "
            "botocore and the AWS CLI send); the query protocol (Action=...) is not supported.",
        )
    name = target.removeprefix(TARGET_PREFIX)
    if name == target or not name:
        raise SqsApiError("UnknownOperationException", f"Unknown operation {target}.")
    operation = OPERATIONS.get(name)
    if operation is None:
        raise SqsApiError(
            "UnsupportedOperation",
            f"The sandbox's SQS does not support {name}; it supports "
            f"{', '.join(OPERATIONS)}. Each function has its queues already "
            "(<function>-queue and <function>-dlq); change their settings on the queue page.",
        )
    return operation


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise SqsApiError("SerializationException", f"The request is not JSON: {error}") from None
    if not isinstance(body, dict):
        raise SqsApiError("SerializationException", "The request body must be a JSON object.")
    return body


# -- parameters ---------------------------------------------------------------------------------


def _string(params: dict[str, Any], key: str, *, required: bool = False) -> str | None:
    value = params.get(key)
    if value is None or value == "":
        if required:
            raise SqsApiError("MissingParameter", f"The request must contain the parameter {key}.")
        return None
    if not isinstance(value, str):
        raise SqsApiError("InvalidParameterValue", f"{key} must be a string.")
    return value


def _integer(params: dict[str, Any], key: str, *, low: int, high: int) -> int | None:
    value = params.get(key)
    if value is None:
        return None
    if type(value) is not int or not low <= value <= high:
        raise SqsApiError(
            "InvalidParameterValue",
            f"Value {value!r} for parameter {key} is invalid. Reason: it must be an integer "
            f"between {low} and {high}.",
        )
    return value


def _names(params: dict[str, Any], key: str) -> list[str]:
    value = params.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SqsApiError("InvalidParameterValue", f"{key} must be a list of strings.")
    return value


def queue_url(base_url: str, queue: Queue | str) -> str:
    return f"{base_url}/{ACCOUNT_ID}/{queue}"


def _queue(params: dict[str, Any], *, user, now: datetime) -> Queue:
    """The learner's queue a QueueUrl names; QueueDoesNotExist for anyone else's."""
    url = _string(params, "QueueUrl", required=True)
    parts = urlsplit(url)
    segments = parts.path.rstrip("/").split("/")
    if parts.scheme not in ("http", "https") or len(segments) < 3:
        raise SqsApiError(
            "InvalidAddress",
            f"The address {url} is not valid for this endpoint: use a QueueUrl from GetQueueUrl "
            f"or ListQueues (<endpoint>/{ACCOUNT_ID}/<queue name>).",
        )
    account, name = segments[-2], segments[-1]
    queue = None
    if account == ACCOUNT_ID and QUEUE_NAME.match(name):
        queue = sqs.queue_by_name(user=user, name=name, now=now)
    if queue is None:
        raise SqsApiError("QueueDoesNotExist", "The specified queue does not exist.")
    return queue


# -- operations ---------------------------------------------------------------------------------


def list_queues(params: dict[str, Any], *, user, base_url: str, now: datetime) -> dict[str, Any]:
    """ListQueues: the learner's queues (each visible function's two, even before first use)."""
    prefix = _string(params, "QueueNamePrefix") or ""
    limit = _integer(params, "MaxResults", low=1, high=MAX_LIST_RESULTS)
    token = _string(params, "NextToken")
    start = 0
    if token is not None:
        start = int64_or_none(token)
        if limit is None or start is None or start < 0:
            raise SqsApiError(
                "InvalidParameterValue", "NextToken is only valid with MaxResults, as returned."
            )
    names = [name for name in sqs.queue_names_for(user=user) if name.startswith(prefix)]
    page = names[start : start + (limit or MAX_LIST_RESULTS)]
    result: dict[str, Any] = {"QueueUrls": [queue_url(base_url, name) for name in page]}
    if limit is not None and start + limit < len(names):
        result["NextToken"] = str(start + limit)
    return result


def get_queue_url(params: dict[str, Any], *, user, base_url: str, now: datetime) -> dict[str, Any]:
    name = _string(params, "QueueName", required=True)
    owner = _string(params, "QueueOwnerAWSAccountId")
    queue = None
    if owner in (None, ACCOUNT_ID) and QUEUE_NAME.match(name):
        queue = sqs.queue_by_name(user=user, name=name, now=now)
    if queue is None:
        raise SqsApiError("QueueDoesNotExist", "The specified queue does not exist.")
    return {"QueueUrl": queue_url(base_url, queue)}


def _message_from(entry: dict[str, Any]) -> tuple[str, dict[str, Any], int]:
    """A message's body, attributes (as stored) and delay, checked as SQS checks them."""
    body = _string(entry, "MessageBody", required=True)
    delay = _integer(entry, "DelaySeconds", low=0, high=sqs.MAX_DELAY_S) or 0
    for key in ("MessageGroupId", "MessageDeduplicationId"):
        if entry.get(key):
            raise SqsApiError(
                "InvalidParameterValue",
                f"The request includes {key}, which is only valid for FIFO queues; the sandbox's "
                "queues are standard queues.",
            )
    if entry.get("MessageSystemAttributes"):
        raise SqsApiError(
            "InvalidParameterValue", "The sandbox's queues do not keep MessageSystemAttributes."
        )
    attributes = entry.get("MessageAttributes") or {}
    if not isinstance(attributes, dict):
        raise SqsApiError("InvalidParameterValue", "MessageAttributes must be an object.")
    try:
        stored = sqs.message_check(body=body, attributes=attributes)
    except sqs.MessageContentsError as error:
        raise SqsApiError("InvalidMessageContents", str(error)) from None
    except sqs.QueueError as error:
        raise SqsApiError("InvalidParameterValue", str(error)) from None
    return body, stored, delay


def _sent(message: QueueMessage) -> dict[str, Any]:
    result = {
        "MessageId": str(message.message_id),
        "MD5OfMessageBody": sqs.md5_of_body(message.body),
    }
    if message.attributes:
        result["MD5OfMessageAttributes"] = sqs.md5_of_attributes(message.attributes)
    return result


def access_denied(params: dict[str, Any], *, user, action: str) -> SqsApiError:
    """SQS's answer to a caller whose account may not do ``action`` (403), naming the caller
    and the queue as IAM does (SQS writes the action in lower case); here: an account not
    verified for the sandbox."""
    url = params.get("QueueUrl")
    name = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] if isinstance(url, str) else ""
    resource = sqs_queue_arn(name if QUEUE_NAME.match(name) else "*")
    return SqsApiError(
        "AccessDenied",
        f"User: arn:aws:iam::{ACCOUNT_ID}:user/{user.get_username()} is not authorized to "
        f"perform: sqs:{action} on resource: {resource} because no identity-based policy "
        f"allows the sqs:{action} action. {NO_SANDBOX_ACCESS}",
    )


def _sending_allowed(params: dict[str, Any], *, user) -> None:
    """A message runs the queue's function: only verified accounts send (SendMessageBatch
    needs sqs:SendMessage too, as on AWS). Checked before anything is read or stored."""
    if not sandbox_access_allowed(user):
        raise access_denied(params, user=user, action="sendmessage")


def send_message(params: dict[str, Any], *, user, base_url: str, now: datetime) -> dict[str, Any]:
    _sending_allowed(params, user=user)
    queue = _queue(params, user=user, now=now)
    body, attributes, delay = _message_from(params)
    message = sqs.message_send(
        queue=queue, body=body, attributes=attributes, delay_s=delay, now=now
    )
    return _sent(message)


def send_message_batch(
    params: dict[str, Any], *, user, base_url: str, now: datetime
) -> dict[str, Any]:
    """SendMessageBatch: the whole request is checked first; then each entry succeeds or fails."""
    _sending_allowed(params, user=user)
    queue = _queue(params, user=user, now=now)
    entries = _batch_entries(params)
    total = sum(
        len(str(entry.get("MessageBody") or "").encode())
        + len(json.dumps(entry.get("MessageAttributes") or {}).encode())
        for entry in entries
    )
    if total > sqs.MAX_MESSAGE_BYTES:
        raise SqsApiError(
            "BatchRequestTooLong",
            f"The batch's messages add up to {total} bytes; at most {sqs.MAX_MESSAGE_BYTES}.",
        )
    successful, failed = [], []
    for entry in entries:
        try:
            body, attributes, delay = _message_from(entry)
        except SqsApiError as error:
            failed.append(
                {"Id": entry["Id"], "SenderFault": True, "Code": error.code, "Message": str(error)}
            )
            continue
        message = sqs.message_send(
            queue=queue, body=body, attributes=attributes, delay_s=delay, now=now
        )
        successful.append({"Id": entry["Id"], **_sent(message)})
    return {"Successful": successful, "Failed": failed}


def _batch_entries(params: dict[str, Any]) -> list[dict[str, Any]]:
    entries = params.get("Entries")
    if not entries:
        raise SqsApiError("EmptyBatchRequest", "There should be at least one entry in the request.")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise SqsApiError("InvalidParameterValue", "Entries must be a list of objects.")
    if len(entries) > MAX_BATCH_ENTRIES:
        raise SqsApiError(
            "TooManyEntriesInBatchRequest",
            f"Maximum number of entries per request are {MAX_BATCH_ENTRIES}. "
            f"You have sent {len(entries)}.",
        )
    ids = [entry.get("Id") for entry in entries]
    for entry_id in ids:
        if not isinstance(entry_id, str) or not BATCH_ENTRY_ID.match(entry_id):
            raise SqsApiError(
                "InvalidBatchEntryId",
                f"A batch entry id can only contain alphanumeric characters, hyphens and "
                f"underscores, at most 80: {entry_id!r} is not valid.",
            )
    if len(set(ids)) != len(ids):
        raise SqsApiError("BatchEntryIdsNotDistinct", "Two or more batch entries have the same Id.")
    return entries


def get_queue_attributes(
    params: dict[str, Any], *, user, base_url: str, now: datetime
) -> dict[str, Any]:
    queue = _queue(params, user=user, now=now)
    requested = _names(params, "AttributeNames")
    for name in requested:
        if name not in QUEUE_ATTRIBUTES:
            raise SqsApiError("InvalidAttributeName", f"Unknown Attribute {name}.")
    if not requested:
        return {}
    counts = sqs.queue_counts(queue, now=now)
    created = str(int(queue.created_at.timestamp()))
    values = {
        "QueueArn": sqs.queue_arn(queue),
        "ApproximateNumberOfMessages": str(counts["visible"]),
        "ApproximateNumberOfMessagesNotVisible": str(counts["not_visible"]),
        "ApproximateNumberOfMessagesDelayed": str(counts["delayed"]),
        "CreatedTimestamp": created,
        "LastModifiedTimestamp": created,
        "VisibilityTimeout": str(queue.visibility_timeout_s),
        "ReceiveMessageWaitTimeSeconds": "0",
        **QUEUE_DEFAULTS,
    }
    if queue.dead_letter_queue is not None and queue.max_receive_count is not None:
        values["RedrivePolicy"] = json.dumps(
            {
                "deadLetterTargetArn": sqs.queue_arn(queue.dead_letter_queue),
                "maxReceiveCount": queue.max_receive_count,
            },
            separators=(",", ":"),
        )
    if "All" in requested:
        return {"Attributes": values}
    return {"Attributes": {name: values[name] for name in requested if name in values}}


def receive_message(
    params: dict[str, Any], *, user, base_url: str, now: datetime
) -> dict[str, Any]:
    """ReceiveMessage; WaitTimeSeconds is accepted but the call answers at once (no long poll)."""
    queue = _queue(params, user=user, now=now)
    max_messages = _integer(params, "MaxNumberOfMessages", low=1, high=sqs.MAX_RECEIVE_MESSAGES)
    timeout = _integer(params, "VisibilityTimeout", low=0, high=sqs.MAX_VISIBILITY_TIMEOUT_S)
    _integer(params, "WaitTimeSeconds", low=0, high=MAX_WAIT_TIME_S)
    system = set(_names(params, "MessageSystemAttributeNames")) | set(
        _names(params, "AttributeNames")
    )
    wanted = _names(params, "MessageAttributeNames")
    messages = sqs.messages_receive(
        queue=queue, max_messages=max_messages or 1, visibility_timeout_s=timeout, now=now
    )
    received = [_received(message, system=system, wanted=wanted) for message in messages]
    return {"Messages": received} if received else {}


def _received(message: QueueMessage, *, system: set[str], wanted: list[str]) -> dict[str, Any]:
    item: dict[str, Any] = {
        "MessageId": str(message.message_id),
        "ReceiptHandle": message.receipt_handle,
        "MD5OfBody": sqs.md5_of_body(message.body),
        "Body": message.body,
    }
    values = {
        "SenderId": ACCOUNT_ID,
        "SentTimestamp": str(int(message.sent_at.timestamp() * 1000)),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(
            int((message.first_received_at or message.sent_at).timestamp() * 1000)
        ),
    }
    if message.moved_from:
        values["DeadLetterQueueSourceArn"] = sqs_queue_arn(message.moved_from)
    chosen = values if "All" in system else {k: v for k, v in values.items() if k in system}
    if chosen:
        item["Attributes"] = chosen
    attributes = {
        name: value
        for name, value in (message.attributes or {}).items()
        if isinstance(value, dict) and _attribute_wanted(name, wanted)
    }
    if attributes:
        item["MessageAttributes"] = {
            name: {
                "DataType": value.get("DataType", "String"),
                "StringValue": value.get("StringValue", ""),
            }
            for name, value in attributes.items()
        }
        item["MD5OfMessageAttributes"] = sqs.md5_of_attributes(item["MessageAttributes"])
    return item


def _attribute_wanted(name: str, wanted: list[str]) -> bool:
    for pattern in wanted:
        if pattern in ("All", ".*") or pattern == name:
            return True
        if pattern.endswith(".*") and name.startswith(pattern[:-1]):
            return True
    return False


def delete_message(params: dict[str, Any], *, user, base_url: str, now: datetime) -> dict[str, Any]:
    queue = _queue(params, user=user, now=now)
    handle = _string(params, "ReceiptHandle", required=True)
    try:
        sqs.message_delete(queue=queue, receipt_handle=handle, now=now)
    except sqs.ReceiptHandleError:
        raise SqsApiError(
            "ReceiptHandleIsInvalid",
            f'The input receipt handle "{handle}" is not a valid receipt handle for this '
            "queue: use the one from the message's latest ReceiveMessage.",
        ) from None
    return {}


def delete_message_batch(
    params: dict[str, Any], *, user, base_url: str, now: datetime
) -> dict[str, Any]:
    queue = _queue(params, user=user, now=now)
    successful, failed = [], []
    for entry in _batch_entries(params):
        try:
            handle = _string(entry, "ReceiptHandle", required=True)
            sqs.message_delete(queue=queue, receipt_handle=handle, now=now)
        except SqsApiError as error:
            failed.append(
                {"Id": entry["Id"], "SenderFault": True, "Code": error.code, "Message": str(error)}
            )
        except sqs.ReceiptHandleError:
            failed.append(
                {
                    "Id": entry["Id"],
                    "SenderFault": True,
                    "Code": "ReceiptHandleIsInvalid",
                    "Message": "The receipt handle is not valid for this queue.",
                }
            )
        else:
            successful.append({"Id": entry["Id"]})
    return {"Successful": successful, "Failed": failed}


OPERATIONS: dict[str, Callable[..., dict[str, Any]]] = {
    "ListQueues": list_queues,
    "GetQueueUrl": get_queue_url,
    "SendMessage": send_message,
    "SendMessageBatch": send_message_batch,
    "GetQueueAttributes": get_queue_attributes,
    "ReceiveMessage": receive_message,
    "DeleteMessage": delete_message,
    "DeleteMessageBatch": delete_message_batch,
}
