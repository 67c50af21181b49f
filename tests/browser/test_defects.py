"""Defects found at the browser, each shown by the test that failed before its fix."""

import uuid

from playwright.sync_api import expect

from integration.models import FormSubmission
from tests.browser.test_in_browser import section, send

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
