"""The request history in the admin, in a real browser: at desktop and phone width, in the product's look."""

import os
import uuid
from pathlib import Path

from playwright.sync_api import expect

from integration.models import Outcome
from tests.factories import NotionRequestLogFactory

HISTORY = "/admin/integration/notionrequestlog/"
PAGE_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
COLUMNS = ["Time", "Status", "Operation", "Request", "Duration", "Attempt", "User"]


def a_day_of_requests() -> dict[str, object]:
    """Rows as wide as they come: long operations and paths, errors, a request without an answer."""
    action = uuid.uuid4()
    return {
        "success": NotionRequestLogFactory(
            operation="blocks.children.append",
            method="PATCH",
            url=f"https://api.notion.com/v1/blocks/{PAGE_ID}/children",
            username="ada",
            duration_ms=12345,
        ),
        "error": NotionRequestLogFactory(
            operation="data_sources.query",
            url=f"https://api.notion.com/v1/data_sources/{uuid.uuid4()}/query",
            status=404,
            outcome=Outcome.CLIENT_ERROR,
            error_code="object_not_found",
            username="margaret.hamilton",
        ),
        "no response": NotionRequestLogFactory(
            status=None,
            outcome=Outcome.NO_RESPONSE,
            error_code="RemoteProtocolError",
            duration_ms=None,
            attempt=3,
            correlation_id=action,
            object_id=PAGE_ID,
            parent_id=str(uuid.uuid4()),
        ),
    }


def overflow(page, selector: str) -> dict[str, int]:
    return page.evaluate(
        """(selector) => {
            const element = document.querySelector(selector);
            return {scroll: element.scrollWidth, client: element.clientWidth,
                    page: document.documentElement.scrollWidth, viewport: window.innerWidth};
        }""",
        selector,
    )


def screenshot(page, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SCREENSHOTS_DIR", tmp_path))
    page.screenshot(path=folder / name, full_page=True)


def test_at_desktop_width_every_column_of_the_history_is_in_view(page, tmp_path):
    a_day_of_requests()

    page.goto(HISTORY)
    screenshot(page, tmp_path, "admin-history-desktop.png")

    headers = page.locator("#result_list thead th")
    for header in headers.all():
        box = header.bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 1280, f"{header.text_content().strip()!r} is out of view"
    # After the box that selects rows for an export.
    assert [text.strip() for text in headers.all_text_contents()] == ["", *COLUMNS]
    table, results = overflow(page, "#result_list"), overflow(page, "#changelist-form .results")
    assert table["scroll"] <= table["client"], "the table scrolls sideways"
    assert results["scroll"] <= results["client"], "the list scrolls sideways"
    assert results["page"] <= results["viewport"], "the page scrolls sideways"


def test_at_phone_width_neither_the_history_nor_a_request_scrolls_sideways(
    chromium, app_url, person, tmp_path
):
    from tests.browser.conftest import log_in

    rows = a_day_of_requests()
    context = chromium.new_context(base_url=app_url, viewport={"width": 390, "height": 844})
    tab = context.new_page()
    log_in(tab, app_url)

    tab.goto(HISTORY)
    screenshot(tab, tmp_path, "admin-history-phone.png")
    history = overflow(tab, "#changelist-form .results")
    status = tab.locator("#result_list thead th", has_text="Status").bounding_box()
    tab.goto(f"{HISTORY}{rows['no response'].pk}/change/")
    screenshot(tab, tmp_path, "admin-request-phone.png")
    detail = overflow(tab, "#content")
    context.close()

    assert history["page"] <= 390, "the history scrolls sideways on a phone"
    assert history["scroll"] <= history["client"], "the list scrolls sideways on a phone"
    assert status["x"] + status["width"] <= 390, "the status is out of view on a phone"
    assert detail["page"] <= 390, "a request scrolls sideways on a phone"


def test_the_status_is_a_badge_green_for_success_red_for_an_error_grey_without_an_answer(js_page):
    rows = a_day_of_requests()

    js_page.goto(HISTORY)

    def colour(row) -> str:
        badge = js_page.locator(f'#result_list tr:has(a[href$="/{row.pk}/change/"]) .field-status_shown span')
        return badge.evaluate("badge => getComputedStyle(badge).color")

    assert colour(rows["success"]) == "rgb(26, 127, 55)"
    assert colour(rows["error"]) == "rgb(180, 35, 24)"
    assert colour(rows["no response"]) == "rgb(89, 99, 110)"


def test_the_admin_looks_like_the_app_and_leads_back_to_the_forms(js_page):
    a_day_of_requests()

    js_page.goto(HISTORY)

    header = js_page.locator("#header")
    expect(header.locator("#branding")).to_have_text("notionforms")
    assert "system-ui" in header.evaluate("header => getComputedStyle(header).fontFamily")
    assert header.evaluate("header => getComputedStyle(header).backgroundColor") == "rgb(255, 255, 255)"
    link = js_page.locator("#result_list tbody th a").first
    assert link.evaluate("link => getComputedStyle(link).color") == "rgb(47, 91, 211)"

    js_page.get_by_role("link", name="Back to the forms").click()
    expect(js_page.get_by_role("heading", name="1. Create a new database")).to_be_visible()
