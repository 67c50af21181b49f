"""`manage.py check_notion`, the Connection page and /healthz: each failure found, named, with what to do."""

import json
import logging
from datetime import timedelta

import httpx
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone

from integration.jobs import record_beat, run_job
from integration.models import NotionRequestLog, Source, WorkerBeat
from integration.notion.databases import create_database
from integration.notion.diagnostics import PROBE_ID
from tests.fake_notion import TOKEN

CHECKS = [
    "Token", "API version", "NOTION_PAGE_ID", "Read content", "Insert content", "Read comments",
    "Insert comments", "Pacing store", "Task queue", "Database",
]  # fmt: skip


@pytest.fixture
def worker(db) -> None:
    record_beat("worker-1")


@pytest.fixture
def sandboxed(settings):
    settings.NOTION_KEY = ""
    settings.NOTION_PAGE_ID = ""
    settings.NOTION_TRANSPORT = None


def check_notion(*args: str) -> tuple[dict, CommandError | None]:
    """The --json report of `check_notion`, and the error it ended with, if any."""
    out: list[str] = []

    class Out:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    try:
        call_command("check_notion", "--json", *args, stdout=Out())
        error = None
    except CommandError as raised:
        error = raised
    return json.loads("".join(out)), error


def by_name(report: dict) -> dict[str, dict]:
    return {check["name"]: check for check in report["checks"]}


def failed(report: dict) -> list[str]:
    return [check["name"] for check in report["checks"] if not check["passed"]]


def test_every_check_passes_against_a_well_set_up_notion(fake_notion, worker):
    report, error = check_notion()

    assert error is None
    assert report["passed"] is True
    assert [check["name"] for check in report["checks"]] == CHECKS
    assert report["target"] == "Checking Notion at https://api.notion.com."
    checks = by_name(report)
    assert checks["Token"]["result"] == "Valid: the bot “notionforms” of the workspace “Sandbox workspace”."
    assert checks["API version"]["result"] == "Notion-Version 2025-09-03, accepted."
    assert "“Team space”" in checks["NOTION_PAGE_ID"]["result"]


def test_every_check_passes_in_the_sandbox_and_says_it_is_the_sandbox(sandboxed, worker):
    report, error = check_notion()

    assert error is None, report
    assert report["target"].startswith("Checking the sandbox: NOTION_KEY is not set")
    checks = by_name(report)
    assert checks["Token"]["result"].startswith("The sandbox (NOTION_KEY is not set) answers as the bot")
    assert "the sandbox's top page" in checks["NOTION_PAGE_ID"]["result"]


def test_a_bad_token_is_named_with_what_to_do_and_the_notion_checks_wait_for_it(
    settings, fake_notion, worker
):
    settings.NOTION_KEY = "ntn_wrong_secret_0000"

    report, error = check_notion()

    token = by_name(report)["Token"]
    assert not token["passed"]
    assert "code unauthorized, HTTP 401" in token["result"]
    assert "Set NOTION_KEY to the integration's secret" in token["fix"]
    assert failed(report) == CHECKS[:7]
    assert by_name(report)["Insert comments"]["result"] == "Not checked: the token check failed."
    assert "ntn_wrong_secret_0000" not in json.dumps(report) + str(error)


def test_a_refused_api_version_is_named(fake_notion, worker):
    fake_notion.fail_like_notion(
        "GET", "/v1/users/me$", 400, "missing_version", "Notion-Version header failed validation."
    )

    report, _ = check_notion()

    version = by_name(report)["API version"]
    assert not version["passed"]
    assert "Notion refused the Notion-Version 2025-09-03 the app sends" in version["result"]


def test_a_page_not_shared_with_the_integration_says_how_to_share_it(settings, fake_notion, worker):
    settings.NOTION_PAGE_ID = "8c1f3a52-9d6e-4b7a-a1c2-3e4f5a6b7c8d"

    report, _ = check_notion()

    page = by_name(report)["NOTION_PAGE_ID"]
    assert not page["passed"]
    assert "not shared with the integration" in page["result"]
    assert "••• → Add connections" in page["fix"]
    assert failed(report) == ["NOTION_PAGE_ID", *CHECKS[3:7]]


def test_a_missing_notion_page_id_says_to_set_it(settings, fake_notion, worker):
    settings.NOTION_PAGE_ID = ""

    report, _ = check_notion()

    page = by_name(report)["NOTION_PAGE_ID"]
    assert page["result"] == "NOTION_PAGE_ID is not set: new databases have nowhere to go."
    assert "Set NOTION_PAGE_ID in .env" in page["fix"]


