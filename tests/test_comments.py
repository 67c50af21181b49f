"""Form 4 comments on a page or on one of its blocks, and shows the comments already there."""

import uuid

import pytest

from integration.models import FormSubmission

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def page_with_blocks(fake_notion, parent_page) -> dict:
    page = fake_notion.sandbox.add_page("Meeting notes")
    fake_notion.sandbox.append_children(
        page["id"],
        body={
            "children": [
                {"paragraph": {"rich_text": [{"text": {"content": "First paragraph."}}]}},
                {"heading_2": {"rich_text": [{"text": {"content": "Decisions"}}]}},
            ]
        },
        query={},
    )
    return page


def blocks_of(fake_notion, page: dict) -> list[str]:
    return fake_notion.sandbox.store.children(page["id"])


def comment_on(fake_notion, parent: dict, text: str) -> None:
    fake_notion.sandbox.create_comment(
        body={"parent": parent, "rich_text": [{"text": {"content": text}}]}, query={}
    )


def show_targets(browser, page_id: str, block_id: str = ""):
    browser.get("/")
    data = {
        "comment-page_id": page_id,
        "comment-block_id": block_id,
        "comment-comment": "Half typed",
        "comment-submission_key": "0d5c7a3e-2b1f-4e9d-8a6c-3f2e1d0c9b8a",
        "show_targets": "1",
        "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
    }
    return browser.post("/comments/", data)


def test_it_comments_on_a_block_of_the_page(browser, submit, fake_notion, page_with_blocks):
    block_id = blocks_of(fake_notion, page_with_blocks)[1]

    submit("comment", page_id=page_with_blocks["id"], block_id=block_id, comment="Agreed")

    [body] = fake_notion.bodies("POST", "/v1/comments$")
    assert body["parent"] == {"block_id": block_id}
    [stored] = [o for o in fake_notion.sandbox.store.newest_first(("comment",))]
    assert stored["parent"] == {"type": "block_id", "block_id": block_id}
    result = FormSubmission.objects.get().result
    assert ["Block ID", block_id] in result["ids"]
    assert "Comment added to a block of" in result["headline"]


def test_a_comment_on_a_block_that_does_not_exist_says_so(submit, fake_notion, page_with_blocks):
    submit("comment", page_id=page_with_blocks["id"], block_id="0" * 32, comment="Agreed")

    error = FormSubmission.objects.get().error
    assert error["code"] == "object_not_found" and "block" in error["hint"]


def test_without_javascript_it_lists_the_blocks_and_the_comments_and_sends_nothing(
    browser, fake_notion, page_with_blocks
):
    comment_on(fake_notion, {"page_id": page_with_blocks["id"]}, "First comment")
    comment_on(fake_notion, {"page_id": page_with_blocks["id"]}, "Second comment")

    response = show_targets(browser, page_with_blocks["url"])

    html = response.content.decode()
    first, heading = blocks_of(fake_notion, page_with_blocks)
    assert response.status_code == 200
    assert f'<option value="{first}">Paragraph: First paragraph.</option>' in html
    assert f'<option value="{heading}">Heading 2: Decisions</option>' in html
    assert html.index("First comment") < html.index("Second comment")
    assert "Half typed</textarea>" in html
    assert fake_notion.sent("POST", "/v1/comments$") == []
    assert not FormSubmission.objects.exists()


def test_the_comments_of_a_block_are_its_own(browser, fake_notion, page_with_blocks):
    _, heading = blocks_of(fake_notion, page_with_blocks)
    comment_on(fake_notion, {"page_id": page_with_blocks["id"]}, "On the page")
    comment_on(fake_notion, {"block_id": heading}, "On the heading")

    html = browser.get("/comments/on/", {"page_id": page_with_blocks["id"], "block_id": heading}, **FETCH)
    html = html.content.decode()

    assert "On the heading" in html and "On the page" not in html
    assert f'<option value="{heading}" selected>' in html


def test_comments_come_twenty_at_a_time_oldest_first_with_more(browser, fake_notion, page_with_blocks):
    for n in range(25):
        comment_on(fake_notion, {"page_id": page_with_blocks["id"]}, f"Comment {n:02}")

    first = browser.get("/comments/on/", {"page_id": page_with_blocks["id"]}, **FETCH).content.decode()
    cursor = first.split("cursor=")[1].split('"')[0]
    second = browser.get(
        "/comments/on/", {"page_id": page_with_blocks["id"], "cursor": cursor}, **FETCH
    ).content.decode()

    assert first.count('class="comment-text"') == 20 and "Comment 00" in first and "Comment 19" in first
    assert second.count('class="comment-text"') == 5 and "Comment 24" in second
    assert "More comments" in first and "More comments" not in second


def test_the_comments_of_a_page_not_shared_say_how_to_share_it(browser, fake_notion):
    html = browser.get("/comments/on/", {"page_id": "0" * 32}, **FETCH).content.decode()

    assert "Add connections" in html


def test_without_javascript_more_comments_is_a_page_of_its_own(browser, fake_notion, page_with_blocks):
    comment_on(fake_notion, {"page_id": page_with_blocks["id"]}, "Hello")

    response = browser.get("/comments/on/", {"page_id": page_with_blocks["id"]})

    assert response.status_code == 200
    assert "<h1>Comments</h1>" in response.content.decode() and "Hello" in response.content.decode()


