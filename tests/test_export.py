"""The request history exported: CSV and JSON Lines, from the command and from the admin."""

import csv
import io
import json
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.utils import timezone

from integration.models import NotionRequestLog, Outcome
from integration.notion.comments import add_comment
from integration.notion.databases import create_database
from tests.factories import NotionRequestLogFactory, UserFactory
from tests.fake_notion import TOKEN

CHANGELIST = "/admin/integration/notionrequestlog/"
COLUMNS = [
    "id",
    "created_at",
    "operation",
    "method",
    "url",
    "request_headers",
    "request_body",
    "request_body_truncated",
    "status",
    "outcome",
    "response_headers",
    "response_body",
    "response_body_truncated",
    "duration_ms",
    "finished_at",
    "attempt",
    "correlation_id",
    "error_code",
    "error_message",
    "request_id",
    "object_id",
    "parent_id",
    "username",
    "source",
    "sandbox",
    "event_at",  # an incoming webhook event's time in Notion
    "origin_id",  # the request that created the object an incoming event is about
]
PAGE_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def export(*args: str) -> str:
    out = StringIO()
    call_command("export_request_log", *args, stdout=out)
    return out.getvalue()


def csv_rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff"), "a CSV export starts with a byte order mark"
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def jsonl_rows(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def content(response: StreamingHttpResponse) -> str:
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def retried(fake_notion) -> list[NotionRequestLog]:
    """Three attempts of one action, written by the app: two answered 429, the last 200."""
    fake_notion.fail_like_notion(
        "POST", "/v1/databases$", 429, "rate_limited", "Slow down.", headers={"retry-after": "0"}, times=2
    )
    create_database(title="Tasks")
    return list(NotionRequestLog.objects.order_by("id"))


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def test_the_csv_has_every_column_and_one_row_per_attempt_oldest_first(retried):
    rows = csv_rows(export("--format", "csv"))

    assert list(rows[0]) == COLUMNS
    assert [(row["id"], row["attempt"], row["status"]) for row in rows] == [
        (str(one.pk), str(one.attempt), str(one.status)) for one in retried
    ]
    first = retried[0]
    assert rows[0]["created_at"] == first.created_at.isoformat()
    assert rows[0]["created_at"].endswith("+00:00")
    assert json.loads(rows[0]["request_headers"]) == first.request_headers
    assert json.loads(rows[0]["response_headers"]) == first.response_headers
    assert json.loads(rows[0]["request_body"]) == first.request_body
    assert rows[0]["request_body_truncated"] == "false"
    assert rows[0]["correlation_id"] == str(first.correlation_id)
    assert (rows[0]["error_code"], rows[0]["outcome"], rows[0]["sandbox"]) == (
        "rate_limited",
        "client_error",
        "false",
    )


def test_the_json_lines_have_every_column_as_json_values_one_line_per_attempt(retried):
    rows = jsonl_rows(export("--format", "jsonl"))

    assert [list(row) for row in rows] == [COLUMNS] * 3
    assert [row["id"] for row in rows] == [one.pk for one in retried]
    last = retried[-1]
    assert rows[-1]["request_headers"] == last.request_headers
    assert rows[-1]["request_headers"]["authorization"] == "Bearer ***"
    assert rows[-1]["response_body"] == last.response_body
    assert (rows[-1]["status"], rows[-1]["attempt"], rows[-1]["sandbox"]) == (200, 3, False)
    assert datetime.fromisoformat(rows[-1]["finished_at"]) == last.finished_at


def test_an_attempt_without_an_answer_has_empty_cells_in_csv_and_nulls_in_json_lines():
    NotionRequestLogFactory(
        status=None, outcome=Outcome.NO_RESPONSE, duration_ms=None, finished_at=None, response_body=None
    )

    [in_csv] = csv_rows(export("--format", "csv"))
    [in_jsonl] = jsonl_rows(export("--format", "jsonl"))

    assert (in_csv["status"], in_csv["finished_at"], in_csv["response_body"]) == ("", "", "")
    assert (in_jsonl["status"], in_jsonl["finished_at"], in_jsonl["response_body"]) == (None, None, None)


def test_a_body_over_several_lines_stays_one_csv_row():
    NotionRequestLogFactory(request_body='{\n  "a": "x, \\"y\\""\n}')

    [row] = csv_rows(export("--format", "csv"))

    assert row["request_body"] == '{\n  "a": "x, \\"y\\""\n}'


def test_the_token_never_appears_in_any_export(fake_notion, parent_page):
    add_comment(page_id=parent_page["id"], text=f"my key is {TOKEN}")
    create_database(title=f"Key {TOKEN}")

    for format in ("csv", "jsonl"):
        output = export("--format", format)
        assert "my key is ***" in output
        assert TOKEN not in output


def test_secrets_in_a_row_written_elsewhere_are_masked_on_the_way_out(settings):
    settings.NOTION_KEY = TOKEN
    NotionRequestLogFactory(
        url=f"https://api.notion.com/v1/search?access_token={TOKEN}x",
        request_headers={"authorization": f"Bearer {TOKEN}", "x-note": f"see {TOKEN}"},
        request_body=json.dumps({"client_secret": "hunter2", "text": f"key {TOKEN}"}, indent=2),
        response_body=f"<html>{TOKEN}</html>",
        error_message=f"bad token {TOKEN}",
    )

    [row] = jsonl_rows(export("--format", "jsonl"))

    assert row["request_headers"] == {"authorization": "Bearer ***", "x-note": "see ***"}
    assert json.loads(row["request_body"]) == {"client_secret": "***", "text": "key ***"}
    assert row["response_body"] == "<html>***</html>"
    assert row["url"] == "https://api.notion.com/v1/search?access_token=***"
    assert row["error_message"] == "bad token ***"
    assert "hunter2" not in export("--format", "csv")


RUNNABLE = {
    "error_message": '=HYPERLINK("https://evil.example","Help")',
    "username": "@SUM(1+1)*cmd|' /C calc'!A0",
    "error_code": "+1+1",
    "operation": "-2+3",
    "request_id": "\t=1+1",
    "object_id": "\r=1+1",
    "response_body": "=cmd|' /C notepad'!A1",
}


def test_cells_a_spreadsheet_would_run_are_made_text_in_every_column():
    NotionRequestLogFactory(**RUNNABLE)

    [row] = csv_rows(export("--format", "csv"))

    assert {name: row[name] for name in RUNNABLE} == {name: f"'{value}" for name, value in RUNNABLE.items()}
    assert not [cell for cell in row.values() if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_every_csv_cell_is_quoted_so_no_separator_starts_a_cell():
    NotionRequestLogFactory(error_message="a;=1+1", username="b,=1+1")

    text = export("--format", "csv")

    assert '"a;=1+1"' in text and '"b,=1+1"' in text
    assert text.splitlines()[0].startswith('\ufeff"id","created_at",')


def test_json_lines_keep_the_values_as_they_are():
    NotionRequestLogFactory(**RUNNABLE)

    [row] = jsonl_rows(export("--format", "jsonl"))

    assert {name: row[name] for name in RUNNABLE} == RUNNABLE


def test_a_plain_value_beginning_with_a_digit_or_a_letter_is_left_alone():
    NotionRequestLogFactory(error_message="404 not found", status=404, duration_ms=7)

    [row] = csv_rows(export("--format", "csv"))

    assert (row["error_message"], row["status"], row["duration_ms"]) == ("404 not found", "404", "7")


def test_the_csv_starts_with_a_byte_order_mark_for_excel_and_json_lines_do_not(tmp_path):
    NotionRequestLogFactory(username="Größe")
    target = tmp_path / "history.csv"

    export("--format", "csv", "--output", str(target))
    jsonl = export("--format", "jsonl")

    assert target.read_bytes().startswith(b'\xef\xbb\xbf"id"')
    assert "Größe" in target.read_text(encoding="utf-8-sig")
    assert jsonl.startswith("{")


def test_the_format_defaults_to_csv():
    row = NotionRequestLogFactory()

    assert [one["id"] for one in csv_rows(export())] == [str(row.pk)]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_reader_that_stops_early_ends_the_export_quietly(child_env):
    NotionRequestLog.objects.bulk_create(
        NotionRequestLogFactory.build(request_body={"text": "x" * 2000}) for _ in range(300)
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "export_request_log"],
        env=child_env("http://127.0.0.1:9"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        first = process.stdout.readline()  # as `| head -1` does, then goes away
        process.stdout.close()
        _, errors = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert first.startswith(b'\xef\xbb\xbf"id","created_at"')
    assert errors.decode() == ""
    assert process.returncode == 0


def test_since_and_until_take_dates_the_until_day_included():
    _, first, second, _ = (NotionRequestLogFactory(created_at=at(day)) for day in (1, 2, 3, 4))
    late = NotionRequestLogFactory(created_at=at(3, 23).replace(minute=59))

    rows = jsonl_rows(export("--format", "jsonl", "--since", "2026-11-02", "--until", "2026-11-03"))

    assert [row["id"] for row in rows] == [first.pk, second.pk, late.pk]


def test_since_and_until_take_date_times_with_or_without_a_zone(settings):
    settings.TIME_ZONE = "Europe/Paris"
    _, inside, _ = (NotionRequestLogFactory(created_at=at(2, hour)) for hour in (8, 10, 12))

    rows = jsonl_rows(
        export("--format", "jsonl", "--since", "2026-11-02T10:30", "--until", "2026-11-02T10:00:00Z")
    )

    assert [row["id"] for row in rows] == [inside.pk]


def test_it_exports_one_operation_or_one_outcome():
    created = NotionRequestLogFactory(operation="pages.create", outcome=Outcome.SUCCESS)
    failed = NotionRequestLogFactory(operation="comments.create", status=400, outcome=Outcome.CLIENT_ERROR)

    by_operation = jsonl_rows(export("--format", "jsonl", "--operation", "pages.create"))
    by_outcome = jsonl_rows(export("--format", "jsonl", "--outcome", "client_error"))

    assert [row["id"] for row in by_operation] == [created.pk]
    assert [row["id"] for row in by_outcome] == [failed.pk]


def test_an_operation_known_only_from_the_history_is_taken():
    row = NotionRequestLogFactory(operation="GET users/me")

    rows = jsonl_rows(export("--format", "jsonl", "--operation", "GET users/me"))

    assert [one["id"] for one in rows] == [row.pk]


def test_it_writes_the_export_to_a_file_with_output(tmp_path):
    NotionRequestLogFactory.create_batch(3)
    target = tmp_path / "history.csv"
    err = StringIO()

    printed = StringIO()
    call_command("export_request_log", "--format", "csv", "--output", str(target), stdout=printed, stderr=err)

    assert len(csv_rows(target.read_text())) == 3
    assert printed.getvalue() == ""
    assert f"Exported the request history to {target}." in err.getvalue()
    assert [path.name for path in tmp_path.iterdir()] == ["history.csv"]


def test_a_file_that_cannot_be_written_leaves_nothing_behind(tmp_path):
    NotionRequestLogFactory()
    (tmp_path / "taken").mkdir()

    with pytest.raises(CommandError, match=r"Can't write to '.*taken'"):
        export("--format", "csv", "--output", str(tmp_path / "taken"))

    assert [path.name for path in tmp_path.iterdir()] == ["taken"]
    assert list((tmp_path / "taken").iterdir()) == []


def test_an_output_in_a_missing_folder_is_refused_in_one_line(tmp_path):
    with pytest.raises(CommandError, match=r"Can't write to .*No such file or directory"):
        export("--format", "csv", "--output", str(tmp_path / "nowhere" / "history.csv"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "xml"], "--format must be csv or jsonl, not 'xml'."),
        (["--format", "csv", "--since", "yesterday"], "--since 'yesterday' is neither a date"),
        (["--format", "csv", "--until", "2026-13-01"], "--until '2026-13-01' is neither a date"),
        (
            ["--format", "csv", "--since", "2026-11-03", "--until", "2026-11-02"],
            "--until is before --since: nothing to export.",
        ),
        (["--format", "csv", "--outcome", "failed"], "--outcome must be one of success, client_error"),
        (["--format", "csv", "--operation", "pages.delete"], "--operation 'pages.delete' is not"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(args, message, tmp_path):
    target = tmp_path / "history.csv"

    with pytest.raises(CommandError) as raised:
        export(*args, "--output", str(target))

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert not target.exists()


def test_the_help_says_what_a_date_means(capsys):
    with pytest.raises(SystemExit):
        call_command("export_request_log", "--help")

    assert "a date (to its end, the whole day included)" in " ".join(capsys.readouterr().out.split())


# The admin


def test_the_admin_action_exports_the_selected_rows_as_a_streamed_csv_download(staff_browser):
    chosen, _, also = NotionRequestLogFactory.create_batch(3)

    response = staff_browser.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [chosen.pk, also.pk], "index": "0"}
    )

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="notion-requests-\d{4}-\d\d-\d\d-\d{6}\.csv"', response["Content-Disposition"]
    )
    assert [row["id"] for row in csv_rows(content(response))] == [str(chosen.pk), str(also.pk)]


def test_the_admin_action_exports_json_lines(staff_browser):
    chosen = NotionRequestLogFactory()
    NotionRequestLogFactory()

    response = staff_browser.post(
        CHANGELIST, {"action": "export_jsonl", "_selected_action": [chosen.pk], "index": "0"}
    )

    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"].endswith('.jsonl"')
    assert [row["id"] for row in jsonl_rows(content(response))] == [chosen.pk]


def test_the_list_offers_both_export_actions(staff_browser):
    NotionRequestLogFactory()

    response = staff_browser.get(CHANGELIST)

    page = response.content.decode()
    assert '<option value="export_csv">Export selected rows as CSV</option>' in page
    assert '<option value="export_jsonl">Export selected rows as JSON Lines</option>' in page


def test_the_filtered_list_exports_only_its_rows_oldest_first_as_the_command_does(staff_browser):
    now = timezone.now()
    failed = [
        NotionRequestLogFactory(status=404, outcome=Outcome.CLIENT_ERROR, created_at=now - timedelta(hours=h))
        for h in (1, 2)
    ]
    NotionRequestLogFactory(outcome=Outcome.SUCCESS)

    response = staff_browser.get(f"{CHANGELIST}export/jsonl/", {"outcome__exact": "client_error"})
    command = jsonl_rows(export("--format", "jsonl", "--outcome", "client_error"))

    assert isinstance(response, StreamingHttpResponse)
    assert [row["id"] for row in jsonl_rows(content(response))] == [failed[1].pk, failed[0].pk]
    assert [row["id"] for row in command] == [failed[1].pk, failed[0].pk]


def test_a_list_ordered_by_another_column_still_exports_oldest_first(staff_browser):
    now = timezone.now()
    slow = NotionRequestLogFactory(duration_ms=900, created_at=now)
    fast = NotionRequestLogFactory(duration_ms=10, created_at=now - timedelta(hours=1))

    response = staff_browser.get(f"{CHANGELIST}export/jsonl/", {"o": "-4"})

    assert [row["id"] for row in jsonl_rows(content(response))] == [fast.pk, slow.pk]


def test_the_admin_download_starts_with_a_byte_order_mark(staff_browser):
    row = NotionRequestLogFactory(username="Größe")

    listed = b"".join(staff_browser.get(f"{CHANGELIST}export/csv/").streaming_content)
    chosen = staff_browser.post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [row.pk], "index": "0"}
    )

    assert listed.startswith(b"\xef\xbb\xbf")
    assert b"".join(chosen.streaming_content).startswith(b"\xef\xbb\xbf")
    assert "Größe" in listed.decode("utf-8-sig")


