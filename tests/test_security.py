"""Who may see what, and that no secret leaks into pages or logs."""

import subprocess
import sys

import pytest

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