def test_a_database_given_as_notion_page_id_is_named_as_a_database(settings, fake_notion, worker):
    database = create_database(title="Tasks")
    settings.NOTION_PAGE_ID = database["id"]

    report, _ = check_notion()

    page = by_name(report)["NOTION_PAGE_ID"]
    assert (
        page["result"]
        == f"{database['id']} is a database (“Tasks”), not a page: new databases go under a page."
    )
    assert "the one the database is on" in page["fix"]


def test_a_data_source_given_as_notion_page_id_is_named_as_a_data_source(settings, fake_notion, worker):
    source_id = create_database(title="Tasks")["data_sources"][0]["id"]
    settings.NOTION_PAGE_ID = source_id

    report, _ = check_notion()

    assert (
        "is a data source (“Tasks”) of a database, not a page" in by_name(report)["NOTION_PAGE_ID"]["result"]
    )


@pytest.mark.parametrize(
    ("capability", "name"),
    [
        ("read_content", "Read content"),
        ("insert_content", "Insert content"),
        ("read_comments", "Read comments"),
        ("insert_comments", "Insert comments"),
    ],
)
def test_a_missing_capability_is_named_with_where_to_enable_it(fake_notion, worker, capability, name):
    fake_notion.sandbox.capabilities.discard(capability)

    report, error = check_notion()

    check = by_name(report)[name]
    assert check["result"] == (
        f"Notion refused (403 restricted_resource): the integration lacks the “{name}” capability."
    )
    assert f"under Capabilities, tick “{name}”" in check["fix"]
    others = {"Read content": ["NOTION_PAGE_ID", "Read content"]}.get(name, [name])
    assert failed(report) == others
    assert str(error).startswith(f"{len(others)} of 10 checks failed")


def test_a_restricted_resource_from_notion_itself_is_read_as_a_missing_capability(fake_notion, worker):
    fake_notion.fail_like_notion(
        "GET", "/v1/comments$", 403, "restricted_resource", "Insufficient permissions for this endpoint."
    )

    report, _ = check_notion()

    assert failed(report) == ["Read comments"]


def test_the_probes_add_nothing_to_notion(fake_notion, worker, parent_page):
    check_notion()

    writes = fake_notion.sent("PATCH") + fake_notion.sent("POST")
    assert [request.url.path for request in writes] == [f"/v1/blocks/{PROBE_ID}/children", "/v1/comments"]
    assert fake_notion.sandbox.store.children(parent_page["id"]) == []
    assert list(fake_notion.sandbox.store.newest_first(("block", "comment"))) == []


def test_an_unreachable_pacing_store_is_named(settings, fake_notion, worker):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    report, _ = check_notion()

    pacing = by_name(report)["Pacing store"]
    assert failed(report) == ["Pacing store"]
    assert pacing["result"].startswith("Redis at REDIS_URL can't be reached")
    assert "unset REDIS_URL" in pacing["fix"]


def test_no_worker_seen_lately_says_to_start_one(fake_notion):
    WorkerBeat.objects.create(worker_id="gone", seen_at=timezone.now() - timedelta(minutes=5))

    report, _ = check_notion()

    queue = by_name(report)["Task queue"]
    assert failed(report) == ["Task queue"]
    assert queue["result"] == (
        "No worker has been seen in the last 30 s (JOBS_WORKER_TIMEOUT): background jobs wait."
    )
    assert "python manage.py db_worker" in queue["fix"]


def test_the_command_prints_a_line_per_check_and_exits_0_when_all_pass(fake_notion, worker, capsys):
    call_command("check_notion")

    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Checking Notion at https://api.notion.com."
    assert [line.split(":")[0] for line in lines[1:-1]] == [f"PASS  {name}" for name in CHECKS]
    assert lines[-1].startswith("Its requests are in the history under ")


def test_the_command_exits_1_with_a_one_line_summary_and_says_what_to_do(fake_notion, capsys):
    with pytest.raises(CommandError) as raised:
        call_command("check_notion")

    assert raised.value.returncode == 1
    assert str(raised.value) == "1 of 10 checks failed: Task queue."
    out = capsys.readouterr().out
    assert "FAIL  Task queue: No worker has been seen" in out
    assert "What to do: Start a worker: `python manage.py db_worker`" in out


