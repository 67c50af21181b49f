"""Real-browser tests: Debian's Chromium, driven by Playwright, against the app served by
gunicorn on 127.0.0.1 in sandbox mode, on the test database."""

import os
import socket
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import database_url_for_children
from tests.processes import stop, wait_until_serving

# Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are
# still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "correct horse battery"
ROOT = Path(__file__).resolve().parents[2]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.django_db(transaction=True, databases="__all__"))


@pytest.fixture(scope="session")
def app_url(django_db_setup, django_db_blocker, static_files, tmp_path_factory) -> str:
    from django.conf import settings
    from django.db import connections

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TEST_DATABASE_URL": database_url_for_children(),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATIC_ROOT": str(settings.STATIC_ROOT),
        "IMPORTS_DIR": str(tmp_path_factory.mktemp("imports")),  # files uploaded in the browser
        "ATTACHMENTS_DIR": str(tmp_path_factory.mktemp("attachments")),
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),  # the sandbox's uploaded files
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "notionforms.wsgi", "-b", f"127.0.0.1:{port}",
         "-w", "2", "--threads", "4", "--timeout", "60"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(server, f"{url}/accounts/login/")
        yield url
    finally:
        stop(server)
        with django_db_blocker.unblock():
            connections.close_all()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "install Debian's chromium package (make test does)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        yield browser
        browser.close()


@pytest.fixture
def person(db):
    from tests.factories import StaffFactory

    return StaffFactory(username="ada", password=PASSWORD)


def log_in(page, app_url: str, username: str = "ada") -> None:
    page.goto(f"{app_url}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{app_url}/")


@contextmanager
def logged_in_tab(chromium, app_url: str, *, javascript: bool = True, width: int = 1280, height: int = 900):
    """A new browser context's tab, logged in as `person`, closed on leaving."""
    context = chromium.new_context(
        base_url=app_url, java_script_enabled=javascript, viewport={"width": width, "height": height}
    )
    context.set_default_timeout(15_000)
    try:
        tab = context.new_page()
        log_in(tab, app_url)
        yield tab
    finally:
        context.close()


@pytest.fixture(params=["javascript on", "javascript off"])
def page(request, chromium, app_url, person):
    with logged_in_tab(chromium, app_url, javascript=request.param == "javascript on") as tab:
        yield tab


@pytest.fixture
def js_page(chromium, app_url, person):
    with logged_in_tab(chromium, app_url) as tab:
        yield tab
