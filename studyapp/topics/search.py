"""Search the course: topics and key terms, ranked, with the matching words highlighted.

One public function, :func:`search`, for both databases:

- SQLite: the FTS5 table ``topics_search_fts`` (migration 0003) mirrors ``SearchEntry`` through
  triggers; hits are ranked by bm25 with a topic's title weighted above its key terms, its
  section and course titles, and its text.
- PostgreSQL: a weighted tsvector over the same columns (A titles, B key terms, C text,
  D section and course titles), stored and generated with a GIN index (topics migration 0004),
  ranked by ts_rank as ``SearchEntry.objects.search()`` ranks, highlighted by ts_headline. One
  SQL statement per number of words, written out as SQLite's is: Django's expressions took
  several times longer to build and compile than PostgreSQL took to run them, and a constant
  text is prepared once per connection. It ranks and limits first, then marks only the hits
  it returns (the tests hold it to what Django's search expressions give).

The index is rebuilt in full at the end of every content import (:func:`search_index_rebuild`,
called by ``studyapp.content``): the course is small, and a full rebuild cannot drift.

User input never reaches the query syntax: it is split into words, and each word is quoted
(FTS5) or passed as a plain lexeme (PostgreSQL). Highlight markers are control characters that
the index never contains; the snippet is HTML-escaped before they become ``<mark>`` tags.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

from django.db import connection
from django.urls import reverse
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from studyapp.markdown import render_markdown
from studyapp.topics.models import KeyTerm, SearchEntry, Topic

START, STOP = "\x02", "\x03"
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
WORD = re.compile(r"\w+", re.UNICODE)
MAX_WORDS = 12
MAX_WORD_LENGTH = 64
SNIPPET_WORDS = 24
# bm25 weights of the FTS5 columns: title, terms, context, body.
BM25_WEIGHTS = (10.0, 4.0, 1.5, 1.0)
# A key term's entry is short, so it would often outrank the topic that holds it (whose page
# it links to anyway); its score is scaled down so that the topic comes first.
TERM_FACTOR = 0.8
POSTGRES_CONFIG = "english"
POSTGRES_REGCONFIG = f"'{POSTGRES_CONFIG}'::regconfig"
# ts_headline's options, as Django's SearchHeadline wrote them.
POSTGRES_TITLE_OPTIONS = f"StartSel='{START}', StopSel='{STOP}', HighlightAll=true"
POSTGRES_SNIPPET_OPTIONS = (
    f"StartSel='{START}', StopSel='{STOP}', MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
)


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "topic" or "term" (SearchEntry.Kind)
    title: str
    title_html: SafeString  # the title with matching words in <mark>
    snippet_html: SafeString  # a piece of the text with matching words in <mark>
    url: str
    topic_title: str
    section_title: str
    course_title: str
    score: float  # larger is better, comparable only within one search

    @property
    def kind_label(self) -> str:
        return SearchEntry.Kind(self.kind).label


def query_words(query: str) -> list[str]:
    """The words of the user's query, lower-cased, at most MAX_WORDS of them."""
    words = [word.lower()[:MAX_WORD_LENGTH] for word in WORD.findall(query or "")]
    return words[:MAX_WORDS]


def highlight_html(text: str) -> SafeString:
    """Escape ``text``, then turn the START/STOP markers into <mark> tags (always balanced)."""
    escaped = escape(text)
    marked = re.sub(f"{START}([^{START}{STOP}]*){STOP}", r"<mark>\1</mark>", escaped)
    return mark_safe(marked.replace(START, "").replace(STOP, ""))  # noqa: S308 - escaped above


def plain_text(markdown_text: str) -> str:
    """Markdown as the words a reader sees: rendered, tags stripped, entities decoded."""
    text = html.unescape(strip_tags(str(render_markdown(markdown_text))))
    return " ".join(CONTROL.sub(" ", text).split())


def _clean(text: str) -> str:
    return " ".join(CONTROL.sub(" ", text).split())


