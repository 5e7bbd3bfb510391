"""Fixtures of the sandbox's web tests: a real sandbox service, the imported samples."""

from __future__ import annotations

import pytest

from tests.sandbox.service import full_isolation, sandbox_service, sandbox_service_url

__all__ = ["full_isolation", "sandbox_service", "sandbox_service_url"]


@pytest.fixture
def samples(db, settings):
    """The shipped content (notes, samples, events) imported into the test database."""
    from studyapp.content.importing import content_import

    return content_import(settings.CONTENT_DIR)
