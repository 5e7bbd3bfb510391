"""The sandbox's JSON columns keep any text, on SQLite and on PostgreSQL (whose jsonb refuses
NUL and lone surrogates), and give back exactly what was saved."""

from __future__ import annotations

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.core.fields import ESCAPE, json_text_escaped, json_text_unescaped
from studyapp.sandbox.models import Function, Invocation

# Any character, surrogates included, and often the ones the escape is about.
CHARACTERS = st.one_of(
    st.characters(codec=None, categories=None),
    st.sampled_from(["\x00", "\ud800", "\udfff", ESCAPE, "0", "s", "\\"]),
)
TEXT = st.text(CHARACTERS, max_size=12)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)
REFUSED_BY_JSONB = ("\x00", *map(chr, range(0xD800, 0xE000)))


@given(JSON)
def test_escaping_gives_back_what_it_was_given(value):
    assert json_text_unescaped(json_text_escaped(value)) == value


def strings_in(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)


@given(JSON)
def test_what_is_stored_holds_nothing_jsonb_refuses(value):
    stored = "".join(strings_in(json_text_escaped(value)))
    assert not any(character in stored for character in REFUSED_BY_JSONB)


def test_text_without_those_characters_is_stored_as_it_is():
    value = {"message": "hello", "lines": ["a", "b"], "n": 3}
    assert json_text_escaped(value) == value
    assert json_text_escaped("caf\u00e9 \U0001f600") == "caf\u00e9 \U0001f600"


@pytest.fixture
def function(samples):
    return Function.objects.samples().get(name="cold-start-vs-warm")


@pytest.mark.django_db
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=JSON)
def test_an_invocation_keeps_any_event_and_result(function, learner, value):
    invocation = Invocation.objects.create(
        function=function, user=learner, created_at=timezone.now(), event=value
    )
    Invocation.objects.filter(pk=invocation.pk).update(result={"payload": value})
    stored = Invocation.objects.get(pk=invocation.pk)
    assert (stored.event, stored.result) == (value, {"payload": value})
    assert list(Invocation.objects.filter(pk=invocation.pk).values_list("event", flat=True)) == [
        value
    ]


@pytest.mark.django_db
def test_the_escape_written_by_hand_in_text_is_kept_as_text(function, learner):
    """The six characters a backslash and "ue000" spell, and U+E000 itself, are not mistaken
    for the escape on either database."""
    value = {"typed": "\\ue000", "private": ESCAPE + "0", "both": "\\ue000" + ESCAPE + "s00d8"}
    invocation = Invocation.objects.create(
        function=function, user=learner, created_at=timezone.now(), event=value
    )
    assert Invocation.objects.get(pk=invocation.pk).event == value
