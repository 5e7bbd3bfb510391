"""boto3's and the AWS CLI's SQS clients drive the sandbox's queues at <app>/sqs."""

from __future__ import annotations

import hashlib
import json
import subprocess
import urllib.error
import urllib.request
from datetime import timedelta

import boto3
import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from studyapp.accounts.access_keys import access_key_create
from studyapp.sandbox.models import Function, QueueMessage
from studyapp.sandbox.sqs import event_source_queue, messages_on, queue_poll, queue_update
from tests.sandbox.api.conftest import NO_RETRIES, aws_cli

pytestmark = pytest.mark.django_db(transaction=True)

ACCOUNT_ID = "123456789012"
GOOD = json.dumps({"orderId": "o-1", "sku": "BOOK-1", "quantity": 2})
BAD = json.dumps({"orderId": "o-2", "sku": "BOOK-2", "quantity": 0})


def sqs_client_for(live_server, key, *, secret: str | None = None):
    return boto3.client(
        "sqs",
        endpoint_url=f"{live_server.url}/sqs",
        region_name="us-east-1",
        aws_access_key_id=key.key.access_key_id,
        aws_secret_access_key=secret or key.secret_access_key,
        config=NO_RETRIES,
    )


@pytest.fixture
def sqs_client(live_server, api_samples, access_key):
    return sqs_client_for(live_server, access_key)


@pytest.fixture
def queue_url(live_server):
    return f"{live_server.url}/sqs/{ACCOUNT_ID}/sqs-partial-batch-queue"


@pytest.fixture
def dlq_url(live_server):
    return f"{live_server.url}/sqs/{ACCOUNT_ID}/sqs-partial-batch-dlq"


def main_queue(learner):
    consumer = Function.objects.samples().get(name="sqs-partial-batch")
    return event_source_queue(user=learner, function=consumer)


def counts(client, url) -> tuple[int, int]:
    attributes = client.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


# -- finding queues -----------------------------------------------------------------------------


def test_list_queues_gives_each_functions_queue_and_dead_letter_queue_as_urls(
    sqs_client, queue_url, dlq_url
):
    urls = sqs_client.list_queues(QueueNamePrefix="sqs-partial")["QueueUrls"]
    assert urls == [dlq_url, queue_url]


def test_list_queues_pages_with_max_results_and_next_token(sqs_client):
    first = sqs_client.list_queues(MaxResults=3)
    assert len(first["QueueUrls"]) == 3
    second = sqs_client.list_queues(MaxResults=3, NextToken=first["NextToken"])
    assert not set(first["QueueUrls"]) & set(second["QueueUrls"])


@pytest.mark.parametrize("token", ["\u00b2", "-3", "3 ", "99999999999999999999", "x"])
def test_a_next_token_list_queues_never_gave_is_refused(sqs_client, token):
    with pytest.raises(ClientError) as raised:
        sqs_client.list_queues(MaxResults=3, NextToken=token)
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error["Error"]["Code"] == "InvalidParameterValue"
    assert error["Error"]["Message"] == "NextToken is only valid with MaxResults, as returned."


def test_get_queue_url_finds_a_functions_queue_by_name(sqs_client, queue_url):
    assert sqs_client.get_queue_url(QueueName="sqs-partial-batch-queue")["QueueUrl"] == queue_url


def test_an_unknown_queue_raises_queue_does_not_exist(sqs_client):
    with pytest.raises(sqs_client.exceptions.QueueDoesNotExist) as raised:
        sqs_client.get_queue_url(QueueName="no-such-queue")
    error = raised.value.response["Error"]
    assert error["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert error["Message"] == "The specified queue does not exist."
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- sending ------------------------------------------------------------------------------------


def test_send_message_returns_the_message_id_and_the_md5_of_the_body(
    sqs_client, queue_url, learner
):
    sent = sqs_client.send_message(
        QueueUrl=queue_url,
        MessageBody=GOOD,
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "order"}},
    )
    assert sent["MD5OfMessageBody"] == hashlib.md5(GOOD.encode()).hexdigest()
    (message,) = messages_on(main_queue(learner))
    assert str(message.message_id) == sent["MessageId"]
    assert message.body == GOOD
    assert message.attributes == {"kind": {"DataType": "String", "StringValue": "order"}}
    assert len(sent["MD5OfMessageAttributes"]) == 32


