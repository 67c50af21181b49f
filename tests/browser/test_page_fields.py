"""A person at the browser chooses a data source, sees its fields, and makes a page with all of them."""

from playwright.sync_api import expect

from integration.models import FormSubmission

USER = "5b8183bd-8984-4417-b2a6-7dc8e439e679"
SCHEMA = {
    "Book title": {"title": {}},
    "Notes": {"rich_text": {}},
    "Pages": {"number": {}},
    "Shelf": {"select": {"options": [{"name": "To read"}, {"name": "Read"}]}},
    "Genres": {"multi_select": {"options": [{"name": "Sci-fi"}, {"name": "Classic"}]}},
    "Finished": {"date": {}},
    "Owned": {"checkbox": {}},
    "Link": {"url": {}},
    "Author mail": {"email": {}},
    "Shop phone": {"phone_number": {}},
    "Readers": {"people": {}},
    "Cover": {"files": {}},
    "Added": {"created_time": {}},
}


def books() -> str:
    """A data source with a property of each kind a person can fill, in the app's sandbox."""
    from integration.sandbox.store import root_page, sandbox

    database = sandbox().create_database(
        body={
            "parent": {"page_id": root_page()},
            "title": [{"text": {"content": "Books"}}],
            "initial_data_source": {"properties": SCHEMA},
        },
        query={},
    )
    return database["data_sources"][0]["id"]


def test_choosing_a_data_source_shows_its_fields_and_a_page_with_every_field_is_made(page):
    source_id = books()
    form = page.locator("section#page")

    form.get_by_label("Data source ID").fill(source_id)
    form.get_by_role("button", name="Show fields").click()

    expect(form.get_by_label("Book title")).to_be_visible()
    expect(form.locator(".set-by-notion")).to_contain_text("Added: set by Notion")
    form.get_by_label("Book title").fill("Dune")
    form.get_by_label("Notes").fill("Worth a second read")
    form.get_by_label("Pages").fill("412")
    form.get_by_label("Shelf").select_option("Read")
    genres = form.get_by_role("group", name="Genres")
    genres.get_by_label("Sci-fi").check()
    genres.get_by_label("Classic").check()
    form.get_by_label("Finished").fill("2026-11-30")
    form.get_by_label("Owned").check()
    form.get_by_label("Link").fill("https://example.com/dune")
    form.get_by_label("Author mail").fill("frank@example.com")
    form.get_by_label("Shop phone").fill("+1 555 0100")
    form.get_by_label("Readers").fill(USER)
    form.get_by_role("textbox", name="Cover").fill("https://example.com/covers/dune.jpg")
    form.get_by_role("button", name="Add page").click()

    expect(page.locator("section#page .results li.succeeded")).to_have_count(1)
    from integration.sandbox.store import sandbox

    made = sandbox().store.get(FormSubmission.objects.get(action="page").result["id"])["properties"]
    assert made["Book title"]["title"][0]["plain_text"] == "Dune"
    assert made["Notes"]["rich_text"][0]["plain_text"] == "Worth a second read"
    assert made["Pages"]["number"] == 412
    assert made["Shelf"]["select"]["name"] == "Read"
    assert [option["name"] for option in made["Genres"]["multi_select"]] == ["Sci-fi", "Classic"]
    assert made["Finished"]["date"]["start"] == "2026-11-30"
    assert made["Owned"]["checkbox"] is True
    assert made["Link"]["url"] == "https://example.com/dune"
    assert made["Author mail"]["email"] == "frank@example.com"
    assert made["Shop phone"]["phone_number"] == "+1 555 0100"
    assert made["Readers"]["people"] == [{"object": "user", "id": USER}]
    assert made["Cover"]["files"][0]["external"]["url"] == "https://example.com/covers/dune.jpg"
    assert made["Added"]["created_time"]


def test_with_javascript_the_fields_come_in_place_when_the_data_source_changes(js_page):
    source_id = books()
    js_page.evaluate("window.sameDocument = 'yes'")
    form = js_page.locator("section#page")

    form.get_by_label("Data source ID").fill(source_id)
    form.get_by_label("Data source ID").press("Tab")

    expect(form.get_by_label("Book title")).to_be_visible()
    expect(form.get_by_role("group", name="Genres").get_by_label("Classic")).to_be_visible()
    assert js_page.evaluate("window.sameDocument") == "yes"


def test_with_javascript_enter_in_a_field_adds_the_page_rather_than_showing_the_fields(js_page):
    source_id = books()
    form = js_page.locator("section#page")
    form.get_by_label("Data source ID").fill(source_id)
    form.get_by_label("Data source ID").press("Tab")
    expect(form.get_by_label("Pages")).to_be_visible()

    form.get_by_label("Book title").fill("Dune")
    form.get_by_label("Pages").fill("412")
    form.get_by_label("Pages").press("Enter")

    expect(js_page.locator("section#page .results li.succeeded")).to_have_count(1)
    from integration.sandbox.store import sandbox

    made = sandbox().store.get(FormSubmission.objects.get(action="page").result["id"])["properties"]
    assert made["Pages"]["number"] == 412


def test_boxes_ticked_before_the_session_ended_are_ticked_again_after_logging_in(js_page):
    from tests.browser.conftest import PASSWORD
    from tests.browser.test_columns import fill_row

    database = js_page.locator("section#database")
    database.get_by_label("Database name").fill("Books")
    fill_row(database.locator(".column-row").nth(0), "Genres", "multi_select", "Sci-fi, Classic")
    fill_row(database.locator(".column-row").nth(1), "Owned", "checkbox")
    database.get_by_role("button", name="Create database").click()
    form = js_page.locator("section#page")
    form.get_by_role("group", name="Genres").get_by_label("Classic").check()  # drawn once the answer came
    form.get_by_label("Owned").check()
    form.get_by_label("Name (new page name)").fill("Emma")
    js_page.context.clear_cookies(name="sessionid")

    form.get_by_role("button", name="Add page").click()
    expect(js_page.get_by_role("heading", name="Log in")).to_be_visible()
    js_page.get_by_label("Username").fill("ada")
    js_page.get_by_label("Password").fill(PASSWORD)
    js_page.get_by_role("button", name="Log in").click()

    form = js_page.locator("section#page")
    expect(form.get_by_role("status")).to_have_text("Restored what you typed before logging in again.")
    genres = form.get_by_role("group", name="Genres")
    expect(genres.get_by_label("Classic")).to_be_checked()
    expect(genres.get_by_label("Sci-fi")).not_to_be_checked()
    expect(form.get_by_label("Owned")).to_be_checked()
    expect(form.get_by_label("Name (new page name)")).to_have_value("Emma")
