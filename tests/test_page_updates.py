"""Changing a page's properties, and finding pages by their values: `pages.update` and paged,
filtered `data_sources.query`, through the service functions, against the fake Notion."""

import json

import pytest

from integration.models import AuditContext, NotionRequestLog
from integration.notion.client import notion_client
from integration.notion.columns import Column
from integration.notion.databases import create_database
from integration.notion.errors import NotionError
from integration.notion.pages import create_page, update_page
from integration.notion.selectors import query_pages


@pytest.fixture
def source(fake_notion, parent_page) -> str:
    database = create_database(
        title="People",
        parent_page_id=parent_page["id"],
        title_property="Name",
        columns=[Column("Email", "email"), Column("Age", "number"), Column("Team", "select")],
    )
    return database["data_sources"][0]["id"]


def add(source: str, name: str, **values: dict) -> dict:
    return create_page(data_source_id=source, title=name, values=values)


def test_an_update_changes_only_the_properties_it_names(fake_notion, source):
    page = add(source, "Ada", Email={"email": "ada@example.com"}, Age={"number": 36})

    updated = update_page(page_id=page["id"], values={"Age": {"number": 37}})

    assert updated["properties"]["Age"]["number"] == 37
    assert updated["properties"]["Email"]["email"] == "ada@example.com"
    sent = json.loads(fake_notion.received[-1].content)
    assert fake_notion.received[-1].method == "PATCH"
    assert sent == {"properties": {"Age": {"number": 37}}}
    assert NotionRequestLog.objects.filter(operation="pages.update").count() == 1


def test_an_update_notion_refuses_raises_with_its_message(fake_notion, source):
    page = add(source, "Ada")

    with pytest.raises(NotionError) as refused:
        update_page(page_id=page["id"], values={"Age": {"number": "many"}})

    assert refused.value.status == 400
    assert "number" in refused.value.hint


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"property": "Email", "email": {"equals": "bo@example.com"}}, ["Bo"]),
        ({"property": "Age", "number": {"equals": 41}}, ["Cy"]),
        ({"property": "Team", "select": {"equals": "Ops"}}, ["Bo", "Cy"]),
        ({"property": "Name", "title": {"equals": "Ada"}}, ["Ada"]),
        (
            {
                "or": [
                    {"property": "Name", "title": {"equals": "Ada"}},
                    {"property": "Age", "number": {"equals": 41}},
                ]
            },
            ["Ada", "Cy"],
        ),
        ({"property": "Email", "email": {"is_empty": True}}, ["Cy"]),
    ],
)
def test_a_query_finds_the_pages_its_filter_matches(fake_notion, source, condition, expected):
    add(source, "Ada", Email={"email": "ada@example.com"}, Age={"number": 36})
    add(source, "Bo", Email={"email": "bo@example.com"}, Team={"select": {"name": "Ops"}})
    add(source, "Cy", Age={"number": 41}, Team={"select": {"name": "Ops"}})

    with notion_client(AuditContext()) as client:
        found = list(query_pages(client, source, condition))

    names = [page["properties"]["Name"]["title"][0]["plain_text"] for page in found]
    assert names == expected


def test_a_query_reads_every_page_of_results(fake_notion, source):
    for number in range(230):
        add(source, f"Row {number}", Age={"number": number % 2})

    with notion_client(AuditContext()) as client:
        found = list(query_pages(client, source, {"property": "Age", "number": {"equals": 1}}))

    assert len(found) == 115
    queries = [r for r in fake_notion.received if r.url.path.endswith("/query")]
    assert len(queries) == 2
    assert json.loads(queries[1].content)["start_cursor"]
