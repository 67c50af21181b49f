"""The sandbox takes the blocks Markdown makes, and refuses what Notion refuses, as Notion does."""

import json

import httpx
import pytest

from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import TOKEN

pytestmark = pytest.mark.no_db


def append(sandbox: NotionSandbox, block_id: str, children: list) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}
    url = f"https://api.notion.com/v1/blocks/{block_id}/children"
    return sandbox(httpx.Request("PATCH", url, headers=headers, json={"children": children}))


def item(text: str, *children: dict, kind: str = "bulleted_list_item", **payload: object) -> dict:
    data: dict = {"rich_text": [{"type": "text", "text": {"content": text}}], **payload}
    if children:
        data["children"] = list(children)
    return {"object": "block", "type": kind, kind: data}


@pytest.fixture
def page(sandbox: NotionSandbox) -> dict:
    return sandbox.add_page("Blocks")


def refused(response: httpx.Response) -> str:
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    return response.json()["message"]


def test_it_keeps_children_under_their_parents_and_marks_the_parents(sandbox, page):
    response = append(sandbox, page["id"], [item("a", item("b")), item("c")])

    assert response.status_code == 200
    a, c = response.json()["results"]
    assert (a["has_children"], c["has_children"]) == (True, False)
    [b_id] = sandbox.store.children(a["id"])
    b = sandbox.store.get(b_id)
    assert b["parent"] == {"type": "block_id", "block_id": a["id"]}
    assert b["bulleted_list_item"]["rich_text"][0]["plain_text"] == "b"
    assert sandbox.store.children(page["id"]) == [a["id"], c["id"]]


def test_it_answers_with_the_top_level_blocks_only(sandbox, page):
    response = append(sandbox, page["id"], [item("a", item("b"), item("c"))])

    assert [
        block["bulleted_list_item"]["rich_text"][0]["plain_text"] for block in response.json()["results"]
    ] == ["a"]


def test_it_refuses_a_third_level_in_one_request(sandbox, page):
    response = append(sandbox, page["id"], [item("a", item("b", item("c")))])

    message = refused(response)
    assert (
        "body.children[0].bulleted_list_item.children[0].bulleted_list_item.children should be not present"
        in (message)
    )
    assert sandbox.store.children(page["id"]) == []


def test_appending_to_a_block_puts_the_children_under_it_and_marks_it(sandbox, page):
    [parent] = append(sandbox, page["id"], [item("a")]).json()["results"]

    response = append(sandbox, parent["id"], [item("b", item("c"))])

    assert response.status_code == 200
    [b] = response.json()["results"]
    assert b["parent"] == {"type": "block_id", "block_id": parent["id"]}
    assert sandbox.store.get(parent["id"])["has_children"] is True
    assert len(sandbox.store.children(b["id"])) == 1


@pytest.mark.parametrize(
    ("block", "data"),
    [
        (item("t", kind="to_do", checked=True), {"checked": True}),
        (item("t", kind="to_do"), {"checked": False}),
        (item("x = 1", kind="code", language="python"), {"language": "python", "caption": []}),
        (item("q", kind="quote"), {"color": "default"}),
        (item("h", kind="heading_3"), {"is_toggleable": False}),
        ({"object": "block", "type": "divider", "divider": {}}, {}),
    ],
)
def test_it_takes_each_block_type_with_its_payload(sandbox, page, block, data):
    response = append(sandbox, page["id"], [block])

    assert response.status_code == 200
    [made] = response.json()["results"]
    assert data.items() <= made[made["type"]].items()


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (item("t", kind="to_do", checked="yes"), "to_do.checked should be a boolean"),
        (item("x", kind="code", language="klingon"), "code.language should be one of Notion's languages"),
        (item("x", item("y"), kind="code", language="python"), "code.children should be not present"),
        ({"divider": []}, "divider should be an object"),
        (
            item("a", kind="paragraph", color="default") | {"paragraph": {"rich_text": "a"}},
            "should be an array",
        ),
        (
            {"paragraph": {"rich_text": [{"text": {"content": "a", "link": {"url": "h" * 2001}}}]}},
            "text.link.url.length should be ≤ `2000`",
        ),
        (
            {"paragraph": {"rich_text": [{"text": {"content": "a"}, "annotations": {"bold": "yes"}}]}},
            "annotations should be valid",
        ),
    ],
)
def test_it_refuses_a_bad_payload_like_notion(sandbox, page, block, message):
    assert message in refused(append(sandbox, page["id"], [block]))


