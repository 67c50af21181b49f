"""In a real browser the Content-Security-Policy blocks nothing the app or its admin uses."""

from playwright.sync_api import expect

from integration.models import NotionRequestLog
from tests.browser.test_in_browser import run_the_four_forms


def test_the_forms_search_viewer_and_admin_run_with_nothing_blocked(js_page):
    refused = []
    js_page.on(
        "console", lambda message: refused.append(message.text) if "Content Security" in message.text else 0
    )

    made = run_the_four_forms(js_page)
    js_page.goto("/search/?q=Dune")
    js_page.goto(f"/sandbox/{made['page']}/")
    expect(js_page.get_by_role("heading", level=1)).to_have_text("Dune")
    for path in [
        "/admin/",
        "/admin/integration/notionrequestlog/",
        f"/admin/integration/notionrequestlog/{NotionRequestLog.objects.first().pk}/change/",
        "/admin/integration/formsubmission/",
        "/admin/auth/user/add/",
        "/admin/axes/accessattempt/",
    ]:
        response = js_page.goto(path)
        assert response.status == 200, path
        assert "script-src 'self'" in response.headers["content-security-policy"]
    # The admin's own script runs: "select all" ticks every row.
    js_page.goto("/admin/auth/user/")
    js_page.locator("#action-toggle").check()
    assert js_page.locator("input.action-select").first.is_checked()

    assert refused == []