def item(text: str, *children: dict, kind: str = "bulleted_list_item") -> dict:
    content: dict = {"rich_text": [{"text": {"content": text}}]}
    if children:
        content["children"] = list(children)
    return {kind: content}


def append(fake_notion, parent_id: str, *children: dict) -> list[dict]:
    return fake_notion.sandbox.append_children(parent_id, body={"children": list(children)}, query={})[
        "results"
    ]


def child_ids(fake_notion, parent_id: str) -> list[str]:
    return fake_notion.sandbox.store.children(parent_id)


@pytest.fixture
def nested_page(fake_notion, parent_page) -> dict:
    """A page whose list item holds a sub-item holding another, and whose toggle holds a paragraph."""
    page = fake_notion.sandbox.add_page("Plan")
    top, toggle = append(
        fake_notion,
        page["id"],
        item("Read", item("Part one")),
        item("Details", item("Hidden", kind="paragraph"), kind="toggle"),
    )
    [part] = child_ids(fake_notion, top["id"])
    append(fake_notion, part, item("Chapter 1"))  # two levels at most in one request
    return {"page": page, "top": top["id"], "toggle": toggle["id"]}


INDENT = "\u00a0\u00a0\u00a0"


def test_the_blocks_to_comment_on_include_nested_ones_indented_in_reading_order(
    browser, fake_notion, nested_page
):
    [part] = child_ids(fake_notion, nested_page["top"])
    [chapter] = child_ids(fake_notion, part)
    [hidden] = child_ids(fake_notion, nested_page["toggle"])

    html = show_targets(browser, nested_page["page"]["id"]).content.decode()

    options = [
        f'<option value="{nested_page["top"]}">Bulleted list item: Read</option>',
        f'<option value="{part}">{INDENT}↳ Bulleted list item: Part one</option>',
        f'<option value="{chapter}">{INDENT * 2}↳ Bulleted list item: Chapter 1</option>',
        f'<option value="{nested_page["toggle"]}">Toggle: Details</option>',
        f'<option value="{hidden}">{INDENT}↳ Paragraph: Hidden</option>',
    ]
    form = html.split('name="comment-block_id"')[1]
    assert [form.index(option) for option in options] == sorted(form.index(option) for option in options)


def test_the_blocks_to_comment_on_stop_three_levels_down(browser, fake_notion, nested_page):
    [part] = child_ids(fake_notion, nested_page["top"])
    [chapter] = child_ids(fake_notion, part)
    [deep] = append(fake_notion, chapter, item("Too deep"))

    html = show_targets(browser, nested_page["page"]["id"]).content.decode()

    assert f'<option value="{chapter}">' in html
    assert deep["id"] not in html


def test_the_blocks_to_comment_on_are_read_a_page_of_a_hundred_at_a_time(browser, fake_notion, parent_page):
    page = fake_notion.sandbox.add_page("Long")
    append(fake_notion, page["id"], *[item(f"Line {n}", kind="paragraph") for n in range(100)])
    [last] = append(fake_notion, page["id"], item("Line 100", kind="paragraph"))

    html = show_targets(browser, page["id"]).content.decode()

    assert f'<option value="{last["id"]}">Paragraph: Line 100</option>' in html
    assert len(fake_notion.sent("GET", f"/v1/blocks/{page['id']}/children")) == 2


def comment_form(browser, page_id: str, block_id: str, comment: str) -> dict:
    browser.get("/")
    return {
        "comment-page_id": page_id,
        "comment-block_id": block_id,
        "comment-comment": comment,
        "comment-submission_key": str(uuid.uuid4()),
        "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
    }


def test_without_javascript_the_block_commented_on_stays_chosen(browser, fake_notion, nested_page):
    [part] = child_ids(fake_notion, nested_page["top"])

    response = browser.post("/comments/", comment_form(browser, nested_page["page"]["id"], part, "Nice part"))
    home = browser.get(response["Location"]).content.decode()

    assert response.status_code == 302
    assert response["Location"] == f"/?page_id={nested_page['page']['id']}&block_id={part}#comment"
    assert f'<option value="{part}" selected>{INDENT}↳ Bulleted list item: Part one</option>' in home
    assert '<span class="comment-text">Nice part</span>' in home
    assert f'<option value="{nested_page["top"]}">Bulleted list item: Read</option>' in home


def test_with_javascript_the_block_commented_on_stays_chosen(browser, fake_notion, nested_page):
    [hidden] = child_ids(fake_notion, nested_page["toggle"])

    response = browser.post(
        "/comments/", comment_form(browser, nested_page["page"]["id"], hidden, "Found it"), **FETCH
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<option value="{hidden}" selected>{INDENT}↳ Paragraph: Hidden</option>' in html
    assert '<span class="comment-text">Found it</span>' in html
    assert "Comment added to a block of" in html


def test_after_a_comment_on_the_whole_page_the_whole_page_stays_chosen(browser, fake_notion, nested_page):
    response = browser.post("/comments/", comment_form(browser, nested_page["page"]["id"], "", "On the page"))

    assert response["Location"] == "/#comment"
    assert '<option value="" selected>The whole page</option>' in browser.get("/").content.decode()
