"""What the page's script relies on: sections answered alone, pick lists and workspace search."""

import uuid

import pytest

from integration.models import FormSubmission
from tests.conftest import URLS

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def post_in_place(browser):
    def post(action: str, **fields: str):
        browser.get("/")
        data = {f"{action}-{name}": value for name, value in fields.items()}
        data[f"{action}-submission_key"] = str(uuid.uuid4())
        data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
        return browser.post(URLS[action], data, **FETCH)

    return post


def test_a_submission_by_script_gets_its_section_with_the_answer_and_a_fresh_key(post_in_place, fake_notion):
    response = post_in_place("database", name="Reading list")

    html = response.content.decode()
    submission = FormSubmission.objects.get()
    assert response.status_code == 200
    assert html.strip().startswith('<section class="step" id="database"')
    assert "<html" not in html
    assert submission.result["data_source_id"] in html
    assert f'data-made-data-source="{submission.result["data_source_id"]}"' in html
    assert str(submission.key) not in html


def test_bad_input_by_script_gets_its_section_with_the_errors(post_in_place, fake_notion):
    response = post_in_place("comment", page_id="nope", comment="Hi")

    html = response.content.decode()
    assert response.status_code == 400
    assert html.strip().startswith('<section class="step" id="comment"')
    assert "Enter a Notion ID" in html
    assert fake_notion.received == []


def test_id_fields_offer_the_recently_made_objects(browser, submit, fake_notion):
    submit("database", name="Reading list")
    submit("page", data_source_id=FormSubmission.objects.get().result["data_source_id"], name="Dune")
    page = FormSubmission.objects.get(action="page").result

    html = browser.get("/").content.decode()

    assert 'list="recent-pages"' in html and 'list="recent-data-sources"' in html
    assert f'<option value="{page["id"]}">Dune</option>' in html
    assert f'<option value="{page["data_source_id"]}">Reading list</option>' in html


def test_a_link_can_prefill_an_id_field(browser, fake_notion):
    page_id = str(uuid.uuid4())

    html = browser.get(f"/?page_id={page_id}").content.decode()

    assert f'name="content-page_id" value="{page_id}"' in html


def test_a_link_naming_a_data_source_shows_the_page_form_with_its_fields(browser, fake_notion, parent_page):
    database = fake_notion.sandbox.create_database(
        body={
            "parent": {"page_id": parent_page["id"]},
            "title": [{"text": {"content": "Books"}}],
            "initial_data_source": {"properties": {"Title": {"title": {}}, "Pages": {"number": {}}}},
        },
        query={},
    )
    source = fake_notion.sandbox.store.get(database["data_sources"][0]["id"])

    html = browser.get(f"/?data_source_id={source['id']}").content.decode()

    assert f'name="page-property_{source["properties"]["Pages"]["id"]}"' in html
    assert "Title (new page name)" in html


def test_a_link_naming_a_data_source_notion_does_not_give_says_why_beside_the_form(browser, fake_notion):
    html = browser.get(f"/?data_source_id={uuid.uuid4()}").content.decode()

    assert 'class="error fields-error"' in html
    assert 'name="page-name"' in html


def test_search_finds_pages_of_the_workspace_and_links_them_to_the_form(browser, fake_notion):
    fake_notion.sandbox.add_page("Quarterly plan")
    fake_notion.sandbox.add_page("Holiday plan")
    fake_notion.sandbox.add_page("Budget")

    html = browser.get("/search/", {"kind": "page", "q": "plan", "for": "comment"}).content.decode()

    assert "Quarterly plan" in html and "Holiday plan" in html and "Budget" not in html
    [body] = fake_notion.bodies("POST", "/v1/search$")
    assert body["filter"] == {"property": "object", "value": "page"} and body["query"] == "plan"
    assert "#comment" in html


