"""Defects found at the browser, each shown by the test that failed before its fix."""

import uuid

import pytest
from playwright.sync_api import expect

from integration.models import FormSubmission
from tests.browser.conftest import PASSWORD, log_in
from tests.browser.test_in_browser import BUTTONS, section, send


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
    expect(form.locator("form[data-in-place] button[type=submit]:not([name=preview])")).to_have_text(
        BUTTONS[action]
    )
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


# 2. A page out of date, or a session ended, keeps what was typed

OUT_OF_DATE = (
    "This page is out of date (you logged in again elsewhere): what you typed is kept; "
    "reload the page to send it."
)


def spoil_the_csrf_cookie(page, app_url) -> None:
    """As logging in again in another tab does: the cookie's token is not the page's any more."""
    page.context.add_cookies([{"name": "csrftoken", "value": uuid.uuid4().hex, "url": app_url}])


def fill_a_comment(page, page_id: str, text: str) -> None:
    form = section(page, "comment")
    form.get_by_label("Page ID").fill(page_id)
    form.get_by_label("Comment").fill(text)


def test_a_page_out_of_date_says_so_and_keeps_what_was_typed(page, app_url):
    page_id = str(uuid.uuid4())
    fill_a_comment(page, page_id, "Read it twice")
    spoil_the_csrf_cookie(page, app_url)

    section(page, "comment").get_by_role("button", name="Add comment").click()

    form = section(page, "comment")
    expect(form).to_contain_text("out of date (you logged in again elsewhere)")
    expect(page.locator("body")).not_to_contain_text("could not be reached")
    expect(form.get_by_label("Comment")).to_have_value("Read it twice")
    expect(form.get_by_label("Page ID")).to_have_value(page_id)
    assert not FormSubmission.objects.exists()


def test_with_javascript_a_page_out_of_date_says_to_reload_it_and_the_reload_keeps_the_text(js_page, app_url):
    fill_a_comment(js_page, str(uuid.uuid4()), "Read it twice")
    spoil_the_csrf_cookie(js_page, app_url)
    form = section(js_page, "comment")

    form.get_by_role("button", name="Add comment").click()
    expect(form.get_by_role("alert")).to_contain_text(OUT_OF_DATE)
    expect(form.get_by_role("button", name="Add comment")).to_be_enabled()
    form.get_by_label("Comment").fill("Read it twice, then once more")
    form.get_by_role("button", name="Reload the page").click()

    form = section(js_page, "comment")
    expect(form.get_by_role("status")).to_have_text("Restored what you typed before the page was reloaded.")
    expect(form.get_by_label("Comment")).to_have_value("Read it twice, then once more")
    form.get_by_role("button", name="Add comment").click()
    expect(section(js_page, "comment").locator(".results li")).to_have_count(1)
    assert FormSubmission.objects.get().input["comment"] == "Read it twice, then once more"


def test_without_javascript_a_page_out_of_date_comes_back_filled_to_be_sent_again(chromium, app_url, person):
    context = chromium.new_context(base_url=app_url, java_script_enabled=False)
    stale, other = context.new_page(), context.new_page()
    log_in(stale, app_url)
    fill_a_comment(stale, str(uuid.uuid4()), "Read it twice")
    # Logged out and in again in another tab: the first tab's token is out of date.
    other.goto("/")
    other.get_by_role("button", name="Log out").click()
    log_in(other, app_url)

    section(stale, "comment").get_by_role("button", name="Add comment").click()
    form = section(stale, "comment")
    expect(form.get_by_role("alert")).to_contain_text(
        "This page was out of date (you logged in again elsewhere)"
    )
    expect(form.get_by_label("Comment")).to_have_value("Read it twice")
    form.get_by_role("button", name="Add comment").click()

    expect(section(stale, "comment").locator(".results li")).to_have_count(1)
    assert FormSubmission.objects.get().input["comment"] == "Read it twice"
    context.close()