def search_index_rebuild() -> int:
    """Replace every search entry with the active topics and key terms; returns how many."""
    topics = list(Topic.objects.visible().select_related("course", "section", "case"))
    terms_by_topic: dict[int, list[KeyTerm]] = {}
    for term in KeyTerm.objects.active().filter(topic__in=topics).order_by("topic", "position"):
        terms_by_topic.setdefault(term.topic_id, []).append(term)
    entries = []
    for topic in topics:
        context = _clean(f"{topic.section.title} {topic.course.title}")
        terms = terms_by_topic.get(topic.id, [])
        case = getattr(topic, "case", None)
        body = topic.body_md if case is None else f"{case.scenario_md}\n\n{case.solution_md}"
        entries.append(
            SearchEntry(
                kind=SearchEntry.Kind.TOPIC,
                topic=topic,
                title=_clean(topic.title),
                terms=_clean(" · ".join(term.term for term in terms)),
                context=context,
                body=plain_text(body),
            )
        )
        entries.extend(
            SearchEntry(
                kind=SearchEntry.Kind.TERM,
                topic=topic,
                key_term=term,
                terms=_clean(term.term),
                context=_clean(f"{topic.title} {context}"),
                body=plain_text(term.definition_md),
            )
            for term in terms
        )
    SearchEntry.objects.all().delete()
    SearchEntry.objects.bulk_create(entries)
    return len(entries)


def search(query: str, *, limit: int = 20) -> list[SearchHit]:
    """Topics and key terms matching every word of ``query``, best first.

    When no entry has every word, entries with any of them are returned instead. The last
    word also matches as a prefix, so results follow a query as it is typed.
    """
    words = query_words(query)
    if not words or limit <= 0:
        return []
    run = _search_sqlite if connection.vendor == "sqlite" else _search_postgresql
    hits = run(words, limit=limit, every_word=True)
    if not hits and len(words) > 1:
        hits = run(words, limit=limit, every_word=False)
    return hits


def _hit_url(course_slug: str, topic_slug: str, term_slug: str | None) -> str:
    url = reverse("topics:topic", args=[course_slug, topic_slug])
    return f"{url}#term-{term_slug}" if term_slug else url


def _fts_query(words: list[str], *, every_word: bool) -> str:
    quoted = [f'"{word}"' for word in words]  # words are \w+ only: no quote can appear
    quoted[-1] += "*"
    return (" AND " if every_word else " OR ").join(quoted)


SQLITE_SEARCH = f"""
SELECT e.kind, e.title, e.terms, t.slug, t.title, s.title, c.slug, c.title, k.slug,
       highlight(topics_search_fts, 0, %(start)s, %(stop)s),
       highlight(topics_search_fts, 1, %(start)s, %(stop)s),
       snippet(topics_search_fts, 3, %(start)s, %(stop)s, '…', {SNIPPET_WORDS}),
       bm25(topics_search_fts, {", ".join(str(w) for w in BM25_WEIGHTS)})
         * (CASE WHEN e.kind = 'term' THEN {TERM_FACTOR} ELSE 1.0 END) AS score
FROM topics_search_fts
JOIN topics_searchentry e ON e.id = topics_search_fts.rowid
JOIN topics_topic t ON t.id = e.topic_id
JOIN topics_section s ON s.id = t.section_id
JOIN topics_course c ON c.id = t.course_id
LEFT JOIN topics_keyterm k ON k.id = e.key_term_id
WHERE topics_search_fts MATCH %(match)s
  AND t.archived_at IS NULL AND s.archived_at IS NULL AND c.archived_at IS NULL
  AND (e.key_term_id IS NULL OR k.archived_at IS NULL)
ORDER BY score, e.id
LIMIT %(limit)s
"""  # noqa: S608 - only constants are formatted in; user input is a parameter