def test_it_refuses_over_1000_block_elements_in_one_request(sandbox, page):
    children = [item(f"{n}", *[item("x")] * 10) for n in range(91)]  # 91 × 11 = 1001

    assert "at most 1000 block elements" in refused(append(sandbox, page["id"], children))


def test_it_refuses_over_100_children_of_one_block(sandbox, page):
    message = refused(append(sandbox, page["id"], [item("a", *[item("x")] * 101)]))

    assert message == (
        "body failed validation: body.children[0].bulleted_list_item.children.length should be ≤ `100`, "
        "instead was `101`."
    )


def test_children_are_listed_in_order(sandbox, page):
    [a] = append(sandbox, page["id"], [item("a", item("b"), item("c"))]).json()["results"]
    headers = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}

    response = sandbox(
        httpx.Request("GET", f"https://api.notion.com/v1/blocks/{a['id']}/children", headers=headers)
    )

    texts = [
        b["bulleted_list_item"]["rich_text"][0]["plain_text"] for b in json.loads(response.content)["results"]
    ]
    assert texts == ["b", "c"]


# Tables, equations, callouts, toggles, external media and rich text, as Notion's "Block" and
# "Rich text" references shape them


def listed(sandbox: NotionSandbox, block_id: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}
    url = f"https://api.notion.com/v1/blocks/{block_id}/children"
    return sandbox(httpx.Request("GET", url, headers=headers)).json()["results"]


def text(content: str, **annotations: object) -> dict:
    return {"type": "text", "text": {"content": content}, "annotations": annotations}


def row(*cells: str) -> dict:
    return {"object": "block", "type": "table_row", "table_row": {"cells": [[text(c)] for c in cells]}}


def table(*rows: dict, width: int = 2, **flags: object) -> dict:
    data: dict = {"table_width": width, "has_column_header": True, **flags}
    if rows:
        data["children"] = list(rows)
    return {"object": "block", "type": "table", "table": data}


def test_a_table_is_made_with_its_rows_and_lists_them_as_its_children(sandbox, page):
    response = append(sandbox, page["id"], [table(row("Name", "Age"), row("Ada", "36"))])

    assert response.status_code == 200
    [made] = response.json()["results"]
    assert made["has_children"] is True
    assert made["table"] == {"table_width": 2, "has_column_header": True, "has_row_header": False}
    rows = listed(sandbox, made["id"])
    assert [r["type"] for r in rows] == ["table_row", "table_row"]
    assert [[cell[0]["plain_text"] for cell in r["table_row"]["cells"]] for r in rows] == [
        ["Name", "Age"],
        ["Ada", "36"],
    ]
    assert rows[1]["parent"] == {"type": "block_id", "block_id": made["id"]}
    assert rows[1]["has_children"] is False


def test_rows_appended_to_a_table_follow_its_first_rows(sandbox, page):
    [made] = append(sandbox, page["id"], [table(row("a", "b"))]).json()["results"]

    response = append(sandbox, made["id"], [row("c", "d")])

    assert response.status_code == 200
    assert [r["table_row"]["cells"][0][0]["plain_text"] for r in listed(sandbox, made["id"])] == ["a", "c"]


def test_it_refuses_a_row_with_more_or_fewer_cells_than_the_table_is_wide(sandbox, page):
    message = refused(append(sandbox, page["id"], [table(row("a", "b"), row("c"))]))

    assert message == (
        "Number of cells in table row must match the table width of the parent table: "
        "body.children[0].table.children[1].table_row.cells.length should be `2`, instead was `1`."
    )
    assert sandbox.store.children(page["id"]) == []


def test_it_refuses_an_appended_row_as_wide_as_the_table_is_not(sandbox, page):
    [made] = append(sandbox, page["id"], [table(row("a", "b"))]).json()["results"]

    message = refused(append(sandbox, made["id"], [row("c", "d", "e")]))

    assert "body.children[0].table_row.cells.length should be `2`, instead was `3`" in message
    assert len(listed(sandbox, made["id"])) == 1


def test_it_refuses_a_paragraph_appended_to_a_table(sandbox, page):
    [made] = append(sandbox, page["id"], [table(row("a", "b"))]).json()["results"]

    message = refused(append(sandbox, made["id"], [{"paragraph": {"rich_text": []}}]))

    assert "a table's children can only be table_row blocks" in message
    assert len(listed(sandbox, made["id"])) == 1


def test_it_refuses_a_table_without_rows(sandbox, page):
    message = refused(append(sandbox, page["id"], [table()]))

    assert message == (
        "body failed validation: body.children[0].table.children should be defined, instead was `undefined`."
    )


