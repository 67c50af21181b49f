"""Who may see what, and that no secret leaks into pages or logs."""

import subprocess
import sys
from html.parser import HTMLParser

import pytest
from django.templatetags.static import static
from django.test import Client

from integration.models import FormSubmission, NotionRequestLog
from tests.fake_notion import TOKEN


@pytest.mark.parametrize("path", ["/", "/databases/", "/pages/", "/content/", "/comments/"])
def test_every_page_but_login_requires_a_user(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


def test_the_login_page_is_open(client):
    assert client.get("/accounts/login/").status_code == 200


def test_only_staff_see_the_request_history(browser, staff_browser):
    assert browser.get("/admin/integration/notionrequestlog/").status_code == 302
    assert staff_browser.get("/admin/integration/notionrequestlog/").status_code == 200
    assert "Request history" not in browser.get("/").content.decode()


def test_the_token_appears_in_no_page_and_no_log(browser, staff_browser, submit, fake_notion, caplog):
    caplog.set_level("DEBUG")
    fake_notion.fail_like_notion("POST", "/v1/databases$", 400, "validation_error", f"bad value {TOKEN}")
    submit("database", name="Tasks")
    submit("comment", page_id="0" * 32, comment="Hi")

    pages = (
        browser.get("/").content.decode()
        + staff_browser.get("/admin/integration/notionrequestlog/").content.decode()
    )
    for row_id in fake_notion_rows():
        pages += staff_browser.get(f"/admin/integration/notionrequestlog/{row_id}/change/").content.decode()

    assert TOKEN not in pages
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("body_id", "header_id"),
    [(f"req-{TOKEN}", "req-1"), ("", f"{'r' * 50}{TOKEN}")],
    ids=["in the answer", "in the x-request-id header, cut at 64 characters"],
)
def test_a_request_id_echoing_the_token_is_masked_everywhere(
    browser, staff_browser, submit, fake_notion, caplog, body_id, header_id
):
    caplog.set_level("DEBUG")
    answer = {"object": "error", "status": 400, "code": "validation_error", "message": "No."}
    fake_notion.fail(
        "POST",
        "/v1/databases$",
        status=400,
        json_body={**answer, "request_id": body_id},
        headers={"x-request-id": header_id},
    )

    submit("database", name="Tasks")

    [row] = NotionRequestLog.objects.all()
    [submission] = FormSubmission.objects.all()
    assert row.request_id == (body_id or header_id).replace(TOKEN, "***")[:64]
    assert TOKEN[:8] not in row.request_id
    assert TOKEN not in str(submission.error)
    pages = (
        browser.get("/").content.decode()
        + staff_browser.get(f"/admin/integration/notionrequestlog/{row.pk}/change/").content.decode()
        + staff_browser.get("/admin/integration/formsubmission/").content.decode()
        + staff_browser.get(f"/admin/integration/formsubmission/{submission.pk}/change/").content.decode()
    )
    assert "***" in pages
    assert TOKEN not in pages
    assert TOKEN not in caplog.text


def fake_notion_rows() -> list[int]:
    from integration.models import NotionRequestLog

    return list(NotionRequestLog.objects.values_list("id", flat=True))


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "ENV_FILE": "",
        "DEBUG": "false",
        "SECRET_KEY": "a-long-and-random-secret-key-for-this-check-only-0123456789-abcdefghij",
        "ALLOWED_HOSTS": "forms.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.fixture
def every_page(client, browser, staff_browser, submit) -> dict[str, Client]:
    """Each kind of page of the app and of its admin, with something on it, and who may see it."""
    submit("database", name="Reading <list>")
    page = FormSubmission.objects.get(action="database").result
    submit("page", data_source_id=page["data_source_id"], name="Dune", header="Why")
    page_id = FormSubmission.objects.get(action="page").result["id"]
    row_id = fake_notion_rows()[0]
    return {
        "/accounts/login/": client,
        "/": browser,
        "/search/?q=Dune": browser,
        f"/sandbox/{page_id}/": browser,
        "/admin/": staff_browser,
        "/admin/integration/notionrequestlog/": staff_browser,
        f"/admin/integration/notionrequestlog/{row_id}/change/": staff_browser,
        "/admin/integration/formsubmission/": staff_browser,
        "/admin/axes/accessattempt/": staff_browser,
        "/no-such-page/": browser,
    }


def test_every_page_sends_a_content_security_policy_without_inline_scripts(every_page):
    for path, client in every_page.items():
        response = client.get(path)
        policy = dict(
            directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";")
        )

        assert response.status_code in (200, 404), path
        assert policy["script-src"] == "'self'", path
        assert policy["style-src"] == "'self'", path
        assert policy["default-src"] == "'self'", path
        assert policy["object-src"] == "'none'", path
        assert policy["frame-ancestors"] == "'none'", path
        assert policy["base-uri"] == "'self'", path
        assert policy["form-action"] == "'self'", path
        assert policy["img-src"] == "'self' data: https:", path
        assert "unsafe" not in response["Content-Security-Policy"], path


def test_a_locked_out_login_sends_the_content_security_policy_too(client):
    for attempt in range(5):
        response = client.post("/accounts/login/", {"username": "ada", "password": f"guess {attempt}"})

    assert response.status_code == 429
    assert "script-src 'self'" in response["Content-Security-Policy"]


class _InlineCode(HTMLParser):
    """Collects what a policy without 'unsafe-inline' would block: inline scripts, styles, handlers."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "style":
            self.found.append("<style>")
        if tag == "script" and "src" not in names and names.get("type") != "application/json":
            self._in_script = True
        for name, value in attrs:
            if name == "style" or name.startswith("on") or (value or "").strip().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False


def test_no_page_has_an_inline_script_style_or_event_handler(every_page):
    for path, client in every_page.items():
        parser = _InlineCode()
        parser.feed(client.get(path).content.decode())

        assert parser.found == [], path


def test_no_page_may_be_kept_by_a_browser_or_proxy(every_page):
    for path, client in every_page.items():
        cache_control = client.get(path)["Cache-Control"]

        assert "no-store" in cache_control, path
        assert "private" in cache_control, path


def test_the_answer_to_a_form_may_not_be_kept(browser, submit):
    redirect = submit("database", name="Tasks")
    browser.get("/")
    fragment = browser.post(
        "/databases/",
        {"database-name": "Tasks", "database-submission_key": "0" * 32, "csrfmiddlewaretoken": csrf(browser)},
        headers={"X-Requested-With": "fetch"},
    )

    assert redirect["Cache-Control"] == "private, no-store"
    assert fragment.status_code == 200
    assert fragment["Cache-Control"] == "private, no-store"


def csrf(client: Client) -> str:
    return client.cookies["csrftoken"].value


def test_a_static_file_may_be_kept(client):
    response = client.get(static("notionforms.css"))

    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize("page", ["/accounts/login/", "/"])
def test_every_page_links_the_icon(browser, client, page):
    html = (browser if page == "/" else client).get(page).content.decode()

    assert f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">' in html


def test_favicon_ico_leads_to_the_icon_without_a_login(client):
    response = client.get("/favicon.ico")
    icon = client.get(response["Location"])

    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon.streaming_content)
