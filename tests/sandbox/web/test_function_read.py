"""The function a learner's sandbox page and run read (``function_for_user``, in SQL kept once):
the row and its related rows as the ORM's ``select_related`` reads them, and only the samples
and the learner's own active functions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from studyapp.core.errors import NotFound
from studyapp.sandbox.functions import function_copy, function_for_user
from studyapp.sandbox.models import EventTemplate, Function

pytestmark = pytest.mark.django_db

RELATED = ("topic__course", "default_event", "copied_from")


def columns(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def as_the_orm_reads(function: Function) -> Function:
    return Function.objects.select_related(*RELATED).get(pk=function.pk)


def assert_read_as_the_orm_reads(read: Function, expected: Function) -> None:
    assert columns(read) == columns(expected)
    for name in ("topic", "default_event", "copied_from"):
        assert name in read._state.fields_cache  # at hand, no query when used
        theirs, ours = getattr(expected, name), getattr(read, name)
        assert (ours is None) == (theirs is None)
        if theirs is not None:
            assert columns(ours) == columns(theirs)
    if expected.topic is not None:
        assert "course" in read.topic._state.fields_cache
        assert columns(read.topic.course) == columns(expected.topic.course)


def test_a_sample_is_read_with_its_topic_course_and_default_event(samples, learner):
    with_all = Function.objects.samples().filter(topic__isnull=False, default_event__isnull=False)[
        0
    ]
    read = function_for_user(user=learner, sample=with_all.name)
    assert_read_as_the_orm_reads(read, as_the_orm_reads(with_all))
    assert_read_as_the_orm_reads(function_for_user(user=learner, pk=with_all.pk), read)


def test_a_learners_copy_is_read_with_its_original_and_without_a_topic(samples, learner):
    original = Function.objects.samples().filter(topic__isnull=False)[0]
    copy = function_copy(function=original, user=learner)
    Function.objects.filter(pk=copy.pk).update(
        topic=None, default_event=None, environment={"GREETING": 'héllo "quoted" \\ ✓'}
    )
    read = function_for_user(user=learner, pk=copy.pk)
    assert_read_as_the_orm_reads(read, as_the_orm_reads(copy))
    assert read.topic is None and read.default_event is None
    assert read.copied_from.pk == original.pk
    assert read.environment == {"GREETING": 'héllo "quoted" \\ ✓'}


def test_only_samples_and_the_learners_own_active_functions_are_found(
    samples, learner, django_user_model
):
    other = django_user_model.objects.create_user(username="bo", password="correct-horse-42")
    a_sample = Function.objects.samples()[0]
    theirs = function_copy(function=a_sample, user=other)
    mine = function_copy(function=a_sample, user=learner)
    with pytest.raises(NotFound):
        function_for_user(user=learner, pk=theirs.pk)
    with pytest.raises(NotFound):  # a sample's name reaches samples only, never a copy
        function_for_user(user=other, sample=theirs.name)
    assert function_for_user(user=learner, pk=mine.pk).pk == mine.pk
    Function.objects.filter(pk=mine.pk).update(archived_at=timezone.now())
    with pytest.raises(NotFound):
        function_for_user(user=learner, pk=mine.pk)
    Function.objects.filter(pk=a_sample.pk).update(archived_at=timezone.now())
    with pytest.raises(NotFound):
        function_for_user(user=learner, sample=a_sample.name)
    with pytest.raises(NotFound):
        function_for_user(user=learner, sample="no-such-sample")


def test_the_default_event_is_the_templates_row(samples, learner):
    template = EventTemplate.objects.order_by("pk").last()
    a_sample = Function.objects.samples()[0]
    Function.objects.filter(pk=a_sample.pk).update(default_event=template)
    read = function_for_user(user=learner, sample=a_sample.name)
    assert columns(read.default_event) == columns(template)