def test_a_message_sent_with_delay_seconds_counts_as_delayed(sqs_client, queue_url):
    sqs_client.send_message(QueueUrl=queue_url, MessageBody=GOOD, DelaySeconds=900)
    attributes = sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])
    assert attributes["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_message_sqs_would_refuse_is_refused_and_nothing_is_sent(sqs_client, queue_url, learner):
    with pytest.raises(ClientError) as raised:
        sqs_client.send_message(QueueUrl=queue_url, MessageBody="bell \x07")
    assert raised.value.response["Error"]["Code"] == "InvalidMessageContents"
    with pytest.raises(ClientError) as raised:
        sqs_client.send_message(QueueUrl=queue_url, MessageBody=GOOD, DelaySeconds=901)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "DelaySeconds" in raised.value.response["Error"]["Message"]
    assert not QueueMessage.objects.exists()


def test_send_message_batch_reports_each_entry_as_successful_or_failed(
    sqs_client, queue_url, learner
):
    answer = sqs_client.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": "good", "MessageBody": GOOD},
            {"Id": "bad-chars", "MessageBody": "\x00"},
            {"Id": "also-good", "MessageBody": BAD},
        ],
    )
    assert [entry["Id"] for entry in answer["Successful"]] == ["good", "also-good"]
    assert answer["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(GOOD.encode()).hexdigest()
    (failed,) = answer["Failed"]
    assert failed["Id"] == "bad-chars"
    assert failed["Code"] == "InvalidMessageContents"
    assert failed["SenderFault"] is True
    assert [m.body for m in messages_on(main_queue(learner))] == [GOOD, BAD]


def test_a_batch_of_eleven_entries_is_refused_and_sends_nothing(sqs_client, queue_url):
    entries = [{"Id": f"m{n}", "MessageBody": GOOD} for n in range(11)]
    with pytest.raises(sqs_client.exceptions.TooManyEntriesInBatchRequest):
        sqs_client.send_message_batch(QueueUrl=queue_url, Entries=entries)
    assert not QueueMessage.objects.exists()


def test_a_batch_with_two_entries_of_the_same_id_is_refused_and_sends_nothing(
    sqs_client, queue_url
):
    entries = [{"Id": "same", "MessageBody": GOOD}, {"Id": "same", "MessageBody": BAD}]
    with pytest.raises(sqs_client.exceptions.BatchEntryIdsNotDistinct):
        sqs_client.send_message_batch(QueueUrl=queue_url, Entries=entries)
    assert not QueueMessage.objects.exists()


# -- attributes and the poller ------------------------------------------------------------------


def test_queue_attributes_describe_the_queue_and_its_redrive_policy(sqs_client, queue_url):
    attributes = sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["QueueArn"] == f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:sqs-partial-batch-queue"
    assert attributes["VisibilityTimeout"] == "30"
    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": f"arn:aws:sqs:us-east-1:{ACCOUNT_ID}:sqs-partial-batch-dlq",
        "maxReceiveCount": 3,
    }


def test_an_unknown_attribute_name_is_refused(sqs_client, queue_url):
    with pytest.raises(sqs_client.exceptions.InvalidAttributeName):
        sqs_client.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Colour"])


def test_counts_move_when_the_poller_delivers_a_batch(
    sandbox_service, sqs_client, queue_url, learner
):
    sqs_client.send_message_batch(
        QueueUrl=queue_url,
        Entries=[
            {"Id": "good", "MessageBody": GOOD},
            {"Id": "bad", "MessageBody": BAD},
            {"Id": "worse", "MessageBody": BAD},
        ],
    )
    assert counts(sqs_client, queue_url) == (3, 0)
    # an hour from now: the two failed messages stay in flight past the request below
    batch = queue_poll(queue=main_queue(learner), now=timezone.now() + timedelta(hours=1))
    assert batch.outcome == "partial"
    assert counts(sqs_client, queue_url) == (0, 2)


# -- draining the dead-letter queue -------------------------------------------------------------


@pytest.fixture
def redriven(sandbox_service, sqs_client, queue_url, learner):
    """A failing message moved to the dead-letter queue after one receive (maxReceiveCount 1)."""
    queue = main_queue(learner)
    queue_update(
        queue=queue,
        batch_size=10,
        batching_window_s=0,
        visibility_timeout_s=0,  # back at once, so the next poll can redrive it
        max_receive_count=1,
        report_batch_item_failures=True,
    )
    sent = sqs_client.send_message(QueueUrl=queue_url, MessageBody=BAD)
    assert queue_poll(queue=queue, now=timezone.now()).outcome == "failed"
    assert queue_poll(queue=queue, now=timezone.now()).outcome == "redriven"
    return sent["MessageId"]


