"""A database's columns built at the browser: with JavaScript "Add column", without "More columns"."""

from playwright.sync_api import expect

from integration.models import FormSubmission
from integration.sandbox.models import SandboxObject
from tests.browser.conftest import PASSWORD
from tests.browser.test_in_browser import section


def fill_row(row, name: str, kind: str, options: str = "") -> None:
    """A row of the builder: for a number, `options` is its format, chosen from the list."""
    row.get_by_label("Column name").fill(name)
    row.get_by_label("Type").select_option(kind)
    expect(row.get_by_label("Number format")).to_be_visible(visible=kind == "number")
    expect(row.get_by_label("Options")).to_be_visible(visible=kind != "number")
    if kind == "number":
        row.get_by_label("Number format").select_option(options)
    else:
        row.get_by_label("Options").fill(options)


def add_a_row(page, javascript: bool) -> None:
    form = section(page, "database")
    if javascript:
        expect(form.get_by_role("button", name="More columns")).to_have_count(0)
        form.get_by_role("button", name="Add column").click()
    else:
        expect(form.get_by_role("button", name="Add column")).to_have_count(0)
        form.get_by_role("button", name="More columns").click()


def test_a_database_with_three_typed_columns(page, request):
    on = request.node.callspec.params["page"] == "javascript on"
    form = section(page, "database")
    rows = form.locator(".column-row")
    expect(rows).to_have_count(3)
    form.get_by_label("Database name").fill("Shop")
    form.get_by_label("Title column").fill("Item")
    fill_row(rows.nth(0), "Status", "select", "Todo, Done")
    fill_row(rows.nth(1), "Price", "number", "euro")

    add_a_row(page, on)

    rows = section(page, "database").locator(".column-row")
    expect(rows).to_have_count(4 if on else 6)
    fill_row(rows.last, "Due", "date")
    section(page, "database").get_by_role("button", name="Create database").click()

    answer = section(page, "database").locator(".results li.succeeded")
    expect(answer).to_contain_text("Item (title), Status (select), Price (number), Due (date)")
    result = FormSubmission.objects.get(action="database").result
    source = SandboxObject.objects.get(id=result["data_source_id"]).data
    kept = source["properties"]
    assert set(kept) == {
        "Item",
        "Status",
        "Price",
        "Due",
    }  # jsonb keeps no key order, nor does Notion promise one
    assert kept["Item"]["type"] == "title"
    assert [option["name"] for option in kept["Status"]["select"]["options"]] == ["Todo", "Done"]
    assert kept["Price"]["number"] == {"format": "euro"}
    assert kept["Due"] == {
        "id": kept["Due"]["id"],
        "name": "Due",
        "description": None,
        "type": "date",
        "date": {},
    }


def test_a_row_added_in_place_comes_back_with_what_was_typed_after_logging_in_again(js_page):
    form = section(js_page, "database")
    form.get_by_label("Database name").fill("Shop")
    form.get_by_role("button", name="Add column").click()
    form.get_by_role("button", name="Add column").click()
    fill_row(form.locator(".column-row").nth(4), "Price", "number", "yen")
    js_page.context.clear_cookies(name="sessionid")

    form.get_by_role("button", name="Create database").click()
    expect(js_page.get_by_role("heading", name="Log in")).to_be_visible()
    js_page.get_by_label("Username").fill("ada")
    js_page.get_by_label("Password").fill(PASSWORD)
    js_page.get_by_role("button", name="Log in").click()

    form = section(js_page, "database")
    expect(form.get_by_role("status")).to_have_text("Restored what you typed before logging in again.")
    row = form.locator(".column-row").nth(4)
    expect(row.get_by_label("Column name")).to_have_value("Price")
    expect(row.get_by_label("Type")).to_have_value("number")
    expect(row.get_by_label("Number format")).to_have_value("yen")
    form.get_by_role("button", name="Create database").click()

    expect(section(js_page, "database").locator(".results li.succeeded")).to_contain_text("Price (number)")
