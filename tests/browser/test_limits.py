"""What a person types that the app can't take as it is, at the browser: a form over Django's limits
on one request, a number written with a decimal comma."""

import uuid

from playwright.sync_api import expect

from integration.models import FormSubmission
from tests.browser.test_in_browser import section

MB = 1024 * 1024


def test_a_comment_over_the_size_limit_says_the_limit_beside_its_form(page, request):
    page_id = str(uuid.uuid4())
    form = section(page, "comment")
    form.get_by_label("Page ID").fill(page_id)
    form.get_by_label("Comment").evaluate("(field, size) => { field.value = 'a'.repeat(size); }", 3 * MB)

    form.get_by_role("button", name="Add comment").click()

    form = section(page, "comment")
    expect(form).to_contain_text("What you sent is 3.0\xa0MB; at most 2.5\xa0MB can be sent in one form.")
    expect(form.get_by_label("Page ID")).to_have_value(page_id)
    if "javascript on" in request.node.name:  # the browser still holds what was typed
        expect(form.get_by_role("alert")).to_contain_text("what you typed is kept here")
        assert form.get_by_label("Comment").evaluate("field => field.value.length") == 3 * MB
    else:
        expect(form).to_contain_text("too big to be read, so it could not be kept")
    assert not FormSubmission.objects.exists()


def test_a_number_typed_with_a_decimal_comma_reaches_the_server_as_typed_and_is_refused(page):
    from tests.browser.test_page_fields import books

    form = page.locator("section#page")
    form.get_by_label("Data source ID").fill(books())
    form.get_by_role("button", name="Show fields").click()
    form.get_by_label("Book title").fill("Dune")
    form.get_by_label("Pages").press_sequentially("1,5")

    form.get_by_role("button", name="Add page").click()

    form = page.locator("section#page")
    expect(form).to_contain_text("Use a point before the decimals: 1.5.")
    expect(form.get_by_label("Pages")).to_have_value("1,5")
    assert not FormSubmission.objects.exists()