def test_the_dead_letter_queue_hands_out_a_redriven_message_with_its_source(
    redriven, sqs_client, queue_url, dlq_url
):
    answer = sqs_client.receive_message(
        QueueUrl=dlq_url,
        MaxNumberOfMessages=10,
        VisibilityTimeout=600,
        MessageSystemAttributeNames=["All"],
    )
    (message,) = answer["Messages"]
    assert message["MessageId"] == redriven
    assert message["Body"] == BAD
    assert message["MD5OfBody"] == hashlib.md5(BAD.encode()).hexdigest()
    assert message["Attributes"]["ApproximateReceiveCount"] == "2"
    assert message["Attributes"]["DeadLetterQueueSourceArn"].endswith(":sqs-partial-batch-queue")
    assert counts(sqs_client, queue_url) == (0, 0)


def test_a_received_message_stays_hidden_for_its_visibility_timeout(redriven, sqs_client, dlq_url):
    sqs_client.receive_message(QueueUrl=dlq_url, VisibilityTimeout=600)
    assert "Messages" not in sqs_client.receive_message(QueueUrl=dlq_url)
    assert counts(sqs_client, dlq_url) == (0, 1)


def test_a_message_received_with_visibility_timeout_zero_comes_back_at_once(
    redriven, sqs_client, dlq_url
):
    first = sqs_client.receive_message(QueueUrl=dlq_url, VisibilityTimeout=0)["Messages"][0]
    again = sqs_client.receive_message(QueueUrl=dlq_url)["Messages"][0]
    assert again["MessageId"] == first["MessageId"]
    assert again["ReceiptHandle"] != first["ReceiptHandle"]


def test_delete_message_with_the_receipt_handle_drains_the_dead_letter_queue(
    redriven, sqs_client, dlq_url
):
    (message,) = sqs_client.receive_message(QueueUrl=dlq_url, VisibilityTimeout=600)["Messages"]
    sqs_client.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])
    assert counts(sqs_client, dlq_url) == (0, 0)
    assert QueueMessage.objects.get(message_id=redriven).deleted_at is not None


def test_delete_message_batch_deletes_each_entry_by_its_receipt_handle(
    redriven, sqs_client, dlq_url
):
    (message,) = sqs_client.receive_message(QueueUrl=dlq_url, VisibilityTimeout=600)["Messages"]
    answer = sqs_client.delete_message_batch(
        QueueUrl=dlq_url,
        Entries=[
            {"Id": "real", "ReceiptHandle": message["ReceiptHandle"]},
            {"Id": "made-up", "ReceiptHandle": "not-a-handle"},
        ],
    )
    assert answer["Successful"] == [{"Id": "real"}]
    assert answer["Failed"][0]["Code"] == "ReceiptHandleIsInvalid"
    assert counts(sqs_client, dlq_url) == (0, 0)


def test_an_unknown_receipt_handle_is_refused_and_deletes_nothing(redriven, sqs_client, dlq_url):
    with pytest.raises(sqs_client.exceptions.ReceiptHandleIsInvalid):
        sqs_client.delete_message(QueueUrl=dlq_url, ReceiptHandle="not-a-handle")
    assert counts(sqs_client, dlq_url) == (1, 0)


# -- owners, signatures, what is not supported --------------------------------------------------


def test_another_learners_queue_does_not_exist(
    live_server, sqs_client, access_key, django_user_model
):
    other = django_user_model.objects.create_user(
        username="other", password="correct-horse-42", sandbox_verified=True
    )
    sample = Function.objects.samples().get(name="sqs-partial-batch")
    theirs = Function.objects.create(
        owner=other, name="others-consumer", title="Theirs", handler=sample.handler, code={}
    )
    their_queue = event_source_queue(user=other, function=theirs)
    their_url = f"{live_server.url}/sqs/{ACCOUNT_ID}/others-consumer-queue"
    with pytest.raises(sqs_client.exceptions.QueueDoesNotExist):
        sqs_client.get_queue_url(QueueName="others-consumer-queue")
    with pytest.raises(sqs_client.exceptions.QueueDoesNotExist):
        sqs_client.send_message(QueueUrl=their_url, MessageBody=GOOD)
    with pytest.raises(sqs_client.exceptions.QueueDoesNotExist):
        sqs_client.receive_message(QueueUrl=their_url)
    assert their_url not in sqs_client.list_queues()["QueueUrls"]
    assert not messages_on(their_queue).exists()
    # ...while its owner reaches it with their own key
    owner_client = sqs_client_for(live_server, access_key_create(user=other, now=timezone.now()))
    owner_client.send_message(QueueUrl=their_url, MessageBody=GOOD)
    assert messages_on(their_queue).count() == 1


