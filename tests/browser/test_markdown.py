"""Markdown content in the browser: the preview, with JavaScript on and off, then sending it."""

import pytest
from playwright.sync_api import expect

from integration.models import FormSubmission, NotionRequestLog
from integration.sandbox.store import root_page
from tests.browser.test_in_browser import section

CONTENT = "# Plan\n\n- [x] book\n  - train\n    - seat **42**\n\n> [Map](https://example.com/map)"


@pytest.fixture(autouse=True)
def no_script_errors(request):
    """The page's script throws nothing and the Content-Security-Policy blocks nothing."""
    tabs = [request.getfixturevalue(name) for name in ("page", "js_page") if name in request.fixturenames]
    errors: list[str] = []
    for tab in tabs:
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.on(
            "console",
            lambda message: errors.append(message.text) if "Content Security" in message.text else 0,
        )
    yield
    assert errors == []


def test_the_preview_shows_the_blocks_as_notion_will_and_sends_nothing(page):
    form = section(page, "content")
    expect(form.get_by_label("Format")).to_have_value("markdown")
    form.get_by_label("Content").fill(CONTENT)
    page.evaluate("window.stayed = true")

    form.get_by_role("button", name="Preview").click()

    preview = section(page, "content").locator(".preview")
    expect(preview.locator(".preview-count")).to_have_text(
        "Sending will add 5 blocks in 3 requests to Notion. Nothing has been sent."
    )
    expect(preview.locator("h4")).to_have_text("Plan")
    seat = preview.locator("ul.todo > li.to_do > ul > li > ul > li")
    expect(seat).to_have_text("seat 42")
    expect(seat.locator("strong")).to_have_text("42")
    box = preview.locator("li.to_do > input[type=checkbox]")
    expect(box).to_be_checked()
    expect(box).to_be_disabled()
    expect(preview.locator("blockquote a")).to_have_attribute("rel", "noopener noreferrer")
    expect(section(page, "content").get_by_label("Content")).to_have_value(CONTENT)
    assert not FormSubmission.objects.exists()
    assert not NotionRequestLog.objects.exists()


def test_with_javascript_the_preview_goes_in_place_without_reloading_the_page(js_page):
    form = section(js_page, "content")
    form.get_by_label("Content").fill("## First")
    js_page.evaluate("window.stayed = true")

    form.get_by_role("button", name="Preview").click()
    expect(form.locator(".preview h5")).to_have_text("First")
    form.get_by_label("Content").fill("## Second\n\n---")
    form.get_by_role("button", name="Preview").click()

    expect(form.locator(".preview h5")).to_have_text("Second")
    expect(form.locator(".preview hr")).to_have_count(1)
    expect(form.locator(".preview-count")).to_have_count(1)
    assert js_page.evaluate("window.stayed") is True
    assert not NotionRequestLog.objects.exists()


def test_content_previewed_then_sent_arrives_nested_as_previewed(js_page):
    parent = root_page()
    form = section(js_page, "content")
    form.get_by_label("Page ID").fill(parent)
    form.get_by_label("Content").fill(CONTENT)
    form.get_by_role("button", name="Preview").click()
    expect(form.locator(".preview-count")).to_contain_text("5 blocks in 3 requests")

    form.get_by_role("button", name="Add content").click()

    expect(section(js_page, "content").locator(".results li.succeeded")).to_contain_text("5 blocks added")
    expect(section(js_page, "content").locator(".preview")).to_be_empty()
    submission = FormSubmission.objects.get(action="content")
    assert submission.input["format"] == "markdown"
    assert list(NotionRequestLog.objects.order_by("id").values_list("method", flat=True)) == [
        "PATCH", "GET", "PATCH",
    ]  # fmt: skip
