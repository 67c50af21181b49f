"""Defects found at the browser, each shown by the test that failed before its fix."""

import uuid

import pytest
from playwright.sync_api import expect

from integration.models import FormSubmission
from tests.browser.test_in_browser import BUTTONS, section, send

# 1. IDs carried forward only into fields the person left alone


def test_an_invalid_id_typed_in_the_page_form_stays_beside_its_error(page):
    send(page, "database", {"Database name": "Reading list"})
    send(page, "page", {"New page name": "Dune"})
    form = section(page, "page")
    form.get_by_label("Data source ID").fill("not an id")
    form.get_by_label("New page name").fill("Emma")

    form.get_by_role("button", name="Add page").click()

    expect(section(page, "page").locator(".field.invalid")).to_contain_text("Enter a Notion ID")
    expect(section(page, "page").get_by_label("Data source ID")).to_have_value("not an id")
    expect(section(page, "page").get_by_label("New page name")).to_have_value("Emma")


def test_a_cleared_id_field_stays_empty_beside_this_field_is_required(page):
    send(page, "database", {"Database name": "Reading list"})
    send(page, "page", {"New page name": "Dune"})
    form = section(page, "page")
    form.get_by_label("Data source ID").fill("")
    form.get_by_label("New page name").fill("Emma")

    form.get_by_role("button", name="Add page").click()

    expect(section(page, "page").locator(".field.invalid")).to_contain_text("This field is required")
    expect(section(page, "page").get_by_label("Data source ID")).to_have_value("")
    assert FormSubmission.objects.filter(action="page").count() == 1


def test_a_form_sent_back_with_errors_keeps_what_it_holds_when_another_form_makes_a_page(js_page):
    send(js_page, "database", {"Database name": "Reading list"})
    comment = section(js_page, "comment")
    comment.get_by_label("Comment").fill("Read it twice")
    comment.get_by_role("button", name="Add comment").click()
    expect(section(js_page, "comment").locator(".field.invalid")).to_contain_text("This field is required")

    send(js_page, "page", {"New page name": "Dune"})

    new_page = FormSubmission.objects.get(action="page").result["id"]
    expect(section(js_page, "content").get_by_label("Page ID")).to_have_value(new_page)
    expect(section(js_page, "comment").get_by_label("Page ID")).to_have_value("")
    expect(section(js_page, "comment").get_by_label("Comment")).to_have_value("Read it twice")


def test_an_id_the_person_typed_is_not_replaced_by_the_next_new_page(js_page):
    send(js_page, "database", {"Database name": "Reading list"})
    send(js_page, "page", {"New page name": "Dune"})
    typed = str(uuid.uuid4())
    section(js_page, "content").get_by_label("Page ID").fill(typed)

    send(js_page, "page", {"New page name": "Emma"})

    emma = FormSubmission.objects.filter(action="page").first().result["id"]
    expect(section(js_page, "comment").get_by_label("Page ID")).to_have_value(emma)
    expect(section(js_page, "content").get_by_label("Page ID")).to_have_value(typed)


# 4. The buttons say what they do, and say it again after a failed sending

FILLED = {
    "database": {"Database name": "Reading list"},
    "page": {"Data source ID": str(uuid.uuid4()), "New page name": "Dune"},
    "content": {"Page ID": str(uuid.uuid4()), "Content": "A desert planet."},
    "comment": {"Page ID": str(uuid.uuid4()), "Comment": "Read it twice"},
}
PATHS = {"database": "databases", "page": "pages", "content": "content", "comment": "comments"}


@pytest.mark.parametrize("action", list(BUTTONS))
def test_after_a_network_error_the_button_says_what_it_does_again(js_page, action):
    form = section(js_page, action)
    for label, value in FILLED[action].items():
        form.get_by_label(label).fill(value)
    js_page.route(f"**/{PATHS[action]}/", lambda route: route.abort())

    form.get_by_role("button", name=BUTTONS[action]).click()

    expect(form.get_by_role("alert")).to_have_text(
        "The app could not be reached. What you typed is kept: try again."
    )
    expect(form.get_by_role("button", name=BUTTONS[action])).to_be_enabled()
    expect(form.locator("form[data-in-place] button[type=submit]")).to_have_text(BUTTONS[action])
    for label, value in FILLED[action].items():
        expect(form.get_by_label(label)).to_have_value(value)
    js_page.unroute(f"**/{PATHS[action]}/")
    form.get_by_role("button", name=BUTTONS[action]).click()
    expect(section(js_page, action).locator(".results li")).to_have_count(1)


def test_an_error_page_instead_of_an_answer_says_the_app_answered_with_an_error(js_page):
    form = section(js_page, "database")
    form.get_by_label("Database name").fill("Reading list")
    js_page.route("**/databases/", lambda route: route.fulfill(status=502, body="<h1>Bad gateway</h1>"))

    form.get_by_role("button", name="Create database").click()

    expect(form.get_by_role("alert")).to_contain_text("The app answered with an error (HTTP 502).")
    expect(form.locator("form[data-in-place] button[type=submit]")).to_have_text("Create database")
    expect(form.get_by_label("Database name")).to_have_value("Reading list")