def test_a_session_that_ended_gets_what_was_typed_back_after_logging_in_again(js_page):
    page_id = str(uuid.uuid4())
    fill_a_comment(js_page, page_id, "Read it twice")
    js_page.context.clear_cookies(name="sessionid")

    section(js_page, "comment").get_by_role("button", name="Add comment").click()
    expect(js_page.get_by_role("heading", name="Log in")).to_be_visible()
    js_page.get_by_label("Username").fill("ada")
    js_page.get_by_label("Password").fill(PASSWORD)
    js_page.get_by_role("button", name="Log in").click()

    form = section(js_page, "comment")
    expect(form.get_by_role("status")).to_have_text("Restored what you typed before logging in again.")
    expect(form.get_by_label("Comment")).to_have_value("Read it twice")
    expect(form.get_by_label("Page ID")).to_have_value(page_id)
    assert js_page.url.endswith("/#comment")
    js_page.reload()
    expect(section(js_page, "comment").get_by_role("status")).to_have_count(0)


def test_another_person_logging_in_in_the_tab_does_not_get_what_was_typed(js_page, app_url):
    from tests.factories import StaffFactory

    StaffFactory(username="grace", password=PASSWORD)
    fill_a_comment(js_page, str(uuid.uuid4()), "Read it twice")
    js_page.context.clear_cookies(name="sessionid")

    section(js_page, "comment").get_by_role("button", name="Add comment").click()
    expect(js_page.get_by_role("heading", name="Log in")).to_be_visible()
    js_page.get_by_label("Username").fill("grace")
    js_page.get_by_label("Password").fill(PASSWORD)
    js_page.get_by_role("button", name="Log in").click()

    expect(section(js_page, "comment").get_by_label("Page ID")).to_be_visible()
    expect(section(js_page, "comment").get_by_label("Comment")).to_have_value("")
    expect(js_page.locator(".restored")).to_have_count(0)


def test_a_login_form_out_of_date_says_so_and_leads_to_the_forms(chromium, app_url, person):
    context = chromium.new_context(base_url=app_url)
    stale, other = context.new_page(), context.new_page()
    stale.goto("/")
    log_in(other, app_url)
    stale.get_by_label("Username").fill("ada")
    stale.get_by_label("Password").fill(PASSWORD)

    stale.get_by_role("button", name="Log in").click()

    expect(stale.get_by_role("heading", level=1)).to_have_text("This page was out of date")
    stale.get_by_role("link", name="Go to the forms").click()
    expect(stale.get_by_role("heading", name="1. Create a new database")).to_be_visible()
    context.close()


# 3. A text over 2,000 characters is counted, never cut, and refused by the server


def javascript_is_on(request) -> bool:
    return request.node.callspec.params["page"] == "javascript on"


def paste(page, field, text: str) -> None:
    field.focus()
    page.keyboard.insert_text(text)


def test_a_pasted_text_over_the_limit_is_kept_whole_counted_and_refused_by_the_server(page, request):
    text = "📚" * 13 + "a" * 2000  # 2,013 characters as the server counts them, 2,026 UTF-16 units
    field = section(page, "database").get_by_label("Database name")

    paste(page, field, text)

    assert field.input_value() == text
    counter = section(page, "database").locator(".count")
    if javascript_is_on(request):
        expect(counter).to_have_text("2,013 / 2,000: 13 too many")
        expect(counter).to_have_class("count over")
        assert counter.evaluate("e => getComputedStyle(e).color") == "rgb(180, 35, 24)"
        assert counter.get_attribute("aria-live") == "polite"
    else:
        expect(counter).to_have_text("At most 2,000 characters")
    section(page, "database").get_by_role("button", name="Create database").click()
    expect(section(page, "database").locator(".field.invalid")).to_contain_text(
        "Ensure this value has at most 2000 characters (it has 2013)."
    )
    expect(section(page, "database").get_by_label("Database name")).to_have_value(text)
    assert not FormSubmission.objects.exists()


def test_the_count_is_the_servers_a_text_at_the_limit_goes_through(js_page):
    text = "📚" * 13 + "a" * 1987
    form = section(js_page, "page")
    paste(js_page, form.get_by_label("Header"), text)

    expect(form.locator(".count").nth(1)).to_have_text("2,000 / 2,000")
    expect(form.locator(".count.over")).to_have_count(0)
    send(js_page, "database", {"Database name": "Reading list"})
    section(js_page, "page").get_by_label("New page name").fill("Dune")
    section(js_page, "page").get_by_role("button", name="Add page").click()

    expect(section(js_page, "page").locator(".results li.succeeded")).to_have_count(1)
    expect(section(js_page, "page").locator(".count").first).to_have_text("0 / 2,000")