def test_ctrl_c_stops_the_command_with_one_line(settings, fake_notion, worker, capsys):
    class Interrupted(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            raise KeyboardInterrupt

    settings.NOTION_TRANSPORT = Interrupted()

    with pytest.raises(SystemExit) as raised:
        call_command("check_notion")

    assert raised.value.code == 130
    assert capsys.readouterr().err.strip() == (
        "Interrupted: the checks change nothing, so nothing was left half done."
    )


def test_the_json_report_holds_every_check_with_its_result_and_fix(fake_notion, worker):
    report, _ = check_notion()

    assert set(report) == {"target", "passed", "correlation_id", "checks"}
    assert all(set(check) == {"name", "passed", "result", "fix"} for check in report["checks"])


def test_the_commands_requests_are_in_the_history_as_the_commands(fake_notion, worker):
    report, _ = check_notion()

    rows = NotionRequestLog.objects.filter(correlation_id=report["correlation_id"])
    assert list(rows.order_by("id").values_list("operation", "source")) == [
        ("users.me", Source.COMMAND), ("pages.retrieve", Source.COMMAND),
        ("blocks.children.list", Source.PROBE), ("blocks.children.append", Source.PROBE),
        ("comments.list", Source.PROBE), ("comments.create", Source.PROBE),
    ]  # fmt: skip
    assert TOKEN not in json.dumps(list(rows.values_list("request_headers", flat=True)))


def test_the_capability_probes_are_not_logged_as_failed_requests(staff_browser, fake_notion, worker, caplog):
    with caplog.at_level(logging.INFO, logger="integration"):
        staff_browser.get("/connection/")

    assert NotionRequestLog.objects.filter(source=Source.PROBE, status=404).count() == 2
    assert [r.getMessage() for r in caplog.records if "failed" in r.getMessage()] == []


def test_a_probe_refused_for_a_missing_capability_is_still_logged(staff_browser, fake_notion, worker, caplog):
    fake_notion.sandbox.capabilities.discard("insert_comments")

    with caplog.at_level(logging.INFO, logger="integration"):
        staff_browser.get("/connection/")

    assert any("restricted_resource" in r.getMessage() for r in caplog.records)


def test_staff_see_the_checks_on_the_connection_page(staff_browser, fake_notion, worker):
    fake_notion.sandbox.capabilities.discard("insert_comments")

    response = staff_browser.get("/connection/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "1 of 10 checks failed." in page
    assert "Passed: Token" in page
    assert "Failed: Insert comments" in page
    assert "tick “Insert comments”" in page
    rows = NotionRequestLog.objects.filter(operation="users.me")
    assert [(row.source, row.username) for row in rows] == [(Source.WEB, "admin")]
    probes = NotionRequestLog.objects.filter(operation="comments.create")
    assert [(row.source, row.username, row.correlation_id) for row in probes] == [
        (Source.PROBE, "admin", rows[0].correlation_id)
    ]
    assert f"correlation_id={rows[0].correlation_id}" in page


def test_the_connection_page_is_linked_for_staff_only(staff_browser, browser, sandboxed):
    assert 'href="/connection/"' in staff_browser.get("/").content.decode()
    assert 'href="/connection/"' not in browser.get("/").content.decode()


def test_the_connection_page_is_refused_to_others(browser, fake_notion):
    assert browser.get("/connection/").status_code == 403
    anonymous = Client().get("/connection/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert not NotionRequestLog.objects.exists()


def test_healthz_answers_ok_without_a_login_and_is_not_kept(db):
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Cache-Control"] == "no-store"


def test_healthz_is_not_redirected_to_https(settings, db):
    settings.SECURE_SSL_REDIRECT = True
    client = Client()

    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
)
def test_healthz_answers_503_without_details_when_the_cache_is_broken(db):
    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.content == b"unavailable"
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_503_when_the_task_queue_table_cant_be_read(db):
    with connection.cursor() as cursor:  # undone with the test's transaction
        cursor.execute("ALTER TABLE django_tasks_database_dbtaskresult RENAME TO dbtaskresult_away")

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.content == b"unavailable"


def test_healthz_takes_no_post(db):
    assert Client().post("/healthz").status_code == 405


@pytest.fixture
def database_queue(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_healthz_answers_503_naming_the_problem_when_jobs_wait_and_no_worker_is_seen(database_queue):
    WorkerBeat.objects.create(worker_id="gone", seen_at=timezone.now() - timedelta(minutes=5))
    run_job.enqueue(0)
    run_job.enqueue(0)

    response = Client().get("/healthz")

    assert response.status_code == 503
    assert response.content == b"unavailable: worker: none seen in 30 s, 2 jobs queued"
    assert response["Cache-Control"] == "no-store"


def test_healthz_answers_ok_with_no_worker_when_no_job_waits(database_queue):
    run_job.using(run_after=timezone.now() + timedelta(minutes=1)).enqueue(0)  # not due yet

    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"


def test_healthz_answers_ok_when_jobs_wait_for_a_worker_seen_lately(database_queue, worker):
    run_job.enqueue(0)

    assert Client().get("/healthz").status_code == 200
