"""The audit log: one row per attempt to Notion, secrets masked, kept whatever happens."""

import json
import uuid

import httpx
import pytest
from django.db import connections, transaction

from integration.models import AuditContext, NotionRequestLog
from integration.notion.comments import add_comment
from integration.notion.content import append_content
from integration.notion.databases import create_database
from integration.notion.errors import NotionError
from integration.notion.selectors import data_source_schema
from tests.fake_notion import TOKEN


def rows() -> list[NotionRequestLog]:
    return list(NotionRequestLog.objects.order_by("id"))


def test_it_writes_one_row_per_request_with_what_was_sent_and_answered(fake_notion, parent_page):
    context = AuditContext(username="ada", source="command")

    database = create_database(title="Tasks", context=context)

    [row] = rows()
    assert (row.operation, row.method, row.status, row.outcome) == (
        "databases.create",
        "POST",
        200,
        "success",
    )
    assert row.url == "https://api.notion.com/v1/databases"
    assert row.request_body["title"][0]["text"]["content"] == "Tasks"
    assert row.response_body["id"] == database["id"]
    assert row.request_headers["notion-version"] == "2025-09-03"
    assert row.response_headers["content-type"].startswith("application/json")
    assert row.request_id and row.request_id == row.response_body["request_id"]
    assert (row.object_id, row.parent_id) == (database["id"], parent_page["id"])
    assert (row.username, row.source, row.attempt, row.correlation_id) == (
        "ada",
        "command",
        1,
        context.correlation_id,
    )
    assert row.duration_ms is not None and row.finished_at is not None


def test_it_masks_the_token(fake_notion, parent_page):
    create_database(title="Tasks")

    [row] = rows()
    assert row.request_headers["authorization"] == "Bearer ***"
    stored = json.dumps(
        [row.request_headers, row.response_headers, row.url, row.request_body, row.response_body]
    )
    assert TOKEN not in stored


def test_the_token_is_masked_wherever_it_appears(fake_notion, parent_page):
    add_comment(page_id=parent_page["id"], text=f"my key is {TOKEN}")

    [row] = rows()
    assert TOKEN not in json.dumps([row.request_body, row.response_body])
    assert row.request_body["rich_text"][0]["text"]["content"] == "my key is ***"


def test_attempts_of_one_action_share_a_correlation_id_and_count_up(fake_notion, parent_page):
    fake_notion.fail_like_notion(
        "POST", "/v1/databases$", 429, "rate_limited", "Slow down.", headers={"retry-after": "0"}, times=2
    )
    context = AuditContext()

    create_database(title="Tasks", context=context)

    assert [(r.attempt, r.status, r.correlation_id) for r in rows()] == [
        (1, 429, context.correlation_id),
        (2, 429, context.correlation_id),
        (3, 200, context.correlation_id),
    ]
    assert rows()[0].error_code == "rate_limited"


def test_a_failed_request_keeps_its_row_with_notions_error(fake_notion):
    page_id = str(uuid.uuid4())

    with pytest.raises(NotionError):
        add_comment(page_id=page_id, text="Hi")

    [row] = rows()
    assert (row.status, row.outcome, row.error_code) == (404, "client_error", "object_not_found")
    assert page_id in row.error_message
    assert row.parent_id == page_id


def test_a_timeout_leaves_a_no_response_row(fake_notion, parent_page):
    fake_notion.fail("POST", "/v1/databases$", error=httpx.ReadTimeout)

    with pytest.raises(NotionError) as raised:
        create_database(title="Tasks")

    assert raised.value.code == "timeout" and raised.value.maybe_done
    [row] = rows()
    assert (row.status, row.outcome, row.error_code) == (None, "no_response", "ReadTimeout")


def test_an_html_error_page_is_kept_as_text(fake_notion, parent_page):
    fake_notion.fail("POST", "/v1/databases$", status=502, body=b"<html><body>Bad gateway</body></html>")

    with pytest.raises(NotionError):
        create_database(title="Tasks")

    [row] = rows()
    assert (row.status, row.outcome, row.error_code) == (502, "server_error", "http_502")
    assert row.response_body == "<html><body>Bad gateway</body></html>"


@pytest.mark.skipif(
    connections["default"].vendor == "sqlite",
    reason="SQLite takes one writer at a time: the app never calls Notion inside a transaction of its own, "
    "and this runs in CI's PostgreSQL run",
)
def test_rows_survive_the_rollback_of_the_callers_transaction(fake_notion, parent_page):
    with pytest.raises(RuntimeError), transaction.atomic():
        create_database(title="Tasks")
        raise RuntimeError("the caller fails after Notion answered")

    assert [r.operation for r in rows()] == ["databases.create"]


def test_large_bodies_are_capped_and_flagged(fake_notion, parent_page, settings):
    settings.NOTION_AUDIT_BODY_LIMIT = 1024

    append_content(page_id=parent_page["id"], content="word " * 1000)

    [row] = rows()
    assert row.request_body_truncated
    assert len(row.request_body) == 1024
    assert row.request_body.startswith('{"children":[{')


def test_bodies_are_kept_as_compact_json_with_no_truncation_flag(fake_notion, parent_page):
    create_database(title="Tasks")

    [row] = rows()
    assert isinstance(row.request_body, dict) and isinstance(row.response_body, dict)
    assert (row.request_body_truncated, row.response_body_truncated) == (False, False)
    with connections["audit"].cursor() as cursor:
        cursor.execute("SELECT request_body FROM integration_notionrequestlog")
        [(stored,)] = cursor.fetchall()
    stored = stored if isinstance(stored, str) else json.dumps(stored)
    assert "\n" not in stored


