"""The sandbox viewer shows what was sent: marks and links, columns in their order and format,
a database's pages as a table, comments, files and images, and an index of everything."""

import re

import pytest
from django.test import Client

from integration.sandbox.store import root_page, sandbox


@pytest.fixture
def sandboxed(settings):
    settings.NOTION_KEY = ""
    settings.NOTION_PAGE_ID = ""
    settings.NOTION_TRANSPORT = None


def text(content: str, **annotations: object) -> dict:
    return {"type": "text", "text": {"content": content}, "annotations": annotations}


def link(content: str, url: str) -> dict:
    return {"type": "text", "text": {"content": content, "link": {"url": url}}}


def make_database(properties: dict, title: str = "Tasks") -> dict:
    return sandbox().create_database(
        body={
            "parent": {"page_id": root_page()},
            "title": [{"text": {"content": title}}],
            "initial_data_source": {"properties": properties},
        },
        query={},
    )


def make_page(database: dict, properties: dict) -> dict:
    source_id = database["data_sources"][0]["id"]
    return sandbox().create_page(
        body={"parent": {"data_source_id": source_id}, "properties": properties}, query={}
    )


def append(parent_id: str, *children: dict) -> list[dict]:
    return sandbox().append_children(parent_id, body={"children": list(children)}, query={})["results"]


def put_block(parent_id: str, kind: str, content: dict) -> dict:
    """A block of a type the sandbox's engine does not take yet, kept as Notion would return it."""
    made = append(parent_id, {"paragraph": {"rich_text": []}})[0]
    block = {key: value for key, value in made.items() if key != "paragraph"} | {"type": kind, kind: content}
    sandbox().store.put(block)
    return block


def paragraph(*rich_text: dict) -> dict:
    return {"paragraph": {"rich_text": list(rich_text)}}


def view(browser: Client, object_id: str) -> str:
    response = browser.get(f"/sandbox/{object_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_draws_the_marks_colours_and_links_of_rich_text(browser, sandboxed):
    page = sandbox().add_page("Notes")
    append(
        page["id"],
        paragraph(
            text("bold", bold=True),
            text("slanted", italic=True),
            text("struck", strikethrough=True),
            text("under", underline=True),
            text("x = 1", code=True),
            text("warm", color="red_background"),
            link("docs", "https://example.com/a?b=1&c=2"),
        ),
    )

    html = view(browser, page["id"])

    assert "<strong>bold</strong>" in html
    assert "<em>slanted</em>" in html
    assert "<s>struck</s>" in html
    assert "<u>under</u>" in html
    assert "<code>x = 1</code>" in html
    assert '<span class="color-red_background">warm</span>' in html
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">docs</a>' in html


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "java\nscript:alert(1)"])
def test_a_script_link_is_drawn_as_text_not_as_a_link(browser, sandboxed, url):
    page = sandbox().add_page("Notes")
    append(page["id"], paragraph(link("click <me>", url)))

    html = view(browser, page["id"])

    assert "click &lt;me&gt;" in html
    assert "alert(1)" not in html


def test_mentions_and_equations_are_drawn_as_their_text(browser, sandboxed):
    page = sandbox().add_page("Notes")
    put_block(
        page["id"],
        "paragraph",
        {
            "rich_text": [
                {"type": "mention", "mention": {"type": "user", "user": {"id": "u1"}}, "plain_text": "@Ada"},
                {"type": "equation", "equation": {"expression": "e^{i<pi}"}, "plain_text": "e^{i<pi}"},
            ]
        },
    )

    html = view(browser, page["id"])

    assert '<span class="mention">@Ada</span>' in html
    assert '<code class="equation">e^{i&lt;pi}</code>' in html


def test_a_database_title_keeps_its_marks(browser, sandboxed):
    database = sandbox().create_database(
        body={
            "parent": {"page_id": root_page()},
            "title": [text("Reading", bold=True), text(" list")],
            "initial_data_source": {"properties": {"Name": {"title": {}}}},
        },
        query={},
    )

    assert "<h1><strong>Reading</strong> list</h1>" in view(browser, database["id"])


def test_a_pages_values_follow_the_column_order_given_title_not_first(browser, sandboxed):
    database = make_database(
        {
            "Zeta notes": {"rich_text": {}},
            "Task": {"title": {}},
            "Due": {"date": {}},
            "Assignee email": {"email": {}},
            "Done": {"checkbox": {}},
        }
    )
    page = make_page(database, {"Task": {"title": [{"text": {"content": "Report"}}]}})

    html = view(browser, page["id"])
    table = view(browser, database["id"])

    assert re.findall(r"<dt>(.*?)</dt>", html) == ["Zeta notes", "Due", "Assignee email", "Done"]
    headers = re.findall(r'<th scope="col">(.*?)</th>', table)
    assert headers == ["Zeta notes", "Task", "Due", "Assignee email", "Done"]


