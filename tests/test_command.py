"""`manage.py create_database`."""

import json
import subprocess
import sys
import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integration.models import NotionRequestLog


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_database", *args, stdout=out)
    return out.getvalue()


def test_it_creates_the_database_under_notion_page_id_and_prints_its_ids(fake_notion, parent_page):
    output = run("Reading list")

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["parent"]["page_id"] == parent_page["id"]
    database = fake_notion.sandbox.store.get(output.split("Database ID: ")[1].split()[0])
    assert database["title"][0]["plain_text"] == "Reading list"
    assert f"Data source ID: {database['data_sources'][0]['id']}" in output
    assert f"URL: {database['url']}" in output


def test_it_takes_the_parent_from_a_link(fake_notion):
    other = fake_notion.sandbox.add_page("Elsewhere")

    run("Tasks", "--parent", other["url"])

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["parent"]["page_id"] == other["id"]


def test_it_prints_one_json_object_with_json(fake_notion):
    result = json.loads(run("Tasks", "--json"))

    assert set(result) == {"database_id", "data_source_id", "url"}
    assert fake_notion.sandbox.store.get(result["data_source_id"])["object"] == "data_source"


def test_its_requests_are_in_the_audit_log_as_from_a_command(fake_notion):
    run("Tasks")

    [row] = NotionRequestLog.objects.all()
    assert (row.source, row.operation) == ("command", "databases.create")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["  "], "The title is empty."),
        (["x" * 2001], "at most 2000"),
        (["Tasks", "--parent", "nonsense"], "--parent is neither a Notion page ID nor a Notion link"),
    ],
)
def test_bad_arguments_stop_it_before_anything_is_sent(fake_notion, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)

    assert fake_notion.received == []


def test_a_notion_error_is_one_clear_line(fake_notion):
    with pytest.raises(CommandError) as raised:
        run("Tasks", "--parent", str(uuid.uuid4()))

    message = str(raised.value)
    assert "\n" not in message
    assert "Add connections" in message and "object_not_found" in message


def test_without_a_parent_it_says_to_set_notion_page_id(fake_notion, settings):
    settings.NOTION_PAGE_ID = ""

    with pytest.raises(CommandError, match="set NOTION_PAGE_ID"):
        run("Tasks")


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_it_exits_non_zero_with_one_line_on_stderr(child_env):
    import socket

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = child_env(f"http://127.0.0.1:{port}", NOTION_PAGE_ID=str(uuid.uuid4()), NOTION_RETRY_BACKOFF="0")

    result = subprocess.run(
        [sys.executable, "manage.py", "create_database", "Tasks"], capture_output=True, text=True, env=env
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "CommandError: Notion could not be reached. (code connection_error)",
    ]
    assert NotionRequestLog.objects.filter(source="command", outcome="no_response").count() == 3


def test_a_database_given_as_the_parent_is_named_as_such(fake_notion, parent_page):
    database = fake_notion.sandbox.create_database(
        body={"parent": {"page_id": parent_page["id"]}, "title": [{"text": {"content": "Tasks"}}]}, query={}
    )

    with pytest.raises(CommandError, match="The parent is a database, not a page"):
        run("Notes", "--parent", database["id"])


def child(args: list[str], env: dict[str, str], **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_malformed_setting_is_one_line_naming_it(child_env):
    process = child(
        ["create_database", "Tasks"], child_env("http://127.0.0.1:9", NOTION_PAGE_ID="the team page")
    )
    _, err = process.communicate(timeout=60)

    assert process.returncode == 1
    assert err.splitlines() == [
        "ImproperlyConfigured: NOTION_PAGE_ID must be a Notion page ID or a link to the page, "
        "not 'the team page'."
    ]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_ctrl_c_mid_request_is_one_line_saying_it_may_exist_and_exits_130(child_env):
    import signal
    import time

    from integration.sandbox.engine import NotionSandbox
    from tests.fake_notion import TOKEN, served

    sandbox = NotionSandbox(token=TOKEN, latency=600)  # Notion takes its time: only Ctrl-C ends it
    page = sandbox.add_page("Team space")
    arrivals: list[float] = []
    with served(sandbox, arrivals) as base_url:
        process = child(["create_database", "Tasks"], child_env(base_url, NOTION_PAGE_ID=page["id"]))
        try:
            while not arrivals:  # mid-request: Notion has it, the command waits for the answer
                assert process.poll() is None, process.communicate()
                time.sleep(0.05)
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=120)
        finally:
            process.kill()
            process.wait()

    assert process.returncode == 130
    [line] = err.splitlines()
    assert line.startswith("Interrupted. It may have been done anyway: check Notion before trying again.")
    [row] = NotionRequestLog.objects.filter(source="command", operation="databases.create")
    assert str(row.correlation_id) in line


