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
