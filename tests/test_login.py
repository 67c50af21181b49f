"""Logging in and out: what the login page offers, refuses and says."""

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.db.models import F
from django.test import Client
from django.utils import timezone

from tests.factories import StaffFactory, UserFactory

PASSWORD = "correct horse battery"
LOCKED_OUT = "Too many failed attempts: try again in 15 minutes."


@pytest.mark.parametrize(
    "path",
    [
        "/accounts/password_reset/",
        "/accounts/password_reset/done/",
        "/accounts/reset/MQ/set-password/",
        "/accounts/reset/done/",
    ],
)
def test_there_is_no_password_reset_page(client, path):
    assert client.get(path).status_code == 404


def test_asking_for_a_password_reset_sends_no_mail(client):
    UserFactory(username="ada", email="ada@example.com")

    response = client.post("/accounts/password_reset/", {"email": "ada@example.com"})

    assert response.status_code == 404
    assert mail.outbox == []


@pytest.mark.parametrize("path", ["/accounts/password_change/", "/accounts/password_change/done/"])
def test_there_is_no_password_change_page_outside_the_admin(browser, path):
    assert browser.get(path).status_code == 404


def test_the_right_password_logs_in(client):
    UserFactory(username="ada")

    response = client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_logging_out_ends_the_session(browser):
    response = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(browser)})

    assert response.status_code == 302
    assert browser.get("/").status_code == 302


def csrf_token(client: Client) -> str:
    client.get("/accounts/login/")
    return client.cookies["csrftoken"].value


def test_after_logging_out_the_login_page_says_so(browser):
    response = browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(browser)}, follow=True)

    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert response.content.decode().count("You have been logged out.") == 1


def test_the_logged_out_message_is_shown_once(browser):
    browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(browser)}, follow=True)

    assert "You have been logged out." not in browser.get("/accounts/login/").content.decode()


def test_the_login_page_says_nothing_of_a_logout_that_did_not_happen(client):
    assert "logged out" not in client.get("/accounts/login/").content.decode()


