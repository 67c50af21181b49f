"""Logging in and out: what the login page offers, refuses and says."""

import pytest
from django.core import mail
from django.test import Client

from tests.factories import UserFactory

PASSWORD = "correct horse battery"


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
    assert "You have been logged out." in response.content.decode()


def test_the_logged_out_message_is_shown_once(browser):
    browser.post("/accounts/logout/", {"csrfmiddlewaretoken": csrf_token(browser)}, follow=True)

    assert "You have been logged out." not in browser.get("/accounts/login/").content.decode()


def test_the_login_page_says_nothing_of_a_logout_that_did_not_happen(client):
    assert "logged out" not in client.get("/accounts/login/").content.decode()
