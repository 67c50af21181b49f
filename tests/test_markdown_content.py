"""Form 3 in Markdown, through HTTP against the fake Notion: blocks nested to any depth, sent in
order in as many requests as Notion's limits need, and a failure that says what was added."""

import uuid
from html import escape

import httpx
import pytest

from integration.models import FormSubmission
from integration.notion import content
from integration.notion.errors import NotionError
from integration.notion.markdown import MAX_DEPTH


@pytest.fixture(autouse=True)
def sent_in_the_web_request(settings) -> None:
    """These tests are about the parts of one submission sent in its web request (tests/test_jobs.py
    has those sent by a job): long content stays there."""
    settings.NOTION_CONTENT_BACKGROUND_REQUESTS = settings.NOTION_CONTENT_MAX_REQUESTS


@pytest.fixture
def notion_page(fake_notion) -> dict:
    return fake_notion.sandbox.add_page("Meeting notes")


def tree(sandbox, parent_id: str) -> list:
    """What a reader sees on the page: each block's type and text, with its children."""
    shown = []
    for block_id in sandbox.store.children(parent_id):
        block = sandbox.store.get(block_id)
        text = "".join(piece["plain_text"] for piece in block[block["type"]].get("rich_text", []))
        children = tree(sandbox, block_id)
        assert block["has_children"] == bool(children)
        shown.append((block["type"], text, children) if children else (block["type"], text))
    return shown


def test_the_content_form_offers_markdown_first_and_plain_text(browser, fake_notion):
    page = browser.get("/").content.decode()

    assert '<option value="markdown" selected>Markdown</option>' in page
    assert '<option value="plain">Plain text</option>' in page


def test_markdown_becomes_notions_blocks_on_the_page(submit, fake_notion, notion_page):
    content = "# Plan\n\nSome **bold** [link](https://example.com).\n\n- [x] done\n\n> wise\n\n---\n\n"
    content += "```js\nx()\n```"

    response = submit("content", page_id=notion_page["id"], content=content, format="markdown")

    assert response.status_code == 302
    assert tree(fake_notion.sandbox, notion_page["id"]) == [
        ("heading_1", "Plan"),
        ("paragraph", "Some bold link."),
        ("to_do", "done"),
        ("quote", "wise"),
        ("divider", ""),
        ("code", "x()"),
    ]
    assert FormSubmission.objects.get().result["blocks"] == 6


def test_nesting_deeper_than_two_levels_is_added_to_the_new_blocks_ids_in_follow_up_requests(
    submit, fake_notion, notion_page
):
    content = "- a\n  - b\n    - c\n      - d\n        - e"

    submit("content", page_id=notion_page["id"], content=content, format="markdown")

    sandbox = fake_notion.sandbox
    assert tree(sandbox, notion_page["id"]) == [
        ("bulleted_list_item", "a", [
            ("bulleted_list_item", "b", [
                ("bulleted_list_item", "c", [("bulleted_list_item", "d", [("bulleted_list_item", "e")])]),
            ]),
        ]),
    ]  # fmt: skip
    [a] = sandbox.store.children(notion_page["id"])
    [b] = sandbox.store.children(a)
    [c] = sandbox.store.children(b)
    [d] = sandbox.store.children(c)
    assert [(r.method, r.url.path) for r in fake_notion.received] == [
        ("PATCH", f"/v1/blocks/{notion_page['id']}/children"),
        ("GET", f"/v1/blocks/{a}/children"),
        ("PATCH", f"/v1/blocks/{b}/children"),
        ("GET", f"/v1/blocks/{c}/children"),
        ("PATCH", f"/v1/blocks/{d}/children"),
    ]
    result = FormSubmission.objects.get().result
    assert result["blocks"] == 5
    assert result["ids"][0] == ["First block ID", a]


def test_250_list_items_are_sent_in_3_requests_in_order(submit, fake_notion, notion_page):
    content = "\n".join(f"1. item {n}" for n in range(250))

    submit("content", page_id=notion_page["id"], content=content, format="markdown")

    bodies = fake_notion.bodies("PATCH", "/children$")
    assert [len(body["children"]) for body in bodies] == [100, 100, 50]
    assert tree(fake_notion.sandbox, notion_page["id"]) == [
        ("numbered_list_item", f"item {n}") for n in range(250)
    ]
    assert FormSubmission.objects.get().result["headline"].startswith("250 blocks added")


LONG_NESTED = "- a\n  - b\n    - c\n" + "\n".join(f"- item {n}" for n in range(150))  # 4 requests


