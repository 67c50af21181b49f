"""Arbitrary input in every field never breaks a form: it gets a form error or a correct request."""

import json
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration.ids import parse_notion_id
from integration.models import FormSubmission

# Any text, short or up to 100 000 characters (a short text repeated), HTML and control characters included.
texts = st.one_of(
    st.text(),
    st.sampled_from(["", " ", "<script>alert(1)</script>", "\x00", "a\u200bb", "😀" * 1001, "x" * 2001]),
    st.builds(
        lambda part, times: part * times, st.text(min_size=1, max_size=20), st.integers(1, 100_000 // 20)
    ),
)
ids = st.one_of(
    texts,
    st.uuids().map(str),
    st.uuids().map(lambda u: u.hex),
    st.uuids().map(lambda u: f"https://www.notion.so/Some-page-{u.hex}?v={uuid.uuid4().hex}"),
)
examples = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def sent_text(rich_text: list[dict]) -> str:
    return "".join(piece["text"]["content"] for piece in rich_text)


def check(response, fake_notion, action: str, notion_id: str = "") -> list[dict]:
    """The form either refused the input, or sent it to the right object: return the writes sent."""
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert fake_notion.received == []
        return []
    submission = FormSubmission.objects.get(key=response.wsgi_request.POST[f"{action}-submission_key"])
    assert submission.status in ("succeeded", "failed")
    if notion_id:
        assert all(
            parse_notion_id(notion_id) in r.url.path + r.content.decode() for r in fake_notion.received
        )
    bodies = [json.loads(r.content) for r in fake_notion.received if r.method in ("POST", "PATCH")]
    fake_notion.received.clear()
    return bodies


@examples
@given(name=texts)
def test_the_database_form_takes_any_name(submit, fake_notion, name):
    response = submit("database", name=name)

    for body in check(response, fake_notion, "database"):
        assert sent_text(body["title"]) == name.strip()
        assert all(len(piece["text"]["content"]) <= 2000 for piece in body["title"])


@examples
@given(source=ids, name=texts, header=texts)
def test_the_page_form_takes_any_id_name_and_header(submit, fake_notion, source, name, header):
    response = submit("page", data_source_id=source, name=name, header=header)

    for body in check(response, fake_notion, "page", source)[:1]:
        [title] = body["properties"].values()
        assert sent_text(title["title"]) == name.strip()
        if header.strip():
            assert sent_text(body["children"][0]["heading_2"]["rich_text"]) == header.strip()


@examples
@given(page=st.one_of(ids, st.just("PARENT")), content=texts)
def test_the_content_form_takes_any_id_and_content(submit, fake_notion, parent_page, page, content):
    page = parent_page["id"] if page == "PARENT" else page
    response = submit("content", page_id=page, content=content, format="plain")

    bodies = check(response, fake_notion, "content", page)
    if bodies:
        blocks = [block for body in bodies for block in body["children"]]
        text = content.replace("\r\n", "\n").replace("\r", "\n")
        sent = "\n\n".join(sent_text(block["paragraph"]["rich_text"]) for block in blocks)
        # Parts stop at the first failure (a page that does not exist, say): what went is the start.
        assert (
            sent == text
            if FormSubmission.objects.latest("id").status == "succeeded"
            else text.startswith(sent)
        )


@examples
@given(page=ids, comment=texts)
def test_the_comment_form_takes_any_id_and_comment(submit, fake_notion, page, comment):
    response = submit("comment", page_id=page, comment=comment)

    for body in check(response, fake_notion, "comment", page):
        assert sent_text(body["rich_text"]) == comment.strip()
