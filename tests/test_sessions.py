"""The session store: Django's database sessions, read by SQL kept once (core/sessions.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from studyapp.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_djangos_store_wrote_is_read_as_it_was_written():
    written = db.SessionStore()
    written["_auth_user_id"], written["cart"] = "7", [1, 2]
    written.save()
    read = SessionStore(written.session_key)
    assert dict(read.items()) == {"_auth_user_id": "7", "cart": [1, 2]}
    assert read.session_key == written.session_key


def test_a_session_this_store_wrote_is_read_by_djangos():
    written = SessionStore()
    written["step"] = 3
    written.save()
    assert db.SessionStore(written.session_key)["step"] == 3


def test_a_session_is_read_with_one_query():
    written = SessionStore()
    written["step"] = 3
    written.save()
    with CaptureQueriesContext(connection) as captured:
        assert SessionStore(written.session_key)["step"] == 3
    assert len(captured) == 1


def test_an_expired_session_reads_empty_and_is_never_saved_over():
    written = SessionStore()
    written["step"] = 3
    written.save()
    Session.objects.filter(session_key=written.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    read = SessionStore(written.session_key)
    assert dict(read.items()) == {} and read.session_key is None
    read["step"] = 4
    read.save()  # a new key: the expired row is not written to
    assert read.session_key != written.session_key


def test_an_unknown_key_reads_empty():
    read = SessionStore("a" * 32)
    assert dict(read.items()) == {} and read.session_key is None


def test_a_session_whose_data_was_tampered_with_reads_empty():
    written = SessionStore()
    written["role"] = "learner"
    written.save()
    Session.objects.filter(session_key=written.session_key).update(session_data="forged:data")
    assert dict(SessionStore(written.session_key).items()) == {}