def test_a_failure_mid_way_says_which_parts_were_added_which_may_have_been_and_which_were_not_sent(
    submit, fake_notion, notion_page
):
    fake_notion.fail("PATCH", "/children$", error=httpx.ReadTimeout, after=1)

    submit("content", page_id=notion_page["id"], content=LONG_NESTED, format="markdown")

    hint = FormSubmission.objects.get().error["hint"]
    assert "Parts 1 to 2 of 4 were added; part 3 may have been added" in hint
    assert hint.endswith("part 4 was not sent.")
    assert [r.method for r in fake_notion.received] == ["PATCH", "GET", "PATCH"]
    [a, *_] = fake_notion.sandbox.store.children(notion_page["id"])
    [b] = fake_notion.sandbox.store.children(a)
    assert len(fake_notion.sandbox.store.children(b)) == 1  # Notion did part 3 before its answer was lost


def test_a_read_of_new_ids_that_never_left_says_the_rest_were_not_sent(submit, fake_notion, notion_page):
    fake_notion.fail("GET", "/children$", error=httpx.ConnectError, times=99)

    submit("content", page_id=notion_page["id"], content=LONG_NESTED, format="markdown")

    hint = FormSubmission.objects.get().error["hint"]
    assert hint.endswith("Part 1 of 4 was added; part 2 was not added; parts 3 to 4 were not sent.")
    assert [r.method for r in fake_notion.received] == ["PATCH"]


def test_the_request_cap_counts_follow_up_requests_before_anything_is_sent(
    submit, fake_notion, notion_page, settings
):
    settings.NOTION_CONTENT_MAX_REQUESTS = 3

    response = submit("content", page_id=notion_page["id"], content=LONG_NESTED, format="markdown")

    assert response.status_code == 400
    errors = response.context["sections"][2]["form"].errors["content"]
    assert "needs 4 requests to Notion; one submission may send at most 3" in " ".join(errors)
    assert fake_notion.received == []


def test_plain_text_stays_as_typed(submit, fake_notion, notion_page):
    submit("content", page_id=notion_page["id"], content="# not a heading\n\n**not bold**", format="plain")

    assert tree(fake_notion.sandbox, notion_page["id"]) == [
        ("paragraph", "# not a heading"),
        ("paragraph", "**not bold**"),
    ]


def test_a_form_from_before_the_format_choice_is_sent_as_plain_text(submit, fake_notion, notion_page):
    submit("content", page_id=notion_page["id"], content="**as typed**")

    assert tree(fake_notion.sandbox, notion_page["id"]) == [("paragraph", "**as typed**")]


def test_an_unknown_format_is_refused(submit, fake_notion, notion_page):
    response = submit("content", page_id=notion_page["id"], content="x", format="html")

    assert response.status_code == 400
    assert fake_notion.received == []


def test_markdown_that_makes_no_blocks_is_refused(submit, fake_notion, notion_page):
    response = submit(
        "content", page_id=notion_page["id"], content="[ref]: https://example.com", format="markdown"
    )

    assert response.status_code == 400
    errors = response.context["sections"][2]["form"].errors["content"]
    assert "This Markdown makes no blocks" in " ".join(errors)
    assert fake_notion.received == []


def test_an_answer_without_the_new_ids_stops_before_the_follow_up_requests(submit, fake_notion, notion_page):
    fake_notion.fail("PATCH", "/children$", status=200, json_body={"object": "list", "results": []})

    submit("content", page_id=notion_page["id"], content=LONG_NESTED, format="markdown")

    error = FormSubmission.objects.get().error
    assert error["code"] == "unexpected_response"
    assert "Part 1 may have been added" in error["hint"] and error["hint"].endswith(
        "parts 2 to 4 were not sent."
    )
    assert len(fake_notion.received) == 1


DEEP = {
    "emphasis": "*" * 487 + "x" + "*" * 487,
    "strong": "**" * 244 + "x" + "**" * 244,
    "quotes": "> " * 500 + "x",
    "lists": "".join("  " * n + f"- item {n}\n" for n in range(300)),
}


def answered_in_place(browser, page_id: str, content: str, *, preview: bool) -> str:
    browser.get("/")
    data = {
        "content-page_id": page_id,
        "content-content": content,
        "content-format": "markdown",
        "content-submission_key": str(uuid.uuid4()),
        "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        **({"preview": "1"} if preview else {}),
    }
    response = browser.post("/content/", data, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 400
    return response.content.decode()


@pytest.mark.parametrize("content", DEEP.values(), ids=DEEP.keys())
def test_markdown_nested_hundreds_deep_is_refused_naming_the_limit_and_keeping_the_text(
    submit, fake_notion, notion_page, content
):
    response = submit("content", page_id=notion_page["id"], content=content, format="markdown")

    html = response.content.decode()
    assert response.status_code == 400
    assert f"This Markdown is nested more than {MAX_DEPTH} deep" in html
    assert f"{escape(content)}</textarea>" in html
    assert fake_notion.received == []
    assert not FormSubmission.objects.exists()


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "send"])
@pytest.mark.parametrize("content", DEEP.values(), ids=DEEP.keys())
def test_markdown_nested_hundreds_deep_is_refused_in_place_too(
    browser, fake_notion, notion_page, content, preview
):
    html = answered_in_place(browser, notion_page["id"], content, preview=preview)

    assert html.strip().startswith('<section class="step" id="content"')
    assert f"This Markdown is nested more than {MAX_DEPTH} deep" in html
    assert f"{escape(content)}</textarea>" in html
    assert fake_notion.received == []


