"""Fixtures of the sandbox's web tests: a real sandbox service (the imported samples are the
shared ``samples`` fixture of tests/plugins/content.py)."""

from __future__ import annotations

from tests.sandbox.service import full_isolation, sandbox_service, sandbox_service_url

__all__ = ["full_isolation", "sandbox_service", "sandbox_service_url"]
