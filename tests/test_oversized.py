"""A POST over Django's limits (DATA_UPLOAD_MAX_MEMORY_SIZE, 2.5 MB; DATA_UPLOAD_MAX_NUMBER_FIELDS,
1,000) gets the app's own answer naming the limit, keeping what can be kept, never a bare
"Bad Request (400)"; nothing is sent to Notion."""

import uuid
from urllib.parse import urlencode

import pytest
from django.test import Client

from integration.models import FormSubmission, Job
from tests.conftest import URLS
from tests.test_import_views import uploaded

MB = 1024 * 1024
URLENCODED = "application/x-www-form-urlencoded"
FETCH = {"X-Requested-With": "fetch"}
PAGE_ID = "59833787-2cf9-4fdf-8782-e53db20768a5"


def form_data(client: Client, action: str, **fields: str) -> dict[str, str]:
    """A home page form as the page fills it: its CSRF token first, as the browser sends it."""
    client.get("/")
    data = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value}
    data |= {f"{action}-{name}": value for name, value in fields.items()}
    data[f"{action}-submission_key"] = str(uuid.uuid4())
    return data


def sent_without_javascript(client: Client, url: str, data: dict | list, **headers: str) -> tuple[int, str]:
    headers.setdefault("Origin", "http://testserver")
    response = client.post(url, urlencode(data), content_type=URLENCODED, headers=headers)
    return response.status_code, response.content.decode()


def nothing_was_sent(fake_notion) -> None:
    assert fake_notion.received == []
    assert not FormSubmission.objects.exists()


def test_a_comment_over_the_size_limit_comes_back_in_its_form_naming_the_limit(browser, fake_notion):
    data = form_data(browser, "comment", page_id=PAGE_ID, comment="a" * (3 * MB))

    status, html = sent_without_javascript(browser, URLS["comment"], data)

    assert status == 413
    assert "What you sent is 3.0\xa0MB; at most 2.5\xa0MB can be sent in one form. Nothing was sent." in html
    assert "What you typed here was 3.0\xa0MB: too big to be read, so it could not be kept." in html
    assert f'value="{PAGE_ID}"' in html  # the page's ID is kept
    assert 'id="id_comment-comment"' in html and "aaaa" not in html
    nothing_was_sent(fake_notion)


def test_content_over_the_size_limit_keeps_its_page_and_format(browser, fake_notion):
    data = form_data(browser, "content", page_id=PAGE_ID, format="plain", content="é" * (2 * MB))

    status, html = sent_without_javascript(browser, URLS["content"], data)

    assert status == 413
    assert "What you typed here was 4.0\xa0MB" in html  # é is two bytes
    assert f'value="{PAGE_ID}"' in html
    assert '<option value="plain" selected>Plain text</option>' in html
    nothing_was_sent(fake_notion)


def test_by_script_a_form_over_the_size_limit_is_told_the_limit_in_a_sentence(browser, fake_notion):
    data = form_data(browser, "comment", page_id=PAGE_ID, comment="a" * (3 * MB))

    response = browser.post(URLS["comment"], data, headers=FETCH)  # multipart, as the script's FormData

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode() == (
        "What you sent is 3.0\xa0MB; at most 2.5\xa0MB can be sent in one form. Nothing was sent: "
        "what you typed is kept here. Shorten it, or send it in parts."
    )
    nothing_was_sent(fake_notion)


@pytest.mark.parametrize("by_script", [False, True], ids=["without-javascript", "by-script"])
def test_a_post_of_1500_fields_is_refused_naming_the_limit(browser, fake_notion, by_script):
    data = list(form_data(browser, "database", name="Reading list").items())
    data += [(f"extra-{n}", "x") for n in range(1500)]

    if by_script:
        response = browser.post(URLS["database"], dict(data), headers=FETCH)
        status, html = response.status_code, response.content.decode()
    else:
        status, html = sent_without_javascript(browser, URLS["database"], data)

    assert status == 413
    assert "at most 1,000 can be sent in one form" in html
    if not by_script:
        assert "This form sent 1,503 fields" in html
        assert 'value="Reading list"' in html
    nothing_was_sent(fake_notion)


def test_an_oversized_form_from_elsewhere_is_refused_without_showing_what_it_sent(browser, fake_notion):
    data = form_data(browser, "comment", page_id="the-senders-choice", comment="a" * (3 * MB))
    data["csrfmiddlewaretoken"] = "x" * 32

    status, html = sent_without_javascript(browser, URLS["comment"], data, Origin="")

    assert status == 403
    assert "This page was out of date" in html
    assert "the-senders-choice" not in html
    nothing_was_sent(fake_notion)


def test_start_import_with_too_many_fields_gets_the_apps_page_leading_back_to_the_preview(
    browser, fake_notion, settings, tmp_path
):
    settings.IMPORTS_DIR = tmp_path / "imports"
    url = uploaded(browser)
    data = [("csrfmiddlewaretoken", browser.cookies["csrftoken"].value), ("action", "start")]
    data += [(f"type_{n}", "rich_text") for n in range(10_000)]

    response = browser.post(
        url, urlencode(data), content_type=URLENCODED, headers={"Referer": f"http://testserver{url}"}
    )

    html = response.content.decode()
    assert response.status_code == 413
    assert "This form sent 10,002 fields; at most 1,000 can be sent in one form." in html
    assert f'<a href="http://testserver{url}">Back to the page</a>' in html
    assert "notionforms</a>" in html  # the app's own page
    assert not Job.objects.exists()
    assert fake_notion.received == []


def test_a_logged_out_visitor_over_the_limit_gets_the_apps_page(db, fake_notion):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    data = {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, "comment-comment": "a" * (3 * MB)}

    status, html = sent_without_javascript(client, URLS["comment"], data)

    assert status == 413
    assert "What you sent is 3.0\xa0MB; at most 2.5\xa0MB can be sent in one form." in html
    assert "aaaa" not in html


def test_a_request_that_cannot_be_read_gets_the_apps_own_400_page(browser):
    browser.get("/")
    response = browser.post(
        URLS["comment"], b"--x\r\nbroken", content_type="multipart/form-data; boundary=\x00"
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert "What was sent could not be read" in html
    assert "notionforms</a>" in html
