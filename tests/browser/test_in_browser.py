"""A person at the browser: the four forms in a row, errors, pick lists, login and history."""

import os
import re
import uuid
from pathlib import Path

from playwright.sync_api import expect

from integration.models import FormSubmission
from tests.browser.conftest import log_in

BUTTONS = {
    "database": "Create database",
    "page": "Add page",
    "content": "Add content",
    "comment": "Add comment",
}


def section(page, action: str):
    return page.locator(f"section#{action}")


def send(page, action: str, fields: dict[str, str]) -> None:
    """Fill a form by its labels, submit it, and wait for its newest answer."""
    form = section(page, action)
    count = form.locator(".results li").count()
    for label, value in fields.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name=BUTTONS[action]).click()
    expect(section(page, action).locator(".results li")).to_have_count(min(count + 1, 5))


def run_the_four_forms(page) -> dict[str, str]:
    send(page, "database", {"Database name": "Reading list"})
    database = FormSubmission.objects.get(action="database").result
    expect(section(page, "database").locator(".results li").first).to_contain_text(database["data_source_id"])
    # The new data source is carried into the next form.
    expect(section(page, "page").get_by_label("Data source ID")).to_have_value(database["data_source_id"])

    send(page, "page", {"New page name": "Dune", "Header": "Why read it"})
    new_page = FormSubmission.objects.get(action="page").result
    expect(section(page, "content").get_by_label("Page ID")).to_have_value(new_page["id"])
    expect(section(page, "comment").get_by_label("Page ID")).to_have_value(new_page["id"])

    send(page, "content", {"Content": "A desert planet.\n\nSpice must flow."})
    send(page, "comment", {"Comment": "Read it twice"})
    return {"database": database["id"], "page": new_page["id"]}


def test_the_four_forms_in_a_row(page):
    made = run_the_four_forms(page)

    statuses = list(FormSubmission.objects.order_by("id").values_list("action", "status"))
    assert statuses == [(a, "succeeded") for a in ("database", "page", "content", "comment")]
    for action in ("database", "page", "content", "comment"):
        expect(section(page, action).locator(".results li.succeeded")).to_have_count(1)
    expect(section(page, "page").locator(".results li").first).to_contain_text(made["page"])
    link = section(page, "page").get_by_role("link", name="Open in the sandbox")
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dune")
    expect(page.locator(".page-content")).to_contain_text("Spice must flow.")
    expect(page.locator(".comments")).to_contain_text("Read it twice")


def test_with_javascript_the_page_is_never_reloaded(js_page):
    js_page.evaluate("window.sameDocument = 'yes'")

    run_the_four_forms(js_page)

    assert js_page.evaluate("window.sameDocument") == "yes"


def test_a_double_click_sends_once_and_the_button_shows_progress(js_page, app_url):
    form = section(js_page, "database")
    form.get_by_label("Database name").fill("Tasks")
    button = form.get_by_role("button", name="Create database")
    js_page.route("**/databases/", lambda route: (js_page.wait_for_timeout(500), route.continue_()))

    button.click()
    expect(form.get_by_role("button", name="Sending…")).to_be_disabled()
    form.get_by_role("button", name="Sending…").click(force=True)
    expect(section(js_page, "database").locator(".results li")).to_have_count(1)

    assert FormSubmission.objects.count() == 1


def test_bad_input_shows_an_error_next_to_its_field_and_sends_nothing(page):
    form = section(page, "comment")
    form.get_by_label("Page ID").fill("not an id")
    form.get_by_label("Comment").fill("Hi")
    form.get_by_role("button", name="Add comment").click()

    expect(section(page, "comment").locator(".field.invalid")).to_contain_text("Enter a Notion ID")
    expect(section(page, "comment").get_by_label("Comment")).to_have_value("Hi")
    assert not FormSubmission.objects.exists()


def test_a_notion_error_is_shown_with_what_to_do(page):
    send(page, "comment", {"Page ID": uuid.uuid4().hex, "Comment": "Hi"})

    answer = section(page, "comment").locator(".results li.failed")
    # The app under test talks to its sandbox, which says so rather than "Add connections".
    expect(answer).to_contain_text("The sandbox has no page with this ID.")
    expect(answer).to_contain_text("object_not_found")
    expect(section(page, "comment").get_by_label("Comment")).to_have_value("Hi")


def test_the_id_fields_offer_recent_objects_and_a_search_of_the_workspace(page):
    send(page, "database", {"Database name": "Reading list"})
    send(page, "page", {"New page name": "Dune"})
    page.goto("/")
    dune = FormSubmission.objects.get(action="page").result["id"]
    options = page.locator("#recent-pages option")
    expect(options).to_have_count(1)
    assert options.first.get_attribute("value") == dune
    field = section(page, "comment").get_by_label("Page ID")
    assert field.get_attribute("list") == "recent-pages"
    field.fill("")

    search = section(page, "comment").locator("form.search")
    search.get_by_label("Find a page in the workspace").fill("dun")
    search.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Dune").click()

    expect(section(page, "comment").get_by_label("Page ID")).to_have_value(dune)


def test_the_login_page_guards_the_forms(chromium, app_url, person):
    context = chromium.new_context(base_url=app_url)
    tab = context.new_page()

    tab.goto("/")

    assert re.search(r"/accounts/login/\?next=/$", tab.url)
    log_in(tab, app_url)
    expect(tab.get_by_role("heading", name="1. Create a new database")).to_be_visible()
    context.close()


def test_the_history_shows_what_was_just_done(js_page):
    send(js_page, "database", {"Database name": "Reading list"})

    section(js_page, "database").get_by_role("link", name="Requests in the history").click()
    expect(js_page.locator("#result_list tbody tr")).to_have_count(1)
    expect(js_page.locator("#result_list")).to_contain_text("databases.create")
    js_page.locator("#result_list tbody tr th a").click()
    expect(js_page.locator("body")).to_contain_text("Bearer ***")
    expect(js_page.locator("body")).to_contain_text('"Reading list"')


def test_screenshots_of_the_page_at_desktop_and_phone_width(js_page, tmp_path):
    run_the_four_forms(js_page)
    folder = Path(os.environ.get("SCREENSHOTS_DIR", tmp_path))

    js_page.screenshot(path=folder / "screenshot-desktop.png", full_page=True)
    js_page.set_viewport_size({"width": 390, "height": 844})
    js_page.screenshot(path=folder / "screenshot-phone.png", full_page=True)

    width = js_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page scrolls sideways on a phone"
    assert (folder / "screenshot-phone.png").stat().st_size > 10_000


def test_a_form_can_be_filled_and_sent_with_the_keyboard_alone(js_page):
    js_page.goto("/")
    for _ in range(15):
        js_page.keyboard.press("Tab")
        if js_page.evaluate("document.activeElement.name") == "database-name":
            break
    outline = js_page.evaluate("getComputedStyle(document.activeElement).outlineStyle")

    js_page.keyboard.type("Typed, never clicked")
    js_page.keyboard.press("Enter")

    assert outline != "none", "the focused field shows no focus ring"
    expect(section(js_page, "database").locator(".results li.succeeded")).to_contain_text(
        "Typed, never clicked"
    )