def test_an_export_action_with_no_row_selected_says_how_to_export(staff_browser):
    NotionRequestLogFactory.create_batch(2)

    response = staff_browser.post(CHANGELIST, {"action": "export_csv", "index": "0"}, follow=True)

    text = " ".join(response.content.decode().split())
    assert "No items have been changed" not in text
    assert (
        "Select the rows to export, or use the “Export these rows” links above the list to export all" in text
    )


def test_the_searched_list_exports_only_the_rows_found(staff_browser):
    about = NotionRequestLogFactory(object_id=PAGE_ID)
    child = NotionRequestLogFactory(parent_id=PAGE_ID)
    NotionRequestLogFactory(object_id=str(uuid.uuid4()))

    response = staff_browser.get(f"{CHANGELIST}export/csv/", {"q": f"https://www.notion.so/Plan-{PAGE_ID}"})

    assert {row["id"] for row in csv_rows(content(response))} == {str(about.pk), str(child.pk)}


def test_the_date_filtered_list_exports_only_that_period(staff_browser):
    today = NotionRequestLogFactory()
    NotionRequestLogFactory(created_at=timezone.now() - timedelta(days=40))

    response = staff_browser.get(f"{CHANGELIST}export/csv/", {"date": "today"})

    assert [row["id"] for row in csv_rows(content(response))] == [str(today.pk)]