def test_it_refuses_a_table_with_an_empty_list_of_rows(sandbox, page):
    block = table()
    block["table"]["children"] = []

    assert "body.children[0].table.children.length should be ≥ `1`" in refused(
        append(sandbox, page["id"], [block])
    )


def test_it_refuses_a_table_row_outside_a_table(sandbox, page):
    message = refused(append(sandbox, page["id"], [row("a", "b")]))

    assert message == "body.children[0].table_row: a table_row block can only be a child of a table block."


def test_it_refuses_other_blocks_among_a_tables_rows(sandbox, page):
    message = refused(append(sandbox, page["id"], [table(row("a", "b"), item("c", kind="paragraph"))]))

    assert "a table's children can only be table_row blocks" in message


def test_it_refuses_a_table_under_another_block_in_one_request(sandbox, page):
    message = refused(append(sandbox, page["id"], [item("a", table(row("b", "c")), kind="toggle")]))

    assert "body.children[0].toggle.children[0].table.children should be not present" in message


def test_a_table_is_made_with_a_page(sandbox, page):
    headers = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}
    body = {
        "parent": {"page_id": page["id"]},
        "properties": {"title": {"title": [text("With a table")]}},
        "children": [table(row("a", "b"), width=2, has_row_header=True)],
    }

    response = sandbox(httpx.Request("POST", "https://api.notion.com/v1/pages", headers=headers, json=body))

    [made] = listed(sandbox, response.json()["id"])
    assert made["table"]["has_row_header"] is True
    assert len(listed(sandbox, made["id"])) == 1


def test_an_equation_block_keeps_its_expression(sandbox, page):
    block = {"object": "block", "type": "equation", "equation": {"expression": "e^{i\\pi} + 1 = 0"}}

    [made] = append(sandbox, page["id"], [block]).json()["results"]

    assert made["equation"] == {"expression": "e^{i\\pi} + 1 = 0"}
    assert made["has_children"] is False


def test_it_refuses_an_equation_block_without_an_expression(sandbox, page):
    message = refused(append(sandbox, page["id"], [{"type": "equation", "equation": {}}]))

    assert message == (
        "body failed validation: body.children[0].equation.expression should be defined, "
        "instead was `undefined`."
    )


def test_an_inline_equation_reads_back_with_its_expression_as_plain_text(sandbox, page):
    piece = {"type": "equation", "equation": {"expression": "x^2"}}
    block = {"paragraph": {"rich_text": [text("Area: "), piece]}}

    [made] = append(sandbox, page["id"], [block]).json()["results"]

    assert made["paragraph"]["rich_text"][1] == {
        "type": "equation",
        "equation": {"expression": "x^2"},
        "annotations": {
            "bold": False,
            "italic": False,
            "strikethrough": False,
            "underline": False,
            "code": False,
            "color": "default",
        },
        "plain_text": "x^2",
        "href": None,
    }


def test_an_inline_equation_is_taken_in_a_table_cell_and_a_comment(sandbox, page):
    piece = {"type": "equation", "equation": {"expression": "\\sqrt{2}"}}
    cells = {"type": "table_row", "table_row": {"cells": [[piece]]}}
    [made] = append(sandbox, page["id"], [table(cells, width=1)]).json()["results"]
    headers = {"Authorization": f"Bearer {TOKEN}", "Notion-Version": "2025-09-03"}
    body = {"parent": {"page_id": page["id"]}, "rich_text": [piece]}

    comment = sandbox(httpx.Request("POST", "https://api.notion.com/v1/comments", headers=headers, json=body))

    [first] = listed(sandbox, made["id"])
    assert first["table_row"]["cells"][0][0]["plain_text"] == "\\sqrt{2}"
    assert comment.json()["rich_text"][0]["equation"] == {"expression": "\\sqrt{2}"}


def test_it_refuses_an_inline_equation_without_an_expression(sandbox, page):
    block = {"paragraph": {"rich_text": [{"type": "equation", "equation": {}}]}}

    assert "body.children[0].paragraph.rich_text[0].equation.expression should be defined" in refused(
        append(sandbox, page["id"], [block])
    )


def test_it_refuses_an_expression_over_1000_characters(sandbox, page):
    block = {"type": "equation", "equation": {"expression": "x" * 1001}}

    assert "equation.expression.length should be ≤ `1000`, instead was `1001`" in refused(
        append(sandbox, page["id"], [block])
    )


def test_a_mention_of_a_page_reads_back_with_its_title_and_url(sandbox, page):
    piece = {"type": "mention", "mention": {"type": "page", "page": {"id": page["id"]}}}

    [made] = append(sandbox, page["id"], [{"paragraph": {"rich_text": [piece]}}]).json()["results"]

    [mention] = made["paragraph"]["rich_text"]
    assert mention["mention"] == {"type": "page", "page": {"id": page["id"]}}
    assert (mention["plain_text"], mention["href"]) == ("Blocks", page["url"])


