"""The key that names a topic across apps and URLs: ``course-slug/topic-slug``.

Card files, question files, sample functions and the review and quiz pages' ``?topic=`` all
use it; this module is the only place that builds or splits it.
"""

from __future__ import annotations

from typing import NamedTuple


class TopicKey(NamedTuple):
    course_slug: str
    topic_slug: str

    def __str__(self) -> str:
        return topic_key_build(course_slug=self.course_slug, topic_slug=self.topic_slug)


def topic_key_build(*, course_slug: str, topic_slug: str) -> str:
    return f"{course_slug}/{topic_slug}"


def topic_key_parse(key: str) -> TopicKey | None:
    """Split ``course/topic``; None when either part is missing or there are more parts."""
    course_slug, slash, topic_slug = key.strip().partition("/")
    if not slash or not course_slug or not topic_slug or "/" in topic_slug:
        return None
    return TopicKey(course_slug, topic_slug)
