"""SQS's API refuses SendMessage and SendMessageBatch from an account not verified for the
sandbox (a message runs the queue's function), as SQS refuses a caller IAM does not allow: 403,
AccessDenied, the message naming the caller, the queue and how to get access; nothing is stored.
A verified account (by an administrator or by joining a cohort) sends as before; reading queues
stays open to everyone; messages queued before an account lost access are not run."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError
from django.urls import reverse
from django.utils import timezone

from studyapp.accounts.access_keys import access_key_create
from studyapp.accounts.sandbox_access import NO_SANDBOX_ACCESS
from studyapp.sandbox.models import Invocation, Queue, QueueMessage
from studyapp.sandbox.sqs import messages_on, queue_poll
from tests.factories import cohort_make
from tests.sandbox.api.test_sqs_api import ACCOUNT_ID, GOOD, main_queue, sqs_client_for

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "sqs-partial-batch-queue"
DENIED = (
    "User: arn:aws:iam::123456789012:user/newcomer is not authorized to perform: "
    "sqs:sendmessage on resource: arn:aws:sqs:us-east-1:123456789012:sqs-partial-batch-queue "
    "because no identity-based policy allows the sqs:sendmessage action. "
)


@pytest.fixture
def newcomer(django_user_model):
    return django_user_model.objects.create_user(username="newcomer", password="x-correct-horse")


@pytest.fixture
def newcomer_sqs(live_server, api_samples, newcomer):
    return sqs_client_for(live_server, access_key_create(user=newcomer, now=timezone.now()))


@pytest.fixture
def queue_url(live_server):
    return f"{live_server.url}/sqs/{ACCOUNT_ID}/{QUEUE}"


def assert_access_denied(raised: pytest.ExceptionInfo[ClientError]) -> None:
    response = raised.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    error = response["Error"]
    # SQS's JSON answer: the framework's AccessDeniedException, the query code AccessDenied.
    assert (error["Code"], error["QueryErrorCode"], error["Type"]) == (
        "AccessDenied",
        "AccessDeniedException",
        "Sender",
    )
    assert error["Message"] == DENIED + NO_SANDBOX_ACCESS


def test_send_message_by_an_account_not_verified_is_access_denied(newcomer_sqs, queue_url):
    with pytest.raises(ClientError) as raised:
        newcomer_sqs.send_message(QueueUrl=queue_url, MessageBody=GOOD)
    assert_access_denied(raised)
    assert not QueueMessage.objects.exists() and not Queue.objects.exists()


def test_send_message_batch_by_an_account_not_verified_is_access_denied(newcomer_sqs, queue_url):
    entries = [{"Id": f"m{n}", "MessageBody": GOOD} for n in range(3)]
    with pytest.raises(ClientError) as raised:
        newcomer_sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
    assert_access_denied(raised)
    assert not QueueMessage.objects.exists() and not Queue.objects.exists()


def test_reading_queues_is_still_allowed(newcomer_sqs, queue_url):
    assert queue_url in newcomer_sqs.list_queues(QueueNamePrefix="sqs-partial")["QueueUrls"]
    assert newcomer_sqs.get_queue_url(QueueName=QUEUE)["QueueUrl"] == queue_url
    assert "Messages" not in newcomer_sqs.receive_message(QueueUrl=queue_url)


@pytest.mark.parametrize("verified_by", ["an administrator", "joining a cohort"])
def test_a_verified_account_sends(
    live_server, api_samples, newcomer, instructor, queue_url, verified_by
):
    if verified_by == "an administrator":
        newcomer.sandbox_verified = True
        newcomer.save()
    else:
        cohort_make(instructor=instructor, learners=[newcomer], now=timezone.now())
    client = sqs_client_for(live_server, access_key_create(user=newcomer, now=timezone.now()))
    sent = client.send_message(QueueUrl=queue_url, MessageBody=GOOD)
    entries = [{"Id": "m1", "MessageBody": GOOD}]
    batch = client.send_message_batch(QueueUrl=queue_url, Entries=entries)
    assert batch["Successful"][0]["Id"] == "m1" and not batch.get("Failed")
    stored = QueueMessage.objects.filter(queue__owner=newcomer, queue__name=QUEUE)
    assert sent["MessageId"] in {str(m.message_id) for m in stored}
    assert stored.count() == 2


def test_the_queue_page_refuses_to_send_too(client, api_samples, newcomer):
    client.force_login(newcomer)
    url = reverse("lambda_pages:queue_send", args=["sqs-partial-batch"])
    response = client.post(url, {"body": '{"orderId": "o-typed"}', "count": "2"})
    assert response.status_code == 403
    html = response.content.decode()
    assert NO_SANDBOX_ACCESS.replace("'", "&#x27;") + " Nothing was sent." in html
    assert "o-typed" in html
    assert not QueueMessage.objects.exists()


def test_messages_queued_before_an_account_lost_access_are_not_run(
    live_server, api_samples, learner, queue_url
):
    client = sqs_client_for(live_server, access_key_create(user=learner, now=timezone.now()))
    client.send_message(QueueUrl=queue_url, MessageBody=GOOD)
    learner.sandbox_verified = False  # an administrator took the verification back
    learner.save()
    queue = main_queue(learner)
    batch = queue_poll(queue=queue, now=timezone.now() + timedelta(minutes=1))
    assert batch.outcome == "throttled"
    assert messages_on(queue).count() == 1  # kept, as a throttled batch's messages are
    (throttled,) = Invocation.objects.filter(user=learner)  # recorded, never run
    assert throttled.status == Invocation.Status.THROTTLED
    assert throttled.message == NO_SANDBOX_ACCESS
