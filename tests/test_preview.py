"""The Preview button of form 3: the blocks as they will look, and what sending will take, with
nothing sent to Notion and nothing stored."""

import uuid

import pytest

from integration.models import FormSubmission, NotionRequestLog


@pytest.fixture
def preview(browser):
    """Press Preview on form 3, as a browser without JavaScript would (or its script, `fetch=True`)."""

    def post(content: str, *, text_format: str = "markdown", page_id: str = "", key: str = "", fetch=False):
        browser.get("/")
        data = {
            "content-page_id": page_id,
            "content-content": content,
            "content-format": text_format,
            "content-submission_key": key or str(uuid.uuid4()),
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
            "preview": "1",
        }
        headers = {"X-Requested-With": "fetch"} if fetch else {}
        return browser.post("/content/", data, headers=headers)

    return post


def nothing_happened(fake_notion) -> None:
    assert fake_notion.received == []
    assert not FormSubmission.objects.exists()
    assert not NotionRequestLog.objects.exists()


def shown(response) -> str:
    """The preview of the answer."""
    return response.content.decode().split('<div class="preview"')[1].split("</form>")[0]


DOCUMENT = """# Plan

Some **bold**, *italic*, ~~gone~~, `code` and [a link](https://example.com/a).

- one
  - [x] two
    1. three

> wise

```py
print("hi")
```

---
"""


def test_without_javascript_the_page_comes_back_with_the_form_bound_and_the_preview_under_it(
    preview, fake_notion
):
    response = preview(DOCUMENT)

    assert response.status_code == 200
    page = response.content.decode()
    assert "# Plan\n\nSome **bold**" in page  # the form, as typed
    assert '<option value="markdown" selected>Markdown</option>' in page
    html = shown(response)
    assert "Sending will add 8 blocks in 3 requests to Notion. Nothing has been sent." in html
    assert '<h4 class="heading_1">Plan</h4>' in html
    assert "<strong>bold</strong>" in html and "<em>italic</em>" in html
    assert "<s>gone</s>" in html and "<code>code</code>" in html
    assert '<a href="https://example.com/a" rel="noopener noreferrer" target="_blank">a link</a>' in html
    assert (
        '<ul><li class="bulleted_list_item">one<ul class="todo"><li class="to_do">'
        '<input type="checkbox" disabled checked> two<ol><li class="numbered_list_item">three</li></ol>'
    ) in html
    assert "<blockquote><p>wise</p></blockquote>" in html
    assert '<pre data-language="python"><code>print(&quot;hi&quot;)</code></pre>' in html
    assert "<hr>" in html
    nothing_happened(fake_notion)


def test_with_the_script_the_section_alone_comes_with_the_preview(preview, fake_notion):
    response = preview("## Hello", fetch=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section class="step" id="content"')
    assert '<h5 class="heading_2">Hello</h5>' in shown(response)
    nothing_happened(fake_notion)


def test_the_preview_escapes_everything(preview, fake_notion):
    content = '<script>alert(1)</script> **<img src=x onerror=alert(1)>** [x](https://e.com/"><b>)\n\n```\n</code>\n```'

    html = shown(preview(content))

    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>&lt;img src=x onerror=alert(1)&gt;</strong>" in html
    assert 'href="https://e.com/%22%3E%3Cb%3E"' in html
    assert "<code>&lt;/code&gt;</code>" in html


def test_a_link_notion_would_not_take_is_previewed_as_text(preview, fake_notion):
    html = shown(preview("[click](javascript:alert(1)) [ftp](ftp://x.y)"))

    assert "<a " not in html
    assert "<p>click ftp</p>" in html


def test_the_preview_needs_no_page_id(preview, fake_notion):
    response = preview("Hello", page_id="")

    assert response.status_code == 200
    assert "This field is required." not in response.content.decode()
    assert "Sending will add 1 block in 1 request to Notion." in shown(response)


def test_a_preview_of_nothing_says_the_content_is_required(preview, fake_notion):
    response = preview("  \n ")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Sending will add" not in response.content.decode()
    nothing_happened(fake_notion)


def test_plain_text_is_previewed_as_typed(preview, fake_notion):
    html = shown(preview("**as typed**\n\nsecond", text_format="plain"))

    assert "<p>**as typed**</p>" in html and "<p>second</p>" in html
    assert "2 blocks in 1 request" in html


def test_the_preview_says_how_many_requests_sending_will_take(preview, fake_notion):
    html = shown(preview("\n".join(f"- item {n}" for n in range(250))))

    assert "Sending will add 250 blocks in 3 requests to Notion." in html


def test_content_previewed_is_sent_with_the_same_one_time_key_once(preview, submit, fake_notion, new_key):
    parent = fake_notion.sandbox.add_page("Notes")
    page = preview("# Title", page_id=parent["id"], key=new_key).content.decode()
    assert f'name="content-submission_key" value="{new_key}"' in page

    submit("content", key=new_key, page_id=parent["id"], content="# Title", format="markdown")
    submit("content", key=new_key, page_id=parent["id"], content="# Title", format="markdown")

    assert len(fake_notion.sent("PATCH", "/children$")) == 1
    assert FormSubmission.objects.get().status == "succeeded"
