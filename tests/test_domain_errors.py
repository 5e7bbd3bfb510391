"""Services raise domain errors; each interface answers them once, in its own language.

Pages answer 404, 403, 409 or 400 (studyapp.core.middleware), the Lambda and SQS APIs their
AWS error shapes (studyapp.sandbox.api), and tasks log and end (studyapp.core.tasks).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from studyapp.core.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound
from studyapp.core.middleware import domain_error_response
from studyapp.core.tasks import domain_errors_logged
from studyapp.sandbox.api.errors import error_response, lambda_error_for
from studyapp.sandbox.api.sqs_api import error_response as sqs_error_response
from studyapp.sandbox.api.sqs_api import sqs_error_for
from studyapp.sandbox.sqs import QueueError, queue_for_user

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_a_service_raises_not_found_for_what_the_user_does_not_own(learner):
    with pytest.raises(NotFound, match="No such queue"):
        queue_for_user(user=learner, name="someone-elses")


@pytest.mark.django_db
def test_a_page_answers_a_services_not_found_with_404(learner_client):
    response = learner_client.get(reverse("quizzes:result", args=[987654]))
    assert response.status_code == 404


def test_pages_answer_not_found_as_django_s_404():
    with pytest.raises(Http404, match="gone"):
        domain_error_response(NotFound("gone"))


def test_pages_answer_not_allowed_as_django_s_403():
    with pytest.raises(PermissionDenied, match="instructors only"):
        domain_error_response(NotAllowed("instructors only"))


@pytest.mark.parametrize(
    ("error", "status"), [(Conflict("time is up"), 409), (Invalid("bad"), 400)]
)
def test_pages_answer_conflict_409_and_invalid_400_with_the_message(error, status):
    response = domain_error_response(error)
    assert (response.status_code, response.content.decode()) == (status, error.message)


@pytest.mark.parametrize(
    ("error", "error_type", "status"),
    [
        (NotFound("no such event"), "ResourceNotFoundException", 404),
        (NotAllowed("not yours"), "AccessDeniedException", 403),
        (Conflict("busy"), "ResourceConflictException", 409),
        (Invalid("too big"), "InvalidParameterValueException", 400),
    ],
)
def test_the_lambda_api_answers_each_domain_error_in_lambda_s_shape(error, error_type, status):
    response = error_response(lambda_error_for(error))
    assert response.status_code == status
    assert response["x-amzn-ErrorType"] == error_type
    assert error.message in json.loads(response.content).values()


def test_the_sqs_api_answers_a_services_invalid_input_as_invalid_parameter_value():
    response = sqs_error_response(sqs_error_for(QueueError("The batch size must be 1-10,000.")))
    assert response.status_code == 400
    body = json.loads(response.content)
    assert body == {
        "__type": "com.amazonaws.sqs#InvalidParameterValue",
        "message": "The batch size must be 1-10,000.",
    }


def test_the_sqs_api_answers_not_found_as_queue_does_not_exist():
    body = json.loads(sqs_error_response(sqs_error_for(NotFound("No such queue."))).content)
    assert body["__type"] == "com.amazonaws.sqs#QueueDoesNotExist"


def test_a_task_logs_a_domain_error_and_ends(caplog):
    @domain_errors_logged
    def task_body(event_id: int) -> None:
        raise NotFound("No such event.")

    with caplog.at_level(logging.WARNING, logger="studyapp.tasks"):
        task_body(event_id=7)
    assert "gave up: NotFound: No such event." in caplog.text


def test_a_task_lets_a_programming_error_through():
    @domain_errors_logged
    def task_body() -> None:
        raise KeyError("bug")

    with pytest.raises(KeyError):
        task_body()


def test_every_domain_error_has_a_message_of_its_own_or_its_kinds():
    assert str(NotFound()) == "Not found."
    assert Invalid("say why").message == "say why"
    assert issubclass(QueueError, Invalid) and issubclass(QueueError, ValueError)
    assert all(issubclass(kind, DomainError) for kind in (NotFound, NotAllowed, Conflict, Invalid))


INTERFACE_MODULES = ("views.py", "middleware.py", "htmx.py", "api_pages.py")


def test_only_views_api_and_middleware_modules_speak_http():
    speaking = sorted(
        str(path.relative_to(ROOT))
        for path in (ROOT / "studyapp").rglob("*.py")
        if ("Http404" in path.read_text() or "HttpRequest" in path.read_text())
        and not path.name.endswith(INTERFACE_MODULES)
        and "api" not in path.relative_to(ROOT / "studyapp").parts
    )
    assert speaking == []
