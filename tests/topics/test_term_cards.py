"""Cards from key terms: thin terms ask in context, a term defined twice is one card, and the
course and topic show once beside the card, not again inside its front."""

from __future__ import annotations

import pytest

from studyapp.cards.models import Card, Note
from studyapp.topics.models import KeyTerm

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(samples):
    return samples


def test_a_thin_one_word_term_is_asked_in_its_topics_context(imported):
    processing = Note.objects.get(key="aws-lambda/s3-integration/processing")
    assert processing.front_md == "In S3 Integration, what does **Processing** cover?"
    reusability = Note.objects.get(key="aws-lambda/lambda-layers/reusability")
    assert reusability.front_md == "In Lambda Layers, what does **Reusability** cover?"


def test_a_term_that_names_a_thing_is_asked_directly(imported):
    assert Note.objects.get(key="aws-lambda/lambda-functions/handler").front_md == (
        "What is **Handler**?"
    )


def test_a_term_defined_in_two_topics_is_one_card_with_both_definitions(imported):
    notes = Note.objects.active().filter(key_term__slug="execution-role")
    (note,) = notes
    assert note.key == "aws-lambda/execution-environment/execution-role"
    assert note.back_md == (
        "**In Execution Environment:** The IAM role that grants the Lambda function permission "
        "to access AWS services and resources.\n\n"
        "**In IAM Roles and Policies:** The IAM role that Lambda assumes to execute the "
        "function and interact with other AWS services."
    )
    assert Card.objects.filter(note__key_term__slug="execution-role").count() == 1


def test_both_topics_keep_the_term_in_their_key_terms(imported):
    topics = KeyTerm.objects.filter(slug="execution-role").values_list("topic__slug", flat=True)
    assert sorted(topics) == ["execution-environment", "iam-roles-and-policies"]


def test_the_review_page_shows_course_and_topic_once(imported, learner_client):
    page = learner_client.get("/review/?topic=aws-lambda/concurrency-and-scaling")
    assert page.status_code == 200
    assert page.text.count("Concurrency and Scaling") >= 1
    assert "AWS Lambda › Configuration and Management › Concurrency and Scaling" not in page.text


def test_a_term_nested_under_another_is_a_card_asked_in_the_context_of_the_term_above(imported):
    services = Note.objects.get(key="aws-lambda/event-sources/aws-services")
    assert services.front_md == "In Event-Driven Architecture, what does **AWS Services** cover?"
    assert services.back_md.startswith(
        "S3, DynamoDB, Kinesis, SNS, SQS, CloudWatch Events, API Gateway, etc."
    )
    custom = Note.objects.get(key="aws-lambda/event-sources/custom-applications")
    assert custom.front_md == (
        "In Event-Driven Architecture, what does **Custom Applications** cover?"
    )
    assert custom.back_md == (
        "HTTP requests, notifications from a mobile app, or direct invocation via AWS SDKs."
    )


def test_the_card_of_the_term_above_still_lists_the_nested_terms(imported):
    parent = Note.objects.get(key="aws-lambda/event-sources/event-driven-architecture")
    assert parent.front_md == "What is **Event-Driven Architecture**?"
    assert parent.back_md.startswith(
        "AWS Lambda executes code in response to triggers from various event sources.\n\n"
        "* **AWS Services**: S3, DynamoDB, Kinesis, SNS, SQS, CloudWatch Events, API Gateway, "
        "etc.\n"
        "* **Custom Applications**: HTTP requests, notifications from a mobile app, or direct "
        "invocation via AWS SDKs."
    )


def test_the_shipped_notes_give_42_term_cards(imported):
    # 43 key terms: 41 of the topics' own lists and 2 nested under Event-Driven Architecture;
    # Execution Role is defined twice and is one card.
    notes = Note.objects.active().filter(topic__course__slug="aws-lambda", source="notes")
    assert notes.count() == 42
    assert Card.objects.filter(note__in=notes).count() == 42