def test_the_list_links_to_its_own_export_with_the_number_of_rows_when_narrowed(staff_browser):
    NotionRequestLogFactory.create_batch(2, outcome=Outcome.SERVER_ERROR, status=502)
    NotionRequestLogFactory()

    response = staff_browser.get(CHANGELIST, {"outcome__exact": "server_error", "p": "1"})

    page = " ".join(response.content.decode().split())
    assert (
        f'Export these 2 rows (<a href="{CHANGELIST}export/csv/?outcome__exact=server_error" download>CSV</a>'
        f' | <a href="{CHANGELIST}export/jsonl/?outcome__exact=server_error" download>JSON Lines</a>)'
    ) in page


def test_the_whole_list_links_to_its_export_without_counting_it(staff_browser):
    NotionRequestLogFactory.create_batch(2)

    response = staff_browser.get(CHANGELIST)

    page = " ".join(response.content.decode().split())
    assert f'Export these rows (<a href="{CHANGELIST}export/csv/" download>CSV</a>' in page


def test_a_list_of_one_row_offers_to_export_this_row_and_an_empty_one_nothing(staff_browser):
    NotionRequestLogFactory(outcome=Outcome.SERVER_ERROR, status=502)

    one = staff_browser.get(CHANGELIST, {"outcome__exact": "server_error"})
    none = staff_browser.get(CHANGELIST, {"outcome__exact": "no_response"})

    assert "Export this row (" in " ".join(one.content.decode().split())
    assert "/export/" not in none.content.decode()