@pytest.mark.parametrize(
    ("number_format", "value", "shown"),
    [
        ("number", 1234.5, "1234.5"),
        ("number_with_commas", 1234.5, "1,234.5"),
        ("number_with_commas", 1234567, "1,234,567"),
        ("percent", 0.25, "25%"),
        ("percent", 0.07, "7%"),
        ("dollar", 1234.5, "$1,234.50"),
        ("euro", -3, "-€3.00"),
        ("pound", 10, "£10.00"),
        ("yen", 1500, "¥1,500"),
    ],
)
def test_a_number_is_shown_in_its_columns_format(browser, sandboxed, number_format, value, shown):
    database = make_database({"Name": {"title": {}}, "Amount": {"number": {"format": number_format}}})
    page = make_page(
        database, {"Name": {"title": [{"text": {"content": "Row"}}]}, "Amount": {"number": value}}
    )

    assert f"<dt>Amount</dt><dd>{shown}</dd>" in view(browser, page["id"])


def test_values_are_drawn_by_their_kind(browser, sandboxed):
    database = make_database(
        {
            "Task": {"title": {}},
            "Status": {"select": {"options": [{"name": "Doing", "color": "blue"}]}},
            "Tags": {"multi_select": {"options": [{"name": "a", "color": "red"}, {"name": "b"}]}},
            "Done": {"checkbox": {}},
            "Due": {"date": {}},
            "Site": {"url": {}},
            "Mail": {"email": {}},
            "Files": {"files": {}},
        }
    )
    page = make_page(
        database,
        {
            "Task": {"title": [{"text": {"content": "Write the report"}}]},
            "Status": {"select": {"name": "Doing"}},
            "Tags": {"multi_select": [{"name": "a"}, {"name": "b"}]},
            "Done": {"checkbox": True},
            "Due": {"date": {"start": "2026-12-24"}},
            "Site": {"url": "https://example.com/"},
            "Mail": {"email": "ada@example.com"},
            "Files": {
                "files": [
                    {"name": "plan.pdf", "external": {"url": "https://example.com/files/plan.pdf"}},
                    {"name": "photo", "external": {"url": "https://example.com/img/photo.png"}},
                ]
            },
        },
    )

    html = view(browser, page["id"])

    assert '<dt>Status</dt><dd><span class="chip color-blue">Doing</span></dd>' in html
    assert '<span class="chip color-red">a</span> <span class="chip">b</span>' in html
    assert '<dt>Done</dt><dd><input type="checkbox" disabled checked aria-label="Yes"></dd>' in html
    assert "<dt>Due</dt><dd>24 Dec 2026</dd>" in html
    assert '<a href="https://example.com/" rel="noopener noreferrer">https://example.com/</a>' in html
    assert '<a href="mailto:ada@example.com" rel="noopener noreferrer">ada@example.com</a>' in html
    assert '<a href="https://example.com/files/plan.pdf" rel="noopener noreferrer">plan.pdf</a>' in html
    assert (
        '<img class="thumbnail" src="https://example.com/img/photo.png" alt="photo" loading="lazy"'
        ' referrerpolicy="no-referrer">' in html
    )


def test_a_database_shows_its_pages_as_a_table_in_the_order_they_were_made(browser, sandboxed):
    database = make_database({"Task": {"title": {}}, "Cost": {"number": {"format": "dollar"}}})
    first = make_page(database, {"Task": {"title": [{"text": {"content": "First"}}]}, "Cost": {"number": 5}})
    make_page(database, {"Task": {"title": [{"text": {"content": "Second"}}]}, "Cost": {"number": 7.5}})

    html = view(browser, database["id"])
    from_source = view(browser, database["data_sources"][0]["id"])

    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    assert len(rows) == 2
    assert rows[0] == (f'<th scope="row"><a href="/sandbox/{first["id"]}/">First</a></th><td>$5.00</td>')
    assert ">Second</a></th><td>$7.50</td>" in rows[1]
    assert "2 pages, in the order they were made." in html
    assert ">Second</a></th><td>$7.50</td>" in from_source


def test_a_database_table_shows_the_first_hundred_pages_and_counts_the_rest(browser, sandboxed):
    database = make_database({"Task": {"title": {}}})
    for n in range(102):
        make_page(database, {"Task": {"title": [{"text": {"content": f"Task {n:03}"}}]}})

    html = view(browser, database["id"])

    assert html.count('<th scope="row">') == 100
    assert ">Task 099</a>" in html and ">Task 100</a>" not in html
    assert "And 2 more pages, not shown." in html


