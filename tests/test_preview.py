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


def test_a_table_is_previewed_as_a_table_with_its_header_row(preview, fake_notion):
    html = shown(preview("| Name | **Role** |\n|---|---|\n| Ada | `eng` |\n| Bob |"))

    assert (
        '<table class="notion-table"><thead><tr><th>Name</th><th><strong>Role</strong></th></tr></thead>'
        "<tbody><tr><td>Ada</td><td><code>eng</code></td></tr><tr><td>Bob</td><td></td></tr></tbody></table>"
    ) in html
    assert "Sending will add 4 blocks in 1 request" in html
    nothing_happened(fake_notion)


def test_an_alert_is_previewed_as_a_callout_with_its_emoji_and_colour(preview, fake_notion):
    html = shown(preview("> [!WARNING]\n> Mind **this**\n>\n> - more")).replace("\n", "")

    assert (
        '<div class="callout callout-yellow_background">'
        '<span class="callout-icon" aria-hidden="true">⚠️</span>'
        "<div><p>Mind <strong>this</strong></p>"
        '<ul><li class="bulleted_list_item">more</li></ul></div></div>'
    ) in html
    assert "[!WARNING]" not in html


def test_details_are_previewed_as_a_toggle(preview, fake_notion):
    html = shown(preview("<details>\n<summary>Open me</summary>\n\nInside *here*\n\n</details>")).replace(
        "\n", ""
    )

    assert '<details class="toggle"><summary>Open me</summary><p>Inside <em>here</em></p></details>' in html
    assert "Shown as text" not in html


def test_equations_are_previewed_as_their_tex_source(preview, fake_notion):
    html = shown(preview("$$\n\\frac{a}{b} < c\n$$\n\nInline $x^2 < y$ too"))

    assert '<p class="equation-block"><code class="equation">\\frac{a}{b} &lt; c</code></p>' in html
    assert '<p>Inline <code class="equation">x^2 &lt; y</code> too</p>' in html


def test_an_image_from_the_web_is_previewed_as_an_image_with_its_caption(preview, fake_notion):
    html = shown(preview('Look: ![A "cat"](https://example.com/cat.png?a=1&b=2)'))

    assert "<p>Look: </p>" in html
    assert (
        '<figure class="image"><img src="https://example.com/cat.png?a=1&amp;b=2" alt="A &quot;cat&quot;" '
        'loading="lazy" referrerpolicy="no-referrer"><figcaption>A &quot;cat&quot;</figcaption></figure>'
    ) in html


def test_what_notion_will_show_as_typed_is_listed_under_shown_as_text(preview, fake_notion):
    html = shown(preview("Hi <span>there</span>\n\n![plan](plan.png)"))

    assert "<p>Hi &lt;span&gt;there&lt;/span&gt;</p>" in html
    assert '<h4 class="preview-as-text-title">Shown as text</h4>' in html
    assert (
        '<ul class="preview-as-text"><li>line 1: HTML `&lt;span&gt;`</li>'
        "<li>line 1: HTML `&lt;/span&gt;`</li>"
        "<li>line 3: image `plan.png` (not attached), shown as its description</li></ul>"
    ) in html


def test_nothing_is_listed_as_text_when_all_is_notions_own(preview, fake_notion):
    assert "Shown as text" not in shown(preview("# Title\n\nhttps://example.com"))


def test_the_new_drawings_escape_everything(preview, fake_notion):
    content = (
        "| <script>x</script> |\n|---|\n| $<img src=x>$ |\n\n"
        "> [!NOTE]\n> <iframe>\n\n"
        "<details><summary>&lt;b&gt;no&lt;/b&gt;</summary>\n\n</details>\n\n"
        '![<svg onload=alert(1)>](https://e.com/a.png"onerror="alert(1))'
    )

    html = shown(preview(content))

    for tag in ("<script", "<img src=x", "<iframe", "<b>", "<svg"):
        assert tag not in html
    assert "<th>&lt;script&gt;x&lt;/script&gt;</th>" in html
    assert '<code class="equation">&lt;img src=x&gt;</code>' in html
    assert "<summary>&lt;b&gt;no&lt;/b&gt;</summary>" in html
    assert 'src="https://e.com/a.png%22onerror=%22alert(1)"' in html


def test_an_attached_file_is_drawn_as_a_box_with_its_name_until_sent():
    from django.template.loader import render_to_string

    from integration.notion.markdown import plan_content
    from integration.preview import plan_preview

    plan = plan_content(
        "![The plan](plan.pdf)", text_format="markdown", attached={"plan.pdf": ("pdf", "up-1")}
    )

    html = render_to_string("integration/preview.html", {"preview": plan_preview(plan)})

    assert (
        '<figure class="pdf"><div class="attached-file"><strong>plan.pdf</strong> '
        "<span>uploaded when you send</span></div><figcaption>The plan</figcaption></figure>"
    ) in html
    assert "<img" not in html