def test_search_pages_through_results(browser, fake_notion):
    for n in range(25):
        fake_notion.sandbox.add_page(f"Note {n}")

    first = browser.get("/search/", {"kind": "page", "q": "note"}, **FETCH).content.decode()
    cursor = first.split("cursor=")[1].split('"')[0]
    second = browser.get(
        "/search/", {"kind": "page", "q": "note", "cursor": cursor}, **FETCH
    ).content.decode()

    assert first.count("data-pick=") == 20 and second.count("data-pick=") == 5
    assert "More results" in first and "More results" not in second


def test_search_failures_are_shown_plainly(browser, fake_notion, settings):
    settings.NOTION_KEY = "ntn_wrong"

    html = browser.get("/search/", {"kind": "data_source", "q": "x"}, **FETCH).content.decode()

    assert "check NOTION_KEY" in html


def answer_queries(browser, action: str, **fields: str) -> list[str]:
    """The SQL of one in-place submission on the default connection, the page already loaded."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    browser.get("/")
    data = {f"{action}-{name}": value for name, value in fields.items()}
    data[f"{action}-submission_key"] = str(uuid.uuid4())
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    with CaptureQueriesContext(connections["default"]) as queries:
        assert browser.post(URLS[action], data, **FETCH).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_an_answer_in_place_costs_the_same_queries_however_long_the_history(browser, fake_notion, user):
    from tests.factories import FormSubmissionFactory

    first = answer_queries(browser, "database", name="One")
    FormSubmissionFactory.create_batch(
        50,
        user=user,
        status="succeeded",
        kind="data_source",
        object_id=str(uuid.uuid4()),
        result={"headline": "Database added", "ids": [["ID", "x"]], "link": {"href": "/"}},
    )

    later = answer_queries(browser, "database", name="Two")

    assert len(later) == len(first)


def test_an_answer_in_place_builds_only_its_own_section(browser, fake_notion):
    queries = answer_queries(browser, "database", name="One")

    histories = [sql for sql in queries if '"action" = ' in sql and "LIMIT 5" in sql]
    assert len(histories) == 1


def stale_comment(browser, **headers: str):
    browser.get("/")
    data = {"comment-comment": "Read it twice", "comment-submission_key": str(uuid.uuid4())}
    data["csrfmiddlewaretoken"] = "x" * 32  # a token of an earlier login
    return browser.post(URLS["comment"], data, **headers)


def test_a_form_sent_from_a_page_out_of_date_comes_back_filled_with_a_fresh_token(browser, fake_notion):
    response = stale_comment(browser, HTTP_ORIGIN="http://testserver")

    html = response.content.decode()
    assert response.status_code == 403
    assert "This page was out of date (you logged in again elsewhere), so nothing was sent." in html
    assert "Read it twice</textarea>" in html
    assert html.count('name="csrfmiddlewaretoken"') >= 4
    assert fake_notion.received == []


def test_a_page_out_of_date_asking_by_script_is_told_in_a_few_words(browser, fake_notion):
    response = stale_comment(browser, HTTP_ORIGIN="http://testserver", **FETCH)

    assert response.status_code == 403
    assert response.content.decode().startswith("This page is out of date")


def test_a_form_sent_from_another_site_is_refused_without_showing_what_it_sent(browser, fake_notion):
    for headers in [{"HTTP_ORIGIN": "https://elsewhere.example"}, {}]:
        response = stale_comment(browser, **headers)

        html = response.content.decode()
        assert response.status_code == 403
        assert "This page was out of date" in html
        assert "Read it twice" not in html
    assert fake_notion.received == []


def test_an_id_field_names_the_recent_object_it_holds(browser, submit, fake_notion):
    submit("database", name="Reading list")
    submit("page", data_source_id=FormSubmission.objects.get().result["data_source_id"], name="Dune")

    html = browser.get("/").content.decode()
    unknown = browser.get(f"/?page_id={uuid.uuid4()}").content.decode()

    assert 'id="id_page-data_source_id_name"' in html and "Data source “Reading list”</small>" in html
    assert html.count("Page “Dune”</small>") == 2
    assert unknown.count("Page “Dune”</small>") == 0
