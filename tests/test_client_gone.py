"""Long content stops going to Notion when the browser that asked has gone (under gunicorn)."""

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from integration.models import FormSubmission
from integration.sandbox.engine import NotionSandbox
from tests.factories import UserFactory
from tests.fake_notion import TOKEN, served
from tests.processes import stop, wait_until_serving

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app(child_env, settings):
    """The app under gunicorn, with its shipped config, talking to a fake Notion that takes 1 s an answer."""
    sandbox = NotionSandbox(token=TOKEN, latency=1.0)
    page = sandbox.add_page("Notes")
    port = free_port()
    with served(sandbox) as notion_url:
        env = child_env(
            notion_url,
            NOTION_RATE_LIMIT="0",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="false",
            SESSION_COOKIE_SECURE="false",
            CSRF_COOKIE_SECURE="false",
            GUNICORN_ACCESS_LOG="",
            STATIC_ROOT=str(settings.STATIC_ROOT),  # collected once for the test session
        )
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "-b",
                f"127.0.0.1:{port}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(server, f"{url}/accounts/login/")
            yield url, sandbox, page
        finally:
            stop(server)


def token(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_content_stops_going_to_notion_when_the_browser_has_gone(app, settings):
    url, sandbox, page = app
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the app's own
    UserFactory(username="ada")
    client = httpx.Client(base_url=url)
    login = client.get("/accounts/login/").text
    client.post(
        "/accounts/login/",
        data={
            "username": "ada",
            "password": "correct horse battery",
            "csrfmiddlewaretoken": token(login, "csrfmiddlewaretoken"),
        },
    )
    home = client.get("/").text
    data = {
        "content-page_id": page["id"],
        "content-content": "\n\n".join(["paragraph"] * 250),  # three requests to Notion, a second each
        "content-submission_key": token(home, "content-submission_key"),
        "csrfmiddlewaretoken": token(home, "csrfmiddlewaretoken"),
    }

    with pytest.raises(httpx.ReadTimeout):
        client.post("/content/", data=data, timeout=1.5)
    client.close()

    while (submission := FormSubmission.objects.get()).status == "pending":  # the server goes on alone
        time.sleep(0.1)
    assert submission.error["code"] == "client_gone"
    assert "Parts 1 to 2 of 3 were added; part 3 was not added." in submission.error["hint"]
    assert len(sandbox.store.children(page["id"])) == 200
