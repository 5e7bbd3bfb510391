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