# Columns (--property, --title-property)


def test_it_sends_each_property_as_a_column_after_the_title_column(fake_notion):
    output = run(
        "Tasks",
        "--property", "Status:select=Todo,Doing,Done",
        "--property", "Due:date",
        "--property", "Estimate:number",
        "--property", "Tags:multi_select=a,b",
        "--property", "Done:checkbox",
        "--title-property", "Task",
    )  # fmt: skip

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["initial_data_source"]["properties"] == {
        "Task": {"title": {}},
        "Status": {"select": {"options": [{"name": "Todo"}, {"name": "Doing"}, {"name": "Done"}]}},
        "Due": {"date": {}},
        "Estimate": {"number": {"format": "number"}},
        "Tags": {"multi_select": {"options": [{"name": "a"}, {"name": "b"}]}},
        "Done": {"checkbox": {}},
    }
    assert (
        "Columns: Task (title), Status (select), Due (date), Estimate (number), Tags (multi_select), "
        in output
    )


def test_the_data_source_made_has_the_columns_asked_for(fake_notion):
    result = json.loads(run("Shop", "--property", "Price:number=dollar", "--json"))

    source = fake_notion.sandbox.store.get(result["data_source_id"])
    assert source["properties"]["Price"]["number"] == {"format": "dollar"}
    assert source["properties"]["Name"]["type"] == "title"


def test_without_properties_it_sends_a_name_title_column_only(fake_notion):
    run("Tasks")

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["initial_data_source"] == {"properties": {"Name": {"title": {}}}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--property", "Due"], "--property 'Due': “Due” is not NAME:TYPE[=OPTION,…]"),
        (["--property", ":date"], "--property ':date': A column has no name."),
        (["--property", "Due:calendar"], "--property 'Due:calendar': Column “Due”: unknown type “calendar”"),
        (["--property", "S:select=a,,b"], "--property 'S:select=a,,b': Column “S”: an option is empty."),
        (["--property", "S:select=a,a"], "Column “S”: the option “a” is there twice."),
        (["--property", "Done:checkbox=yes"], "Column “Done”: a checkbox column takes no options."),
        (["--property", "P:number=bitcoin"], "Column “P”: unknown number format “bitcoin”"),
        (["--property", "x" * 101 + ":date"], "has 101 characters; at most 100 are allowed."),
        (["--property", "T:multi_select=" + ",".join(map(str, range(101)))], "has 101 options"),
        (["--property", "Due:date", "--property", "due:checkbox"], "Two columns are named “due” (and “Due”)"),
        (["--property", "name:date"], "Two columns are named “name” (and “Name”)"),
        (["--title-property", " "], "The title column has no name."),
    ],
)
def test_a_bad_column_stops_it_before_anything_is_sent(fake_notion, args, message):
    with pytest.raises(CommandError) as raised:
        run("Tasks", *args)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert fake_notion.received == []


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_bad_property_exits_1_with_one_line_naming_it_and_sends_nothing(child_env):
    from integration.sandbox.engine import NotionSandbox
    from tests.fake_notion import TOKEN, served

    sandbox = NotionSandbox(token=TOKEN)
    page = sandbox.add_page("Team space")
    with served(sandbox) as base_url:
        result = subprocess.run(
            [sys.executable, "manage.py", "create_database", "Tasks", "--property", "Due:date",
             "--property", "Status:select=Todo,,Done"],
            capture_output=True, text=True, env=child_env(base_url, NOTION_PAGE_ID=page["id"]),
        )  # fmt: skip

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "CommandError: --property 'Status:select=Todo,,Done': Column “Status”: an option is empty."
    ]
    assert NotionRequestLog.objects.count() == 0
    assert sandbox.store.newest_first(("database",)) == []


@pytest.fixture
def sandboxed(settings):
    settings.NOTION_KEY = ""
    settings.NOTION_PAGE_ID = ""
    settings.NOTION_TRANSPORT = None
    settings.APP_URL = "https://forms.example.com"


def test_in_the_sandbox_it_prints_the_full_address_of_the_sandbox_view(sandboxed):
    output = run("Tasks")

    database_id = output.split("Database ID: ")[1].split()[0]
    assert f"Sandbox view: https://forms.example.com/sandbox/{database_id}/ (in the app)" in output


def test_in_the_sandbox_its_json_url_is_a_full_address(sandboxed):
    result = json.loads(run("Tasks", "--json"))

    assert result["url"] == f"https://forms.example.com/sandbox/{result['database_id']}/"