def test_line_breaks_are_counted_as_the_browser_sends_them(js_page):
    text = "x\n" * 667 + "y"  # sent as CR LF: 667 × 3 + 1 = 2,002 characters
    form = section(js_page, "comment")
    form.get_by_label("Page ID").fill(str(uuid.uuid4()))
    paste(js_page, form.get_by_label("Comment"), text)

    expect(form.locator(".count")).to_have_text("2,002 / 2,000: 2 too many")
    form.get_by_role("button", name="Add comment").click()

    expect(section(js_page, "comment").locator(".field.invalid")).to_contain_text("(it has 2002)")
    expect(section(js_page, "comment").get_by_label("Comment")).to_have_value(text)
    expect(section(js_page, "comment").locator(".count")).to_have_text("2,002 / 2,000: 2 too many")


# 5. The page does not only grow: the latest answer, earlier ones folded, long titles shortened


def test_each_form_shows_its_latest_answer_and_folds_the_earlier_ones(page):
    for name in ["Reading list", "Films", "Recipes"]:
        send(page, "database", {"Database name": name})

    answers = section(page, "database").locator(".step-response")
    expect(answers.locator(".latest li")).to_have_count(1)
    expect(answers.locator(".latest li")).to_contain_text("Recipes")
    expect(answers.locator(".latest li")).to_be_visible()
    earlier = answers.locator("details.earlier")
    expect(earlier.locator("summary")).to_have_text("Earlier answers (2)")
    assert earlier.get_attribute("open") is None
    expect(earlier.locator("li")).to_have_count(2)
    expect(earlier.locator("li").first).to_contain_text("Films")
    expect(earlier.locator("li").first).to_be_hidden()
    expect(earlier.locator("li").last).to_be_hidden()

    earlier.locator("summary").click()
    expect(earlier.locator("li").last).to_contain_text("Reading list")
    expect(earlier.locator("li").last).to_be_visible()


def test_the_earlier_answers_stay_open_when_the_next_answer_comes_in_place(js_page):
    send(js_page, "database", {"Database name": "Reading list"})
    send(js_page, "database", {"Database name": "Films"})
    section(js_page, "database").locator("details.earlier summary").click()

    send(js_page, "database", {"Database name": "Recipes"})

    expect(section(js_page, "database").locator("details.earlier li").first).to_be_visible()
    expect(section(js_page, "database").locator("details.earlier summary")).to_have_text(
        "Earlier answers (2)"
    )


def test_a_long_title_is_shortened_with_the_whole_of_it_on_hover(page):
    title = ("A very long title of a database, " * 10)[:300].strip()

    send(page, "database", {"Database name": title})

    headline = section(page, "database").locator(".latest li .headline-text")
    expect(headline).to_have_attribute("title", f"Database “{title}” created")
    box = headline.bounding_box()
    line = float(headline.evaluate("e => parseFloat(getComputedStyle(e).lineHeight)"))
    assert box["height"] <= 2 * line + 1, "the headline is not shortened to two lines"
    assert headline.evaluate("e => e.scrollHeight > e.clientHeight"), "nothing of the headline is hidden"
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280


# 6. Names, not only IDs: under each ID field, the title of the object it holds


def test_each_id_field_shows_the_title_of_the_object_it_holds(page):
    send(page, "database", {"Database name": "Reading list"})
    send(page, "page", {"New page name": "Dune"})

    page.goto("/")

    expect(section(page, "page").locator(".object-name")).to_have_text("Data source “Reading list”")
    expect(section(page, "content").locator(".object-name")).to_have_text("Page “Dune”")
    expect(section(page, "comment").locator(".object-name")).to_have_text("Page “Dune”")