def _search_sqlite(words: list[str], *, limit: int, every_word: bool) -> list[SearchHit]:
    params = {
        "start": START,
        "stop": STOP,
        "match": _fts_query(words, every_word=every_word),
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(SQLITE_SEARCH, params)
        rows = cursor.fetchall()
    hits = []
    for row in rows:
        kind, title, terms, topic_slug, topic_title, section_title = row[:6]
        course_slug, course_title, term_slug, title_marked, terms_marked, snippet, score = row[6:]
        is_term = kind == SearchEntry.Kind.TERM
        hits.append(
            SearchHit(
                kind=kind,
                title=terms if is_term else title,
                title_html=highlight_html(terms_marked if is_term else title_marked),
                snippet_html=highlight_html(snippet or ""),
                url=_hit_url(course_slug, topic_slug, term_slug if is_term else None),
                topic_title=topic_title,
                section_title=section_title,
                course_title=course_title,
                score=-score,
            )
        )
    return hits


# The PostgreSQL query, one text per number of words and mode (so each is prepared once per
# connection and reused); only constants are formatted in, user input is a parameter. The
# tsquery is the one Django's SearchQuery builds: each word through plainto_tsquery, the last
# one also as a quoted prefix lexeme, all of them AND-ed (or OR-ed). Entries are ranked and
# limited first; ts_headline then marks only the rows returned, and only the title a hit shows
# (a term's own text, or a topic's title) and its snippet.
POSTGRES_SEARCH = """
WITH hits AS (
    SELECT e.id, e.kind, e.title, e.terms, e.body, t.slug AS topic_slug,
           t.title AS topic_title, s.title AS section_title, c.slug AS course_slug,
           c.title AS course_title, k.slug AS term_slug,
           ts_rank(e.document, {tsquery})
             * CASE WHEN e.kind = 'term' THEN %(term_factor)s ELSE 1.0 END AS score
    FROM topics_searchentry e
    JOIN topics_topic t ON t.id = e.topic_id
    JOIN topics_section s ON s.id = t.section_id
    JOIN topics_course c ON c.id = t.course_id
    LEFT JOIN topics_keyterm k ON k.id = e.key_term_id
    WHERE e.document @@ {tsquery}
      AND t.archived_at IS NULL AND s.archived_at IS NULL AND c.archived_at IS NULL
      AND (e.key_term_id IS NULL OR k.archived_at IS NULL)
    ORDER BY score DESC, e.id
    LIMIT %(limit)s
)
SELECT kind, CASE WHEN kind = 'term' THEN terms ELSE title END, topic_slug, topic_title,
       section_title, course_slug, course_title, term_slug,
       ts_headline({config}, CASE WHEN kind = 'term' THEN terms ELSE title END, {tsquery},
                   %(title_options)s),
       ts_headline({config}, body, {tsquery}, %(snippet_options)s),
       score
FROM hits
ORDER BY score DESC, id
"""


def _postgres_tsquery(count: int, *, every_word: bool) -> str:
    """The tsquery of ``count`` words, parameters ``%(word0)s``... and ``%(prefix)s``."""
    plain = [f"plainto_tsquery({POSTGRES_REGCONFIG}, %(word{i})s)" for i in range(count)]
    # The last word also matches as a prefix; quoted as a tsquery lexeme, it cannot be syntax.
    plain[-1] = f"({plain[-1]} || to_tsquery({POSTGRES_REGCONFIG}, %(prefix)s))"
    return "(" + (" && " if every_word else " || ").join(plain) + ")"


@functools.cache
def _postgres_search_sql(count: int, *, every_word: bool) -> str:
    tsquery = _postgres_tsquery(count, every_word=every_word)
    return POSTGRES_SEARCH.format(tsquery=tsquery, config=POSTGRES_REGCONFIG)


def _search_postgresql(words: list[str], *, limit: int, every_word: bool) -> list[SearchHit]:
    params = {f"word{i}": word for i, word in enumerate(words)}
    params |= {
        "prefix": f"'{words[-1]}':*",  # words are \w+ only: no quote can appear
        "term_factor": TERM_FACTOR,
        "limit": limit,
        "title_options": POSTGRES_TITLE_OPTIONS,
        "snippet_options": POSTGRES_SNIPPET_OPTIONS,
    }
    with connection.cursor() as cursor:
        cursor.execute(_postgres_search_sql(len(words), every_word=every_word), params)
        rows = cursor.fetchall()
    hits = []
    for row in rows:
        kind, title, topic_slug, topic_title, section_title, course_slug, course_title = row[:7]
        term_slug, title_marked, snippet, score = row[7:]
        hits.append(
            SearchHit(
                kind=kind,
                title=title,
                title_html=highlight_html(title_marked),
                snippet_html=highlight_html(snippet or ""),
                url=_hit_url(course_slug, topic_slug, term_slug),
                topic_title=topic_title,
                section_title=section_title,
                course_title=course_title,
                score=score,
            )
        )
    return hits
