"""Each of the four forms against each way Notion fails: a clear message, every attempt
in the audit log, and never a write sent twice when Notion may have done it."""

import html

import httpx
import pytest

from integration.models import FormSubmission, NotionRequestLog

# The write request of each form, and the fields to submit.
OPERATIONS = {
    "database": ("POST", "/v1/databases$"),
    "page": ("POST", "/v1/pages$"),
    "content": ("PATCH", "/children$"),
    "comment": ("POST", "/v1/comments$"),
}


def notion_error(status: int, code: str) -> dict:
    return {
        "object": "error",
        "status": status,
        "code": code,
        "message": f"{code} from the fake",
        "request_id": "r-1",
    }


def json_fault(status: int, code: str, **kwargs: object) -> dict:
    return dict(status=status, json_body=notion_error(status, code), **kwargs)


RATE_LIMITED = json_fault(429, "rate_limited", headers={"retry-after": "0"})
MAYBE_DONE = "check Notion before trying again"

# name: (how the write fails, writes that reach Notion, attempts, what the user reads; None: success)
FAULTS = {
    "429 then success": (RATE_LIMITED, 2, 2, None),
    "429 forever": (RATE_LIMITED | {"times": 99}, 3, 3, "too many requests"),
    "500": (json_fault(500, "internal_server_error"), 1, 1, MAYBE_DONE),
    "502 html": (
        dict(status=502, body=b"<html><h1>502 Bad Gateway</h1></html>"),
        1,
        1,
        "(HTTP 502) that is not",
    ),
    "503": (json_fault(503, "service_unavailable"), 1, 1, MAYBE_DONE),
    "504": (json_fault(504, "gateway_timeout"), 1, 1, MAYBE_DONE),
    "529 then success": (
        dict(status=529, body=b"Service overloaded", headers={"retry-after": "0"}),
        2,
        2,
        None,
    ),
    "read timeout": (dict(error=httpx.ReadTimeout), 1, 1, "Notion did not answer in time."),
    "connection refused": (dict(error=httpx.ConnectError, times=99), 0, 3, "Notion could not be reached."),
    "connection reset": (dict(error=httpx.ReadError), 1, 1, "could not be reached. It may have been done"),
    "200 invalid json": (dict(status=200, body=b'{"object": "page", "id": '), 1, 1, "could not read"),
    "200 unexpected shape": (
        dict(status=200, json_body={"object": "list", "results": "nope"}),
        1,
        1,
        "expected shape",
    ),
}


@pytest.fixture
def fields(fake_notion, parent_page, submit) -> dict:
    """Valid fields for each form, with the objects they need already in Notion."""
    database = fake_notion.sandbox.create_database(
        body={"parent": {"page_id": parent_page["id"]}, "title": [{"text": {"content": "Tasks"}}]}, query={}
    )
    page = fake_notion.sandbox.add_page("Notes")
    return {
        "database": {"name": "Tasks"},
        "page": {"data_source_id": database["data_sources"][0]["id"], "name": "Write report"},
        "content": {"page_id": page["id"], "content": "Some words.", "format": "plain"},
        "comment": {"page_id": page["id"], "comment": "Done?"},
    }


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("action", OPERATIONS)
def test_the_user_gets_a_clear_answer_and_every_attempt_is_logged(
    browser, submit, fake_notion, fields, action, fault
):
    how, writes, attempts, message = FAULTS[fault]
    method, path = OPERATIONS[action]
    fake_notion.fail(method, path, **how)
    before = fake_notion.attempts

    response = submit(action, **fields[action])

    assert response.status_code == 302
    submission = FormSubmission.objects.get()
    page = browser.get("/").content.decode()
    if message is None:
        assert submission.status == "succeeded", submission.error
        assert submission.result["id"] in page
    else:
        assert submission.status == "failed"
        assert message in submission.error["hint"]
        assert html.escape(submission.error["hint"].split(":")[0]) in page
    assert len(fake_notion.sent(method, path)) == writes
    rows = NotionRequestLog.objects.filter(correlation_id=submission.correlation_id)
    assert rows.count() == fake_notion.attempts - before
    write_rows = [row for row in rows.order_by("id") if row.method == method]
    assert len(write_rows) == attempts
    assert [row.attempt for row in write_rows] == list(range(1, attempts + 1))
    assert all(row.finished_at is not None for row in rows)


def test_a_429_waits_as_long_as_retry_after_says(fake_notion, submit):
    import time

    fake_notion.fail(
        "POST", "/v1/databases$", **json_fault(429, "rate_limited", headers={"retry-after": "1"})
    )

    started = time.monotonic()
    submit("database", name="Tasks")

    assert time.monotonic() - started >= 1
    assert FormSubmission.objects.get().status == "succeeded"


def test_a_429_asking_too_long_a_wait_is_given_up_at_once(fake_notion, submit, settings):
    settings.NOTION_RETRY_MAX_WAIT = 5
    fake_notion.fail(
        "POST", "/v1/databases$", **json_fault(429, "rate_limited", headers={"retry-after": "60"})
    )

    submit("database", name="Tasks")

    assert len(fake_notion.sent("POST", "/v1/databases$")) == 1
    assert FormSubmission.objects.get().error["code"] == "rate_limited"


def test_a_read_that_fails_for_a_moment_is_tried_again(fake_notion, submit, fields):
    fake_notion.fail(
        "GET", "/v1/data_sources/", status=503, json_body=notion_error(503, "service_unavailable")
    )

    submit("page", **fields["page"])

    assert len(fake_notion.sent("GET", "/v1/data_sources/")) == 2
    assert FormSubmission.objects.get().status == "succeeded"