def test_the_title_follows_the_id_as_it_is_typed_carried_forward_or_picked(js_page):
    send(js_page, "database", {"Database name": "Reading list"})
    expect(section(js_page, "page").locator(".object-name")).to_have_text("Data source “Reading list”")
    send(js_page, "page", {"New page name": "Dune"})
    dune = FormSubmission.objects.get(action="page").result["id"]
    name = section(js_page, "comment").locator(".object-name")
    expect(name).to_have_text("Page “Dune”")
    field = section(js_page, "comment").get_by_label("Page ID")

    field.fill(str(uuid.uuid4()))
    expect(name).to_be_hidden()
    field.fill(f"https://www.notion.so/Dune-{dune.replace('-', '')}?v={uuid.uuid4().hex}")
    expect(name).to_have_text("Page “Dune”")
    field.fill("")
    expect(name).to_be_hidden()
    search = section(js_page, "comment").locator("form.search")
    search.get_by_label("Find a page in the workspace").fill("dun")
    search.get_by_role("button", name="Search").click()
    js_page.get_by_role("link", name="Dune").click()

    expect(field).to_have_value(dune)
    expect(name).to_have_text("Page “Dune”")
    assert name.get_attribute("id") in field.get_attribute("aria-describedby").split()


def test_a_page_picked_from_the_search_shows_its_title_though_it_is_not_a_recent_one(js_page):
    from integration.sandbox.store import sandbox

    holiday = sandbox().add_page("Holiday plan")["id"]
    search = section(js_page, "content").locator("form.search")
    search.get_by_label("Find a page in the workspace").fill("holiday")
    search.get_by_role("button", name="Search").click()

    js_page.get_by_role("link", name="Holiday plan").click()

    expect(section(js_page, "content").get_by_label("Page ID")).to_have_value(holiday)
    expect(section(js_page, "content").locator(".object-name")).to_have_text("Page “Holiday plan”")
    expect(section(js_page, "comment").locator(".object-name")).to_be_hidden()


# 7. The sandbox banner: one line on a wide screen, wrapped without sideways scroll on a phone


def banner_lines(page) -> float:
    banner = page.locator(".sandbox-banner")
    expect(banner).to_be_visible()
    return banner.evaluate(
        """e => {
            const style = getComputedStyle(e);
            const inner = e.clientHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
            return inner / parseFloat(style.lineHeight);
        }"""
    )


@pytest.mark.parametrize("staff", [False, True], ids=["a user", "staff"])
def test_the_sandbox_banner_is_one_line_at_1280_px_and_wraps_at_390_px_without_sideways_scroll(
    chromium, app_url, staff
):
    from tests.factories import StaffFactory, UserFactory

    (StaffFactory if staff else UserFactory)(username="ada", password=PASSWORD)
    context = chromium.new_context(base_url=app_url, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    log_in(tab, app_url)

    assert round(banner_lines(tab)) == 1
    tab.set_viewport_size({"width": 390, "height": 844})
    assert round(banner_lines(tab)) >= 2
    assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


# 2, continued: a search after the session ended, and what was kept is not kept for ever


def test_a_search_after_the_session_ended_says_so_instead_of_showing_the_login_page(js_page):
    js_page.context.clear_cookies(name="sessionid")
    search = section(js_page, "comment").locator("form.search")

    search.get_by_label("Find a page in the workspace").fill("dun")
    search.get_by_role("button", name="Search").click()

    expect(search.locator(".search-results")).to_have_text(
        "You were logged out: reload the page to log in again, then search."
    )
    expect(search.get_by_label("Username")).to_have_count(0)


def test_what_was_kept_is_put_back_once_then_forgotten(js_page, app_url):
    fill_a_comment(js_page, str(uuid.uuid4()), "Read it twice")
    spoil_the_csrf_cookie(js_page, app_url)
    section(js_page, "comment").get_by_role("button", name="Add comment").click()
    expect(section(js_page, "comment").get_by_role("alert")).to_contain_text("out of date")
    assert js_page.evaluate("sessionStorage.length") == 1

    js_page.reload()
    expect(section(js_page, "comment").get_by_label("Comment")).to_have_value("Read it twice")
    assert js_page.evaluate("sessionStorage.length") == 0
    js_page.reload()

    expect(section(js_page, "comment").get_by_label("Comment")).to_have_value("")
    expect(js_page.locator(".restored")).to_have_count(0)
