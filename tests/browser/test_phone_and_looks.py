"""Pages on a phone (nothing scrolls sideways at 390 px) and things that should look alike."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import logged_in_tab
from tests.browser.test_in_browser import section, send
from tests.factories import JobFactory

LONG_FILE_NAME = "quarterly-sales-report-for-the-northern-region-2026-final-version-reviewed-by-finance.csv"


@pytest.fixture(params=["javascript on", "javascript off"])
def phone(request, chromium, app_url, person):
    """A logged-in tab 390 px wide, as a phone's."""
    errors: list[str] = []
    javascript = request.param == "javascript on"
    with logged_in_tab(chromium, app_url, javascript=javascript, width=390, height=844) as tab:
        tab.on("pageerror", lambda error: errors.append(str(error)))
        yield tab
    assert errors == []


def page_width(tab) -> int:
    return tab.evaluate("document.documentElement.scrollWidth")


def screenshot(tab, name: str, full_page: bool = True) -> None:
    """Kept for a person to look at when SCREENSHOTS_DIR is set."""
    if folder := os.environ.get("SCREENSHOTS_DIR"):
        tab.screenshot(path=Path(folder) / name, full_page=full_page)


def test_a_preview_with_a_long_code_line_scrolls_inside_its_box_on_a_phone(phone):
    form = section(phone, "content")
    form.get_by_label("Content").fill("Before the code.\n\n```\n" + "x" * 300 + "\n```")

    form.get_by_role("button", name="Preview").click()

    code = section(phone, "content").locator(".preview pre")
    expect(code).to_be_visible()
    screenshot(phone, "phone-preview.png")
    assert page_width(phone) <= 390
    box = code.evaluate("pre => ({scroll: pre.scrollWidth, client: pre.clientWidth})")
    assert box["scroll"] > box["client"], "the code line should scroll inside its box"


def test_the_list_of_jobs_fits_a_phone_with_a_long_file_name(phone, person):
    job = JobFactory(owner=person, kind="import", input={"name": LONG_FILE_NAME}, total=120, done=40)

    phone.goto("/jobs/")

    expect(phone.get_by_role("link", name=str(job.pk), exact=True)).to_be_visible()
    screenshot(phone, "phone-jobs.png")
    assert page_width(phone) <= 390


def test_the_import_preview_of_a_file_with_many_columns_fits_a_phone(phone, tmp_path):
    header = [f"Measurement column {n}" for n in range(1, 16)]
    rows = [[f"value {row}-{n} with some words" for n in range(1, 16)] for row in range(1, 4)]
    csv = "\n".join(",".join(line) for line in [header, *rows]) + "\n"
    phone.goto("/imports/")

    phone.get_by_label("CSV file").set_input_files(
        files=[{"name": "wide.csv", "mimeType": "text/csv", "buffer": csv.encode()}]
    )
    phone.get_by_role("button", name="Upload and preview").click()

    expect(phone.get_by_role("heading", name="Import wide.csv")).to_be_visible()
    phone.locator("table.import-columns").scroll_into_view_if_needed()
    screenshot(phone, "phone-import-preview.png", full_page=False)
    assert page_width(phone) <= 390


def style_of(locator, *names: str) -> dict[str, str]:
    return locator.evaluate(
        "(element, names) => Object.fromEntries(names.map(n => [n, getComputedStyle(element)[n]]))",
        list(names),
    )


LINK_LOOK = ("color", "fontSize", "fontWeight", "fontFamily", "textDecorationLine", "backgroundColor")


def test_log_out_looks_like_the_other_links_of_the_header(js_page):
    header = js_page.locator("header.site")

    jobs = style_of(header.get_by_role("link", name="Jobs"), *LINK_LOOK)
    log_out = style_of(header.get_by_role("button", name="Log out"), *LINK_LOOK)

    assert log_out == jobs


def test_a_results_two_links_are_the_same_size(js_page):
    send(js_page, "database", {"Database name": "Reading list"})
    answer = section(js_page, "database").locator(".results li").first

    opened = style_of(answer.get_by_role("link", name="Open in the sandbox"), "fontSize")
    history = style_of(answer.get_by_role("link", name="Requests in the history"), "fontSize")

    assert opened == history


def test_a_multi_selects_boxes_sit_side_by_side_and_wrap(js_page):
    from tests.browser.test_page_fields import books

    source_id = books()
    form = section(js_page, "page")
    form.get_by_label("Data source ID").fill(source_id)
    form.get_by_label("Data source ID").press("Tab")
    genres = form.get_by_role("group", name="Genres")

    first = genres.get_by_label("Sci-fi").bounding_box()
    second = genres.get_by_label("Classic").bounding_box()

    assert abs(first["y"] - second["y"]) < 2 and second["x"] > first["x"]
    screenshot(js_page, "desktop-multi-select.png")


def test_a_number_row_shows_its_format_list_where_the_options_were_and_fits_a_phone(phone):
    row = section(phone, "database").locator(".column-row").first
    row.get_by_label("Column name").fill("Price")

    row.get_by_label("Type").select_option("number")

    expect(row.get_by_label("Number format")).to_be_visible()
    expect(row.get_by_label("Options")).to_be_hidden()
    row.get_by_label("Number format").select_option("euro")
    section(phone, "database").scroll_into_view_if_needed()
    screenshot(phone, "phone-columns.png", full_page=False)
    assert page_width(phone) <= 390