def test_a_list_nested_as_deep_as_the_limit_reaches_the_page_whole(submit, fake_notion, notion_page):
    content = "".join("  " * n + f"- item {n}\n" for n in range(MAX_DEPTH))

    response = submit("content", page_id=notion_page["id"], content=content, format="markdown")

    assert response.status_code == 302
    level, depth = tree(fake_notion.sandbox, notion_page["id"]), 0
    while level:
        [(kind, text, *children)] = level
        assert (kind, text) == ("bulleted_list_item", f"item {depth}")
        level, depth = (children[0] if children else []), depth + 1
    assert depth == MAX_DEPTH


def test_the_content_service_refuses_markdown_nested_too_deep_before_sending_anything(
    fake_notion, notion_page
):
    """What a background job calls, with content stored before the form refused it."""
    with pytest.raises(NotionError) as refused:
        content.append_content(page_id=notion_page["id"], content=DEEP["quotes"], text_format="markdown")

    assert refused.value.code == "too_deep"
    assert f"This Markdown is nested more than {MAX_DEPTH} deep" in refused.value.hint
    assert "nothing was sent" in refused.value.hint
    assert fake_notion.received == []


def test_tables_callouts_toggles_equations_and_images_reach_the_page_as_notions_own(
    submit, fake_notion, notion_page
):
    rows = "\n".join(f"| Item {n} | {n} |" for n in range(150))
    document = (
        f"| Name | Count |\n|---|---|\n{rows}\n\n"
        "> [!WARNING]\n> Check the **totals**.\n\n"
        "<details>\n<summary>Workings</summary>\n\n$$\nE = mc^2\n$$\n\nSo $a^2$ it is.\n\n</details>\n\n"
        "![A chart](https://example.com/chart.png) See https://example.com/more"
    )
    submit("content", page_id=notion_page["id"], format="markdown", content=document)

    assert FormSubmission.objects.get().status == "succeeded", FormSubmission.objects.get().error
    store = fake_notion.sandbox.store
    blocks = [store.get(child) for child in store.children(notion_page["id"])]
    assert [block["type"] for block in blocks] == ["table", "callout", "toggle", "image", "paragraph"]
    table_rows = [store.get(child)["table_row"]["cells"] for child in store.children(blocks[0]["id"])]
    assert len(table_rows) == 151 and table_rows[-1][0][0]["plain_text"] == "Item 149"
    assert blocks[0]["table"]["has_column_header"] is True and blocks[0]["table"]["table_width"] == 2
    assert blocks[1]["callout"]["icon"] == {"type": "emoji", "emoji": "⚠️"}
    assert [piece["plain_text"] for piece in blocks[1]["callout"]["rich_text"]] == [
        "Check the ",
        "totals",
        ".",
    ]
    inside = [store.get(child) for child in store.children(blocks[2]["id"])]
    assert inside[0]["equation"]["expression"] == "E = mc^2"
    assert inside[1]["paragraph"]["rich_text"][1]["equation"]["expression"] == "a^2"
    assert blocks[3]["image"]["external"]["url"] == "https://example.com/chart.png"
    link = blocks[4]["paragraph"]["rich_text"][-1]
    assert link["text"]["link"]["url"] == "https://example.com/more"


def test_a_submission_converts_its_markdown_once(submit, fake_notion, notion_page, monkeypatch):
    from markdown_it import MarkdownIt

    markdown = "# Plan\n\n- one\n  - two\n\n> wise **words**\n"
    parsed = []
    parse = MarkdownIt.parse

    def counted(parser: MarkdownIt, src: str, env: dict | None = None) -> list:
        parsed.append(src)
        return parse(parser, src, env)

    monkeypatch.setattr(MarkdownIt, "parse", counted)

    response = submit("content", page_id=notion_page["id"], content=markdown, format="markdown")

    assert response.status_code == 302
    assert parsed.count(markdown) == 1
    assert tree(fake_notion.sandbox, notion_page["id"])[0] == ("heading_1", "Plan")


def test_a_submission_keeps_what_was_typed_not_the_plan_made_of_it(submit, fake_notion, notion_page):
    submit("content", page_id=notion_page["id"], content="Some *text*", format="markdown")

    kept = FormSubmission.objects.get().input
    assert kept == {
        "page_id": notion_page["id"],
        "format": "markdown",
        "content": "Some *text*",
        "attachments": [],
    }