def log_in(client: Client, username: str, password: str = PASSWORD, address: str = "127.0.0.1", path=None):
    return client.post(
        path or "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail_five_times(client: Client, username: str, address: str = "127.0.0.1") -> None:
    for attempt in range(5):
        log_in(client, username, f"wrong guess {attempt}", address)


def test_after_five_wrong_passwords_the_right_one_is_refused_with_a_message(client):
    UserFactory(username="ada")
    fail_five_times(client, "ada")

    response = log_in(client, "ada")

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert client.get("/").status_code == 302


def test_four_wrong_passwords_still_let_the_right_one_in(client):
    UserFactory(username="ada")
    for attempt in range(4):
        log_in(client, "ada", f"wrong guess {attempt}")

    assert log_in(client, "ada").status_code == 302


def test_the_locked_out_page_is_the_login_page_with_its_form(client):
    UserFactory(username="ada")
    fail_five_times(client, "ada")

    page = log_in(client, "ada").content.decode()

    assert "<h1>Log in</h1>" in page
    assert 'name="password"' in page
    assert 'value="ada"' in page


def test_another_user_from_the_same_address_is_not_locked_out(client):
    UserFactory(username="ada")
    UserFactory(username="grace")
    fail_five_times(client, "ada")

    assert log_in(client, "grace").status_code == 302


def test_the_same_user_from_another_address_is_not_locked_out(client):
    UserFactory(username="ada")
    fail_five_times(client, "ada", address="203.0.113.7")

    assert log_in(client, "ada", address="198.51.100.1").status_code == 302


PROXY = "10.0.0.2"  # the TLS proxy in front of the app: every request comes from it


def log_in_through_the_proxy(client: Client, username: str, forwarded_for: str, password: str = PASSWORD):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def fail_five_times_through_the_proxy(client: Client, username: str, forwarded_for: str) -> None:
    for attempt in range(5):
        log_in_through_the_proxy(client, username, forwarded_for, f"wrong guess {attempt}")


@pytest.fixture
def trusted_proxy(settings) -> None:
    """The lockout settings of TRUST_X_FORWARDED_FOR=true (see test_the_setting_...)."""
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")


def test_behind_a_trusted_proxy_two_clients_are_locked_out_apart(client, trusted_proxy):
    UserFactory(username="ada")
    fail_five_times_through_the_proxy(client, "ada", "203.0.113.7")

    assert log_in_through_the_proxy(client, "ada", "203.0.113.7").status_code == 429
    assert log_in_through_the_proxy(client, "ada", "198.51.100.1").status_code == 302


def test_behind_a_trusted_proxy_an_address_a_client_adds_does_not_free_it(client, trusted_proxy):
    UserFactory(username="ada")
    fail_five_times_through_the_proxy(client, "ada", "203.0.113.7")

    # The proxy appends the address it saw; what came before is the client's own say-so.
    response = log_in_through_the_proxy(client, "ada", "198.51.100.1, 203.0.113.7")

    assert response.status_code == 429


def test_without_a_trusted_proxy_clients_behind_one_share_its_address(client):
    UserFactory(username="ada")
    fail_five_times_through_the_proxy(client, "ada", "203.0.113.7")

    assert log_in_through_the_proxy(client, "ada", "198.51.100.1").status_code == 429


def test_without_a_trusted_proxy_a_forged_header_does_not_free_a_client(client):
    UserFactory(username="ada")
    fail_five_times(client, "ada", address="203.0.113.7")

    response = client.post(
        "/accounts/login/",
        {"username": "ada", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )

    assert response.status_code == 429


@pytest.mark.no_db
@pytest.mark.parametrize(
    ("value", "order"),
    [("", "('REMOTE_ADDR',)"), ("true", "('HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR')")],
)
def test_the_setting_chooses_where_the_client_address_comes_from(tmp_path, value, order):
    code = (
        "import notionforms.settings as s; "
        "print(s.AXES_IPWARE_META_PRECEDENCE_ORDER, s.AXES_IPWARE_PROXY_ORDER)"
    )
    started = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        env={
            "PATH": "/usr/bin:/bin",
            "ENV_FILE": "",
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
            "TRUST_X_FORWARDED_FOR": value,
        },
    )

    assert started.stdout.split("\n")[0] == f"{order} right-most", started.stderr


def test_the_admin_login_is_locked_out_too(client):
    StaffFactory(username="ada")
    fail_five_times(client, "ada")

    response = log_in(client, "ada", path="/admin/login/")

    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()


def test_after_the_cool_off_the_right_password_logs_in(client):
    UserFactory(username="ada")
    fail_five_times(client, "ada")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))

    assert log_in(client, "ada").status_code == 302


def test_a_wrong_password_during_the_lockout_starts_the_cool_off_again(client):
    UserFactory(username="ada")
    fail_five_times(client, "ada")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=10))
    log_in(client, "ada", "one more guess")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=10))

    assert log_in(client, "ada").status_code == 429


def session_ends(client: Client) -> None:
    """The session expires, as it does after a while: the browser still has its other cookies."""
    del client.cookies["sessionid"]


def send_content_after_the_session_ended(client: Client, page_id: str, text: str):
    client.get("/")
    session_ends(client)
    data = {
        "content-page_id": page_id,
        "content-content": text,
        "content-submission_key": "0d5c7a3e-2b1f-4e9d-8a6c-3f2e1d0c9b8a",
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    return client.post("/content/", data)


def log_in_again(client: Client, username: str):
    token = csrf_token(client)
    return client.post(
        "/accounts/login/?next=/%23content",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token, "next": "/#content"},
        follow=True,
    )


@pytest.fixture
def person(db) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="ada"))
    return client


def test_a_form_sent_after_the_session_ended_is_kept_across_the_login(person, fake_notion, parent_page):
    response = send_content_after_the_session_ended(person, parent_page["id"], "A long text\nnot to lose")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    page = log_in_again(person, "ada").content.decode()
    assert "Restored what you typed before logging in again." in page
    assert "A long text\nnot to lose</textarea>" in page
    assert f'name="content-page_id" value="{parent_page["id"]}"' in page
    assert fake_notion.received == []
    assert "Restored what you typed" not in person.get("/").content.decode()


def test_a_form_kept_across_the_login_is_given_to_nobody_else(person, fake_notion, parent_page):
    UserFactory(username="bob")
    send_content_after_the_session_ended(person, parent_page["id"], "Ada's private notes")

    page = log_in_again(person, "bob").content.decode()

    assert "Ada's private notes" not in page
    assert "Restored what you typed" not in page
