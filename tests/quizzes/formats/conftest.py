"""Helpers shared by the format tests: fixture files and comparing questions without lines."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from studyapp.quizzes.formats.model import QuestionData

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_text() -> Callable[[str], str]:
    """Read a fixture file from ``data/``."""
    return lambda name: (DATA / name).read_text(encoding="utf-8")


@pytest.fixture
def without_lines() -> Callable[[list[QuestionData]], list[QuestionData]]:
    """Questions with their source line cleared, for comparing what two files carry."""
    return lambda questions: [dataclasses.replace(q, line=0) for q in questions]