def test_a_bad_filter_sends_the_export_back_to_the_list(staff_browser):
    response = staff_browser.get(f"{CHANGELIST}export/csv/", {"correlation_id": "nonsense"})

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?correlation_id=nonsense"


def test_an_unknown_format_is_not_found(staff_browser):
    response = staff_browser.get(f"{CHANGELIST}export/xml/")

    assert response.status_code == 404


def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(browser):
    NotionRequestLogFactory()

    response = browser.get(f"{CHANGELIST}export/csv/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_staff_without_the_view_permission_are_refused(client):
    client.force_login(UserFactory(is_staff=True))
    row = NotionRequestLogFactory()

    listed = client.get(f"{CHANGELIST}export/csv/")
    action = client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [row.pk], "index": "0"})

    assert listed.status_code == 403
    assert action.status_code == 403


def test_staff_with_the_view_permission_only_may_export(client):
    reader = UserFactory(is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_notionrequestlog"))
    client.force_login(reader)
    row = NotionRequestLogFactory()

    listed = client.get(f"{CHANGELIST}export/csv/")
    action = client.post(CHANGELIST, {"action": "export_jsonl", "_selected_action": [row.pk], "index": "0"})

    assert [one["id"] for one in csv_rows(content(listed))] == [str(row.pk)]
    assert [one["id"] for one in jsonl_rows(content(action))] == [row.pk]


def test_the_token_never_appears_in_an_export_from_the_admin(fake_notion, parent_page, staff_browser):
    add_comment(page_id=parent_page["id"], text=f"my key is {TOKEN}")
    [row] = NotionRequestLog.objects.all()

    listed = content(staff_browser.get(f"{CHANGELIST}export/jsonl/"))
    chosen = content(
        staff_browser.post(CHANGELIST, {"action": "export_csv", "_selected_action": [row.pk], "index": "0"})
    )

    assert "my key is ***" in listed
    assert TOKEN not in listed + chosen