def test_each_learner_has_their_own_queue_for_a_sample(
    live_server, sqs_client, queue_url, django_user_model
):
    other = django_user_model.objects.create_user(username="other", password="correct-horse-42")
    owner_client = sqs_client_for(live_server, access_key_create(user=other, now=timezone.now()))
    sqs_client.send_message(QueueUrl=queue_url, MessageBody=GOOD)
    assert counts(sqs_client, queue_url) == (1, 0)
    assert counts(owner_client, queue_url) == (0, 0)


def test_a_wrong_secret_is_refused_with_403_and_nothing_is_sent(
    live_server, api_samples, access_key, queue_url
):
    client = sqs_client_for(live_server, access_key, secret="not-the-secret-" * 3)
    with pytest.raises(ClientError) as raised:
        client.send_message(QueueUrl=queue_url, MessageBody=GOOD)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert raised.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert not QueueMessage.objects.exists()


def test_an_unsigned_request_is_refused(live_server, api_samples):
    request = urllib.request.Request(
        f"{live_server.url}/sqs",
        data=b'{"QueueName": "sqs-partial-batch-queue"}',
        headers={
            "X-Amz-Target": "AmazonSQS.GetQueueUrl",
            "Content-Type": "application/x-amz-json-1.0",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 403
    body = json.loads(raised.value.read())
    assert body["__type"].endswith("#MissingAuthenticationTokenException")


def test_a_request_signed_for_another_service_is_refused(live_server, api_samples, access_key):
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    signed = AWSRequest(
        method="POST",
        url=f"{live_server.url}/sqs",
        data=b"{}",
        headers={
            "X-Amz-Target": "AmazonSQS.ListQueues",
            "Content-Type": "application/x-amz-json-1.0",
        },
    )
    credentials = Credentials(access_key.key.access_key_id, access_key.secret_access_key)
    SigV4Auth(credentials, "lambda", "us-east-1").add_auth(signed)
    request = urllib.request.Request(
        signed.url, data=signed.body, headers=dict(signed.headers), method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request)
    assert raised.value.code == 403
    assert "scoped to correct service: 'sqs'" in json.loads(raised.value.read())["message"]


def test_an_operation_the_sandbox_does_not_have_names_the_ones_it_has(sqs_client):
    with pytest.raises(sqs_client.exceptions.UnsupportedOperation) as raised:
        sqs_client.create_queue(QueueName="mine")
    assert "SendMessage" in raised.value.response["Error"]["Message"]


# -- the AWS CLI --------------------------------------------------------------------------------


def aws_sqs(live_server, access_key, tmp_path, *args: str) -> subprocess.CompletedProcess:
    """`aws sqs ...` against the live server's SQS endpoint, signed with the learner's key."""
    return aws_cli(
        "sqs", *args, endpoint_url=f"{live_server.url}/sqs", key=access_key, home=tmp_path
    )


def test_aws_sqs_send_message_puts_the_message_on_the_queue(
    live_server, api_samples, access_key, queue_url, learner, tmp_path
):
    done = aws_sqs(
        live_server,
        access_key,
        tmp_path,
        "send-message",
        "--queue-url",
        queue_url,
        "--message-body",
        GOOD,
    )
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["MD5OfMessageBody"] == hashlib.md5(GOOD.encode()).hexdigest()
    (message,) = messages_on(main_queue(learner))
    assert str(message.message_id) == answer["MessageId"]


def test_aws_sqs_get_queue_url_of_an_unknown_queue_fails_with_the_error(
    live_server, api_samples, access_key, tmp_path
):
    done = aws_sqs(live_server, access_key, tmp_path, "get-queue-url", "--queue-name", "nope")
    assert done.returncode != 0
    assert "AWS.SimpleQueueService.NonExistentQueue" in done.stderr