def test_a_callout_keeps_its_emoji_icon_and_colour(sandbox, page):
    icon = {"type": "emoji", "emoji": "💡"}
    block = item("Tip", kind="callout", icon=icon, color="green_background")

    [made] = append(sandbox, page["id"], [block]).json()["results"]

    assert made["callout"]["icon"] == icon
    assert made["callout"]["color"] == "green_background"
    assert made["callout"]["rich_text"][0]["plain_text"] == "Tip"


def test_a_callout_keeps_an_external_icon(sandbox, page):
    icon = {"type": "external", "external": {"url": "https://example.com/icon.png"}}

    [made] = append(sandbox, page["id"], [item("Tip", kind="callout", icon=icon)]).json()["results"]

    assert made["callout"]["icon"] == icon


@pytest.mark.parametrize(
    ("icon", "message"),
    [
        ({"type": "emoji"}, "callout.icon.emoji should be an emoji"),
        (
            {"type": "file_upload", "file_upload": {"id": "x"}},
            "callout.icon.type should be `emoji` or `external`",
        ),
        ({"type": "external", "external": {"url": "ftp://x.org/a.png"}}, "should be an http or https URL"),
    ],
)
def test_it_refuses_a_callout_icon_notion_does_not_take(sandbox, page, icon, message):
    assert message in refused(append(sandbox, page["id"], [item("Tip", kind="callout", icon=icon)]))


def test_it_refuses_a_block_colour_that_is_not_notions(sandbox, page):
    message = refused(append(sandbox, page["id"], [item("Tip", kind="callout", color="teal")]))

    assert (
        'body.children[0].callout.color should be one of Notion\'s colours, instead was `"teal"`' in message
    )


def test_a_toggle_holds_its_children_and_takes_more_later(sandbox, page):
    [toggle] = append(
        sandbox, page["id"], [item("More", item("inside", kind="paragraph"), kind="toggle")]
    ).json()["results"]

    append(sandbox, toggle["id"], [item("later", item("deeper"), kind="toggle")])

    assert toggle["has_children"] is True
    inside, later = listed(sandbox, toggle["id"])
    assert (inside["type"], later["type"], later["has_children"]) == ("paragraph", "toggle", True)
    assert listed(sandbox, later["id"])[0]["bulleted_list_item"]["rich_text"][0]["plain_text"] == "deeper"


@pytest.mark.parametrize("kind", ["image", "video", "file", "pdf", "audio"])
def test_a_media_block_keeps_its_external_url_and_caption(sandbox, page, kind):
    url = f"https://example.com/media/{kind}"
    block = {
        "type": kind,
        kind: {"type": "external", "external": {"url": url}, "caption": [text("A caption")]},
    }

    [made] = append(sandbox, page["id"], [block]).json()["results"]

    assert made[kind]["type"] == "external"
    assert made[kind]["external"] == {"url": url}
    assert made[kind]["caption"][0]["plain_text"] == "A caption"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "image.external.url should be an http or https URL"),
        ("ftp://example.com/a.png", "image.external.url should be an http or https URL"),
        ("https://example.com/" + "a" * 2000, "image.external.url.length should be ≤ `2000`"),
        ("", "image.external.url should be defined"),
    ],
)
def test_it_refuses_an_external_image_whose_url_notion_does_not_take(sandbox, page, url, message):
    block = {"type": "image", "image": {"type": "external", "external": {"url": url}}}

    assert message in refused(append(sandbox, page["id"], [block]))


def test_rich_text_keeps_its_colour_underline_code_and_link(sandbox, page):
    piece = text("see", color="red_background", underline=True, code=True)
    piece["text"]["link"] = {"url": "https://example.com/"}

    [made] = append(sandbox, page["id"], [{"paragraph": {"rich_text": [piece]}}]).json()["results"]

    [read] = made["paragraph"]["rich_text"]
    assert read["text"] == {"content": "see", "link": {"url": "https://example.com/"}}
    assert read["href"] == "https://example.com/"
    assert read["annotations"] == {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": True,
        "code": True,
        "color": "red_background",
    }


def test_it_refuses_a_rich_text_colour_that_is_not_notions(sandbox, page):
    block = {"paragraph": {"rich_text": [text("a", color="teal")]}}

    assert "rich_text[0].annotations should be valid" in refused(append(sandbox, page["id"], [block]))