def test_a_page_shows_its_comments_and_each_block_its_own(browser, sandboxed):
    page = sandbox().add_page("Notes")
    _, second = append(page["id"], paragraph(text("Para one")), paragraph(text("Para two")))
    for parent, words in [
        ({"page_id": page["id"]}, "Page comment A"),
        ({"block_id": second["id"]}, "On para two"),
        ({"page_id": page["id"]}, "Page comment B"),
    ]:
        sandbox().create_comment(body={"parent": parent, "rich_text": [text(words, bold=True)]}, query={})

    html = view(browser, page["id"])

    after_two = html.split("Para two")[1]
    assert after_two.index("<strong>On para two</strong>") < after_two.index("<h2>Comments</h2>")
    assert "On para two" not in html.split("Para two")[0]
    page_comments = html.split("<h2>Comments</h2>")[1]
    assert page_comments.index("Page comment A") < page_comments.index("Page comment B")
    assert "notionforms sandbox, <time datetime=" in page_comments


def test_an_image_block_is_drawn_inline_and_a_file_block_as_a_link(browser, sandboxed):
    page = sandbox().add_page("Media")
    append(
        page["id"],
        {
            "image": {
                "type": "external",
                "external": {"url": "https://example.com/cat.png"},
                "caption": [text("A cat")],
            }
        },
    )
    put_block(
        page["id"],
        "file",
        {
            "type": "file",
            "file": {
                "url": "/sandbox/files/0f1e/report%202026.pdf",
                "expiry_time": "2026-01-01T00:00:00.000Z",
            },
            "caption": [text("The report")],
        },
    )
    put_block(
        page["id"], "pdf", {"type": "external", "external": {"url": "javascript:alert(1)"}, "caption": []}
    )

    response = browser.get(f"/sandbox/{page['id']}/")

    html = response.content.decode()
    assert "img-src 'self' data: https:" in response["Content-Security-Policy"]
    assert (
        '<figure class="block"><img src="https://example.com/cat.png" loading="lazy" alt="A cat"'
        ' referrerpolicy="no-referrer">'
        "<figcaption>A cat</figcaption></figure>"
    ) in html
    assert (
        '<a href="/sandbox/files/0f1e/report%202026.pdf" rel="noopener noreferrer">report 2026.pdf</a>'
        ' <span class="caption">The report</span>'
    ) in html
    assert "alert(1)" not in html


def test_toggles_callouts_tables_and_equations_are_drawn(browser, sandboxed):
    page = sandbox().add_page("Shapes")
    append(
        page["id"],
        {"toggle": {"rich_text": [text("More")], "children": [paragraph(text("Hidden part"))]}},
        {"callout": {"rich_text": [text("Heads up")], "color": "yellow_background"}},
    )
    rows = [
        {"table_row": {"cells": [[text(cell)] for cell in cells]}}
        for cells in (["Name", "Age"], ["Ada", "36"])
    ]
    append(
        page["id"],
        {"table": {"table_width": 2, "has_column_header": True, "has_row_header": False, "children": rows}},
        {"equation": {"expression": "a^2 + b^2 = c^2"}},
    )

    html = view(browser, page["id"])

    assert '<details class="block"><summary>More</summary><div class="block-children">' in html
    assert html.index("Hidden part") > html.index("<summary>More</summary>")
    assert '<div class="block callout color-yellow_background"><div>Heads up</div></div>' in html
    assert (
        '<table class="block"><tr><th scope="col">Name</th><th scope="col">Age</th></tr>'
        "<tr><td>Ada</td><td>36</td></tr></table>"
    ) in html
    assert '<code class="equation">a^2 + b^2 = c^2</code>' in html


def test_the_index_lists_databases_and_pages_newest_first_fifty_a_page(browser, sandboxed):
    made = [sandbox().add_page(f"Page {n:02}") for n in range(51)]
    database = make_database({"Name": {"title": {}}}, title="Newest database")

    first = browser.get("/sandbox/").content.decode()
    second = browser.get("/sandbox/", {"page": 2}).content.decode()

    assert first.count("<tr><td>") == 50 and second.count("<tr><td>") == 3  # the root page too
    assert first.index("Newest database") < first.index("Page 50") < first.index("Page 49")
    assert f'<a href="/sandbox/{database["id"]}/">Newest database</a></td><td>database</td>' in first
    assert f'<a href="/sandbox/{made[0]["id"]}/">Page 00</a>' in second
    assert "Page 2 of 2" in second and 'href="?page=1"' in second


def test_the_index_is_linked_from_the_sandbox_banner_and_needs_a_login(browser, sandboxed):
    assert '<a href="/sandbox/">what you create</a>' in browser.get("/").content.decode()
    assert 'href="/sandbox/">Everything in the sandbox' in view(browser, sandbox().add_page("A")["id"])

    response = Client().get("/sandbox/")

    assert response.status_code == 302 and "/login/" in response["Location"]
