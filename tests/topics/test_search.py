"""Search: ranked hits over topics and key terms, safe highlighting, any input, both databases."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Case, F, FloatField, Q, Value, When
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studyapp.core.archiving import active_q
from studyapp.topics.models import KeyTerm, SearchEntry, topic_visible_q
from studyapp.topics.search import (
    POSTGRES_CONFIG,
    SNIPPET_WORDS,
    START,
    STOP,
    TERM_FACTOR,
    SearchHit,
    highlight_html,
    query_words,
    search,
    search_index_rebuild,
)

pytestmark = pytest.mark.django_db


def test_provisioned_concurrency_finds_the_concurrency_and_scaling_topic_first(lambda_course):
    hits = search("provisioned concurrency")
    assert hits[0].kind == "topic"
    assert hits[0].title == "Concurrency and Scaling"
    assert hits[0].url == reverse("topics:topic", args=["aws-lambda", "concurrency-and-scaling"])


def test_a_key_term_hit_links_to_the_term_on_its_topic_page(lambda_course):
    [term_hit] = [hit for hit in search("provisioned concurrency") if hit.kind == "term"][:1]
    assert term_hit.title == "Provisioned Concurrency"
    assert term_hit.url.endswith("/concurrency-and-scaling/#term-provisioned-concurrency")


def test_hits_come_best_first(lambda_course):
    scores = [hit.score for hit in search("memory cpu")]
    assert scores == sorted(scores, reverse=True)
    assert len(scores) >= 2


def test_the_matching_words_are_marked_in_the_title_and_snippet(lambda_course):
    hit = search("provisioned concurrency")[0]
    assert "<mark>Concurrency</mark>" in hit.title_html
    assert "<mark>Provisioned</mark>" in hit.snippet_html


def test_stemming_finds_other_forms_of_a_word(lambda_course):
    assert any(hit.title == "Memory and Timeout" for hit in search("timeouts"))


def test_a_word_being_typed_matches_as_a_prefix(lambda_course):
    assert search("provisioned concurr")[0].title == "Concurrency and Scaling"


def test_when_no_entry_has_every_word_any_word_counts(lambda_course):
    hits = search("kinesis xyzzyplugh")
    assert hits and hits[0].title == "Kinesis"


@pytest.mark.parametrize(
    "query",
    ['"', "*", "OR", "AND", "NOT", "NEAR(", "NEAR(a b", "a:b", "title:lambda", "(", ")", "^",
     "'", "''", "\\", "-", "+", "~", "---", "\x00", "lambda\x02", "   ", "", "🙂",
     "'; DROP TABLE x; --"],
)  # fmt: skip
def test_no_input_breaks_the_query(lambda_course, query):
    hits = search(query)
    assert isinstance(hits, list)


def test_an_empty_query_finds_nothing(lambda_course):
    assert search("") == []
    assert search('  * " ( ') == []


def test_the_limit_caps_the_hits(lambda_course):
    assert len(search("lambda", limit=5)) == 5


def test_a_search_is_one_query(lambda_course, django_assert_num_queries):
    with django_assert_num_queries(1):
        search("provisioned concurrency")


def test_a_search_that_falls_back_to_any_word_is_two_queries(
    lambda_course, django_assert_num_queries
):
    with django_assert_num_queries(2):
        search("kinesis xyzzyplugh")


# What each database showed for these queries when its search was written: titles with their
# marks, links in rank order, and the best hit's snippet (FTS5 and PostgreSQL cut snippets
# differently). Making search faster must not change them.
SHOWN = {
    "sqlite": {
        "provisioned concurrency": (
            [
                ("<mark>Concurrency</mark> and Scaling", "concurrency-and-scaling/"),
                (
                    "<mark>Provisioned</mark> <mark>Concurrency</mark>",
                    "concurrency-and-scaling/#term-provisioned-concurrency",
                ),
                ("Cold Start Management", "performance-optimization/#term-cold-start-management"),
                ("Performance Optimization", "performance-optimization/"),
            ],
            "…<mark>Provisioned</mark> <mark>Concurrency</mark>: Ensures that a specific number "
            "of instances of your function are initialized and ready to respond instantly. "
            "Reserved <mark>Concurrency</mark>: Limits the maximum…",
        ),
        "dlq": (
            [
                ("Error Handling and Retries", "error-handling-and-retries/"),
                (
                    "Dead Letter Queue (<mark>DLQ</mark>)",
                    "error-handling-and-retries/#term-dead-letter-queue-dlq",
                ),
                ("Data Processing Pipeline", "data-processing-pipeline/"),
            ],
            "…Dead Letter Queue (<mark>DLQ</mark>): Configurable option to send failed "
            "execution records to SQS or SNS for further analysis. Error Handling: You can "
            "handle errors…",
        ),
    },
    "postgresql": {
        "provisioned concurrency": (
            [
                ("<mark>Concurrency</mark> and Scaling", "concurrency-and-scaling/"),
                (
                    "<mark>Provisioned</mark> <mark>Concurrency</mark>",
                    "concurrency-and-scaling/#term-provisioned-concurrency",
                ),
                ("Performance Optimization", "performance-optimization/"),
                ("Cold Start Management", "performance-optimization/#term-cold-start-management"),
            ],
            "<mark>Concurrency</mark>: Lambda automatically scales your function in response "
            "to the incoming request rate. <mark>Provisioned</mark>",
        ),
        "dlq": (
            [
                ("Error Handling and Retries", "error-handling-and-retries/"),
                (
                    "Dead Letter Queue (<mark>DLQ</mark>)",
                    "error-handling-and-retries/#term-dead-letter-queue-dlq",
                ),
                ("Data Processing Pipeline", "data-processing-pipeline/"),
            ],
            "<mark>DLQ</mark>): Configurable option to send failed execution records to SQS "
            "or SNS for further",
        ),
    },
}


@pytest.mark.parametrize("query", ["provisioned concurrency", "dlq"])
def test_hits_are_ranked_and_marked_as_they_always_were(lambda_course, query):
    titles_and_links, best_snippet = SHOWN[connection.vendor][query]
    hits = search(query)
    course_url = reverse("topics:course", args=["aws-lambda"])
    assert [(hit.title_html, hit.url.removeprefix(course_url)) for hit in hits] == titles_and_links
    assert hits[0].snippet_html == best_snippet


def test_highlighting_escapes_the_text_around_the_markers():
    html = highlight_html('<script>alert("x")</script> \x02<b>word</b>\x03 \x02dangling')
    assert html == (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; "
        "<mark>&lt;b&gt;word&lt;/b&gt;</mark> dangling"
    )


def test_html_in_the_notes_comes_back_escaped_in_snippets(lambda_course):
    term = KeyTerm.objects.get(topic__slug="kinesis", slug="real-time-processing")
    term.definition_md = "Watch for `<script>alert(1)</script>` in streams."
    term.save()
    search_index_rebuild()
    [hit] = [hit for hit in search("watch streams") if hit.title == "Real-Time Processing"]
    assert "<mark>Watch</mark>" in hit.snippet_html
    assert "<" not in re.sub(r"</?mark>", "", hit.snippet_html)  # only our own tags
    if connection.vendor == "sqlite":  # PostgreSQL's ts_headline leaves tags out instead
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in hit.snippet_html


def test_archived_topics_and_their_terms_never_appear(lambda_course, concurrency):
    concurrency.archived_at = timezone.now()
    concurrency.save()
    titles = [hit.title for hit in search("provisioned concurrency")]
    assert "Concurrency and Scaling" not in titles
    assert "Provisioned Concurrency" not in titles
    assert titles  # Performance Optimization still mentions it


def test_an_import_rebuilds_the_index_in_full(lambda_course):
    topics = lambda_course.topics.active().count()
    terms = KeyTerm.objects.active().filter(topic__course=lambda_course).count()
    assert SearchEntry.objects.count() == topics + terms


def test_the_sqlite_index_follows_the_entries(lambda_course):
    if connection.vendor != "sqlite":
        pytest.skip("the FTS5 table exists on SQLite only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM topics_search_fts WHERE topics_search_fts MATCH 'kinesis'"
        )
        before = cursor.fetchone()[0]
        SearchEntry.objects.filter(topic__slug="kinesis").delete()
        cursor.execute(
            "SELECT count(*) FROM topics_search_fts WHERE topics_search_fts MATCH 'kinesis'"
        )
        after = cursor.fetchone()[0]
    assert before > after


def test_the_search_page_shows_ranked_results(learner_client, lambda_course):
    response = learner_client.get(reverse("topics:search"), {"q": "provisioned concurrency"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<!doctype html>" in html
    first = html.split('<li class="search-hit">', 2)[1]
    assert "/topics/aws-lambda/concurrency-and-scaling/" in first


def test_live_search_through_htmx_returns_only_the_results(learner_client, lambda_course):
    response = learner_client.get(
        reverse("topics:search"), {"q": "dlq"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<!doctype" not in html.lower()
    assert '<li class="search-hit">' in html
    assert "HX-Request" in response["Vary"]


def test_the_search_page_escapes_the_query(learner_client, lambda_course):
    html = learner_client.get(
        reverse("topics:search"), {"q": "<script>x</script>"}
    ).content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_the_search_input_searches_as_you_type(learner_client, lambda_course):
    html = learner_client.get(reverse("topics:search")).content.decode()
    assert 'hx-trigger="input changed delay:300ms, search"' in html


def test_search_needs_a_login(client, lambda_course):
    response = client.get(reverse("topics:search"), {"q": "lambda"})
    assert response.status_code == 302


def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the stored tsvector column exists on PostgreSQL only")


def test_the_postgresql_document_is_a_stored_generated_column_with_a_gin_index(lambda_course):
    postgresql_only()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type, is_generated FROM information_schema.columns "
            "WHERE table_name = 'topics_searchentry' AND column_name = 'document'"
        )
        assert cursor.fetchall() == [("tsvector", "ALWAYS")]
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'topics_searchentry' "
            "AND indexname = 'topics_searchentry_document'"
        )
        [(definition,)] = cursor.fetchall()
    assert "USING gin (document)" in definition


def test_the_postgresql_document_follows_an_edited_entry(lambda_course):
    postgresql_only()
    from django.contrib.postgres.search import SearchQuery

    entry = SearchEntry.objects.filter(kind="topic").first()
    word = SearchQuery("zymurgy", config="english")
    assert not SearchEntry.objects.search(word).exists()
    SearchEntry.objects.filter(pk=entry.pk).update(body=entry.body + " zymurgy")
    assert list(SearchEntry.objects.search(word).values_list("pk", flat=True)) == [entry.pk]


def test_a_postgresql_search_can_use_the_gin_index(lambda_course):
    postgresql_only()
    from django.contrib.postgres.search import SearchQuery

    query = SearchEntry.objects.search(SearchQuery("concurrency", config="english"))
    sql, params = query.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # as on a table too big to scan
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "topics_searchentry_document" in plan


@pytest.mark.parametrize("words", ["provisioned concurrency", "memory cpu", "sqs", "cold start"])
def test_postgresql_ranks_as_a_vector_built_per_query_did(lambda_course, words):
    postgresql_only()
    from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

    query = SearchQuery(words, config="english")
    built = (
        SearchVector("title", weight="A", config="english")
        + SearchVector("terms", weight="B", config="english")
        + SearchVector("body", weight="C", config="english")
        + SearchVector("context", weight="D", config="english")
    )
    before = (
        SearchEntry.objects.annotate(vector=built)
        .filter(vector=query)
        .annotate(rank=SearchRank(built, query))
        .order_by("-rank", "pk")
        .values_list("pk", "rank")
    )
    stored = SearchEntry.objects.search(query).order_by("-rank", "pk").values_list("pk", "rank")
    assert list(stored) == list(before)
    assert len(stored) > 0


def test_a_postgresql_search_can_use_the_gin_index_for_its_hits(lambda_course):
    postgresql_only()
    with CaptureQueriesContext(connection) as sent:
        search("provisioned concurrency")
    [sql] = [query["sql"] for query in sent.captured_queries]
    with connection.cursor() as cursor:
        # As on tables too big to scan, whose rows the other indexes would not narrow down
        # either: a GIN index is read through a bitmap scan, which is left as the one way.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "topics_searchentry_document" in plan


def search_with_django_expressions(query: str, *, limit: int = 20) -> list[SearchHit]:
    """search() on PostgreSQL as Django's search expressions wrote it first: the tsquery from
    SearchQuery, ranked through ``SearchEntry.objects.search()``, marked by SearchHeadline."""
    from django.contrib.postgres.search import SearchHeadline, SearchQuery

    def run(words: list[str], every_word: bool) -> list[SearchHit]:
        config = POSTGRES_CONFIG
        parts = [SearchQuery(word, search_type="plain", config=config) for word in words[:-1]]
        parts.append(
            SearchQuery(words[-1], search_type="plain", config=config)
            | SearchQuery(f"'{words[-1]}':*", search_type="raw", config=config)
        )
        tsquery = parts[0]
        for part in parts[1:]:
            tsquery = (tsquery & part) if every_word else (tsquery | part)
        options = {"start_sel": START, "stop_sel": STOP, "config": config}
        entries = (
            SearchEntry.objects.filter(topic_visible_q("topic"))
            .filter(Q(key_term__isnull=True) | active_q("key_term"))
            .search(tsquery)
            .annotate(
                score=F("rank")
                * Case(
                    When(kind=SearchEntry.Kind.TERM, then=Value(TERM_FACTOR)),
                    default=Value(1.0),
                    output_field=FloatField(),
                ),
                title_marked=SearchHeadline("title", tsquery, highlight_all=True, **options),
                terms_marked=SearchHeadline("terms", tsquery, highlight_all=True, **options),
                snippet=SearchHeadline(
                    "body", tsquery, max_words=SNIPPET_WORDS, min_words=SNIPPET_WORDS // 2,
                    **options,
                ),
            )
            .select_related("topic__section", "topic__course", "key_term")
            .order_by("-score", "id")[:limit]
        )  # fmt: skip
        hits = []
        for entry in entries:
            is_term = entry.kind == SearchEntry.Kind.TERM
            topic = entry.topic
            url = reverse("topics:topic", args=[topic.course.slug, topic.slug])
            hits.append(
                SearchHit(
                    kind=entry.kind,
                    title=entry.terms if is_term else entry.title,
                    title_html=highlight_html(
                        entry.terms_marked if is_term else entry.title_marked
                    ),
                    snippet_html=highlight_html(entry.snippet or ""),
                    url=f"{url}#term-{entry.key_term.slug}" if is_term else url,
                    topic_title=topic.title,
                    section_title=topic.section.title,
                    course_title=topic.course.title,
                    score=entry.score,
                )
            )
        return hits

    words = query_words(query)
    if not words:
        return []
    return run(words, True) or (run(words, False) if len(words) > 1 else [])


@pytest.mark.parametrize(
    "query",
    ["provisioned concurrency", "provisioned concurr", "memory cpu", "lambda", "sqs", "dlq",
     "cold start", "kinesis xyzzyplugh", "the lambda", "and", "real_time", "s3 event",
     "Real-Time Processing", "Error Handling and Retries", "watch streams", "x",
     "a & !b", "lambda:*", "'quoted' | <-> x", "concurrency\x00\x1f", "Lambda@Edge",
     "caf\u00e9 na\u00efve", "\u65e5\u672c\u8a9e lambda", "'':*"],
)  # fmt: skip
def test_postgresql_hits_are_what_djangos_search_expressions_gave(lambda_course, query):
    postgresql_only()
    assert search(query) == search_with_django_expressions(query)
    assert search(query, limit=3) == search_with_django_expressions(query, limit=3)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(max_size=40))
def test_postgresql_hits_for_any_text_are_what_djangos_search_expressions_gave(
    lambda_course, query
):
    postgresql_only()
    assert search(query, limit=5) == search_with_django_expressions(query, limit=5)