def test_a_request_without_a_body_is_kept_without_one(fake_notion, parent_page):
    with pytest.raises(NotionError):
        data_source_schema(source_id=str(uuid.uuid4()))

    row = rows()[0]
    assert row.method == "GET"
    assert row.request_body is None and not row.request_body_truncated
    assert row.response_body["object"] == "error"


@pytest.mark.no_db
def test_masking_is_by_key_in_any_case_and_depth_and_extendable(settings):
    from integration.masking import mask_json, mask_url

    settings.NOTION_AUDIT_MASKED_KEYS = [*settings.NOTION_AUDIT_MASKED_KEYS, "X-Custom"]

    masked = mask_json({"Token": "a", "nested": [{"client_secret": "b", "x-custom": "c", "name": "kept"}]})

    assert masked == {"Token": "***", "nested": [{"client_secret": "***", "x-custom": "***", "name": "kept"}]}
    assert mask_url("https://api.notion.com/v1/x?access_token=abc&page_size=5") == (
        "https://api.notion.com/v1/x?access_token=***&page_size=5"
    )


CHILD = """
import django
django.setup()
from integration.notion.errors import NotionError
from integration.notion.comments import add_comment
from integration.notion.content import append_content
from integration.notion.databases import create_database
from integration.models import AuditContext
print("sending", flush=True)
add_comment(page_id="{page_id}", text="never answered", context=AuditContext(correlation_id="{cid}"))
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_process_that_dies_mid_request_leaves_a_no_response_row(child_env):
    import subprocess
    import sys
    import time

    from integration.sandbox.engine import NotionSandbox
    from tests.fake_notion import served

    sandbox = NotionSandbox(token=TOKEN, latency=30)
    page_id = sandbox.add_page("Notes")["id"]
    correlation_id = uuid.uuid4()
    with served(sandbox) as base_url:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD.format(page_id=page_id, cid=correlation_id)],
            env=child_env(base_url, NOTION_RATE_LIMIT="0"),
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert child.stdout.readline() == "sending\n"
            while not NotionRequestLog.objects.filter(correlation_id=correlation_id).exists():
                assert child.poll() is None, "the row was not written before the request went out"
                time.sleep(0.05)
        finally:
            child.kill()
            child.wait()

    [row] = NotionRequestLog.objects.filter(correlation_id=correlation_id)
    assert (row.operation, row.outcome, row.status, row.finished_at) == (
        "comments.create",
        "no_response",
        None,
        None,
    )


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_broken_audit_log_never_breaks_the_users_action(fake_notion, parent_page, caplog):
    from django.db import connections

    with connections["audit"].cursor() as cursor:
        cursor.execute("ALTER TABLE integration_notionrequestlog RENAME TO integration_notionrequestlog_away")
    try:
        comment = add_comment(page_id=parent_page["id"], text="Still works")
    finally:
        with connections["audit"].cursor() as cursor:
            cursor.execute(
                "ALTER TABLE integration_notionrequestlog_away RENAME TO integration_notionrequestlog"
            )

    assert comment["object"] == "comment"
    assert len(fake_notion.sent("POST", "/v1/comments$")) == 1
    assert "Could not write the audit log row of POST /v1/comments" in caplog.text
    assert TOKEN not in caplog.text


def refuse_answers_in_the_history(*, only_full_answers: bool = False) -> None:
    """A trigger that makes the UPDATE completing a history row fail (every one, or only those that
    write the answer's body), undone with the test's transaction."""
    audit = connections["audit"]
    when = "NEW.response_body IS NOT NULL" if only_full_answers else "1 = 1"
    with audit.cursor() as cursor:
        if audit.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION history_away() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'the history is away'; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER history_away BEFORE UPDATE ON integration_notionrequestlog "
                f"FOR EACH ROW WHEN ({when}) EXECUTE FUNCTION history_away()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER history_away BEFORE UPDATE ON integration_notionrequestlog "
                f"WHEN {when} BEGIN SELECT RAISE(ABORT, 'the history is away'); END"
            )


def accept_answers_in_the_history() -> None:
    with connections["audit"].cursor() as cursor:
        cursor.execute(
            "DROP TRIGGER history_away ON integration_notionrequestlog"
            if connections["audit"].vendor == "postgresql"
            else "DROP TRIGGER history_away"
        )


def test_an_answer_that_could_not_be_written_completes_its_row_with_the_next_write(fake_notion, parent_page):
    refuse_answers_in_the_history()
    database = create_database(title="Tasks")
    accept_answers_in_the_history()

    add_comment(page_id=parent_page["id"], text="Later")

    first = rows()[0]
    assert (first.operation, first.status, first.outcome) == ("databases.create", 200, "success")
    assert first.object_id == database["id"]
    assert first.response_body["id"] == database["id"]
    assert first.finished_at is not None
    assert all(row.outcome == "success" for row in rows())


def test_an_answer_that_cant_be_written_leaves_its_row_answered_but_incomplete_with_the_object_id(
    fake_notion, parent_page, caplog
):
    refuse_answers_in_the_history(only_full_answers=True)

    database = create_database(title="Tasks")

    [row] = rows()
    assert (row.status, row.outcome, row.get_outcome_display()) == (
        200,
        "incomplete",
        "Answered; record incomplete",
    )
    assert row.object_id == database["id"]
    assert row.response_body is None and row.finished_at is not None
    assert f"Could not complete the audit log row {row.pk}" in caplog.text


def test_a_request_that_got_no_answer_keeps_saying_so_when_its_row_cant_be_completed(
    fake_notion, parent_page
):
    fake_notion.fail("POST", "/v1/comments$", error=httpx.ReadTimeout)
    refuse_answers_in_the_history()

    with pytest.raises(NotionError):
        add_comment(page_id=parent_page["id"], text="Lost")

    [row] = rows()
    assert (row.status, row.outcome) == (None, "no_response")