def test_a_failure_in_the_middle_of_long_content_says_what_was_added(fake_notion, submit, fields):
    fake_notion.fail("PATCH", "/children$", error=httpx.ReadTimeout, after=2)

    submit(
        "content",
        page_id=fields["content"]["page_id"],
        content="\n\n".join(["paragraph"] * 250),
        format="plain",
    )

    error = FormSubmission.objects.get().error
    assert "Parts 1 to 2 of 3 were added; part 3 may have been added" in error["hint"]
    assert len(fake_notion.sent("PATCH", "/children$")) == 3


def test_a_part_notion_did_before_the_answer_was_lost_is_not_called_unsent(fake_notion, submit, fields):
    fake_notion.fail("PATCH", "/children$", error=httpx.ReadError, after=1)

    submit(
        "content",
        page_id=fields["content"]["page_id"],
        content="\n\n".join(["paragraph"] * 250),
        format="plain",
    )

    hint = FormSubmission.objects.get().error["hint"]
    assert "Part 1 of 3 was added; part 2 may have been added" in hint
    assert "part 3 was not sent." in hint
    assert "part 2 and the rest were not sent" not in hint
    assert len(fake_notion.sent("PATCH", "/children$")) == 2
    assert len(fake_notion.sandbox.store.children(fields["content"]["page_id"])) == 200


def test_a_part_that_never_left_says_it_and_the_rest_were_not_sent(fake_notion, submit, fields):
    fake_notion.fail("PATCH", "/children$", error=httpx.ConnectError, after=1, times=99)

    submit(
        "content",
        page_id=fields["content"]["page_id"],
        content="\n\n".join(["paragraph"] * 250),
        format="plain",
    )

    hint = FormSubmission.objects.get().error["hint"]
    assert hint.endswith("Part 1 of 3 was added; part 2 was not added; part 3 was not sent.")
    assert "may have been" not in hint


def test_three_529s_say_notion_is_overloaded_and_did_nothing(fake_notion, submit):
    fake_notion.fail(
        "POST",
        "/v1/databases$",
        status=529,
        body=b"Service overloaded",
        headers={"retry-after": "0"},
        times=3,
    )

    submit("database", name="Tasks")

    error = FormSubmission.objects.get().error
    assert "Notion is overloaded and did not do it" in error["hint"]
    assert "not Notion's usual JSON" not in error["hint"]
    assert MAYBE_DONE not in error["hint"] and not error["maybe_done"]
    assert len(fake_notion.sent("POST", "/v1/databases$")) == 3


def test_a_json_error_with_a_code_the_sdk_does_not_know_shows_notions_message(fake_notion, submit):
    fake_notion.fail("POST", "/v1/comments$", **json_fault(400, "brand_new_code") | {"times": 1}, after=0)
    page = fake_notion.sandbox.add_page("Notes")

    submit("comment", page_id=page["id"], comment="Hi")

    error = FormSubmission.objects.get().error
    assert error["code"] == "brand_new_code"
    assert error["hint"] == "brand_new_code from the fake"
    assert not error["maybe_done"]


def test_a_created_page_with_a_malformed_parent_may_have_been_done(fake_notion, submit, fields):
    page = {"object": "page", "id": "5c6a28216bb14a7eb6e1c50111515c3d", "parent": "not an object"}
    fake_notion.fail("POST", "/v1/pages$", status=200, json_body=page)

    submit("page", **fields["page"])

    error = FormSubmission.objects.get().error
    assert error["code"] == "unexpected_response"
    assert error["maybe_done"] and MAYBE_DONE in error["hint"]


def test_a_search_result_whose_title_is_a_string_is_listed_without_a_title(browser, fake_notion):
    answer = {
        "object": "list",
        "results": [{"object": "page", "id": "5c6a2821-6bb1-4a7e-b6e1-c50111515c3d", "title": "a string"}],
        "next_cursor": None,
        "has_more": False,
    }
    fake_notion.fail("POST", "/v1/search$", status=200, json_body=answer)

    response = browser.get("/search/", {"kind": "page", "q": "x"})

    assert response.status_code == 200
    assert "5c6a2821-6bb1-4a7e-b6e1-c50111515c3d" in response.content.decode()


def test_a_url_from_notion_that_is_not_notions_is_never_put_in_a_link(browser, fake_notion, submit):
    database = {
        "object": "database",
        "id": "5c6a2821-6bb1-4a7e-b6e1-c50111515c3d",
        "title": [{"plain_text": "Tasks"}],
        "data_sources": [{"id": "0d5c7a3e-2b1f-4e9d-8a6c-3f2e1d0c9b8a", "name": "Tasks"}],
        "url": "javascript:alert(document.cookie)",
    }
    fake_notion.fail("POST", "/v1/databases$", status=200, json_body=database)

    submit("database", name="Tasks")

    page = browser.get("/").content.decode()
    assert "javascript:" not in page
    assert 'href="https://www.notion.so/5c6a28216bb14a7eb6e1c50111515c3d"' in page


def test_a_bug_in_the_transport_is_this_apps_error_with_its_reference(browser, submit, fake_notion, settings):
    class Broken(httpx.BaseTransport):
        def handle_request(self, request):
            raise RuntimeError("a bug, not Notion")

    settings.NOTION_TRANSPORT = Broken()

    submit("database", name="Tasks")

    submission = FormSubmission.objects.get()
    page = browser.get("/").content.decode()
    assert submission.error["code"] == "app_error"
    assert f"logged as error {submission.correlation_id}" in page
    assert "Notion code" not in page
    # The request had left the app's hands: it may have reached Notion.
    assert "It may have been done anyway" in page
    [row] = NotionRequestLog.objects.all()
    assert (row.outcome, row.error_code) == ("no_response", "RuntimeError")
