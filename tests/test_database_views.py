"""Databases made with ready views (a board, a calendar) beside Notion's table: the service, the
fake's view endpoints, `create_database --view`, form 1's "Views" and `import_csv --view`.

Shapes from Notion's "Working with views", "Create a view" and "View"; the views need API version
2025-09-03 or later ("Working with views"), the one the app sends everywhere.
"""

import json
import re
import uuid
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from integration.models import FormSubmission, NotionRequestLog
from integration.notion.client import notion_client
from integration.notion.columns import Column
from integration.notion.database_views import DatabaseView, ViewError, create_views
from integration.notion.databases import VIEWS_MADE, create_database
from integration.notion.errors import NotionError, notion_call
from tests.factories import StaffFactory
from tests.test_column_builder import more_columns, rows
from tests.test_in_place import FETCH

BOARD_AND_CALENDAR = [DatabaseView("board", "Status"), DatabaseView("calendar", "Due")]
COLUMNS = [Column("Status", "select", ("Todo", "Done")), Column("Due", "date"), Column("Notes", "rich_text")]


def views_of(sandbox, database_id: str) -> list[dict]:
    """The views the fake keeps with a database, oldest first, through its "List views"."""
    listing = sandbox.list_views(body={}, query={"database_id": database_id})
    return [sandbox.retrieve_view(ref["id"], body={}, query={}) for ref in listing["results"]]


def property_id(sandbox, database: dict, name: str) -> str:
    source = sandbox.store.get(database["data_sources"][0]["id"])
    return source["properties"][name]["id"]


# The service


def test_each_view_is_created_on_the_new_database_with_its_column_by_id(fake_notion):
    database = create_database(title="Tasks", columns=COLUMNS, views=BOARD_AND_CALENDAR)

    board, calendar = fake_notion.bodies("POST", "/v1/views$")
    source_id = database["data_sources"][0]["id"]
    assert board == {
        "database_id": database["id"],
        "data_source_id": source_id,
        "name": "Board by Status",
        "type": "board",
        "configuration": {
            "type": "board",
            "group_by": {
                "type": "select",
                "property_id": property_id(fake_notion.sandbox, database, "Status"),
                "sort": {"type": "manual"},
            },
        },
    }
    assert calendar == {
        "database_id": database["id"],
        "data_source_id": source_id,
        "name": "Calendar by Due",
        "type": "calendar",
        "configuration": {
            "type": "calendar",
            "date_property_id": property_id(fake_notion.sandbox, database, "Due"),
        },
    }


def test_the_views_are_kept_with_the_database_beside_notions_table(fake_notion):
    database = create_database(title="Tasks", columns=COLUMNS, views=BOARD_AND_CALENDAR)

    views = views_of(fake_notion.sandbox, database["id"])
    assert [(view["type"], view["name"]) for view in views] == [
        ("table", "Table"),
        ("board", "Board by Status"),
        ("calendar", "Calendar by Due"),
    ]
    assert views[1]["configuration"]["group_by"]["property_name"] == "Status"
    assert views[2]["configuration"]["date_property_name"] == "Due"
    made = database[VIEWS_MADE]
    assert [(one["name"], one["view_id"], one["error"]) for one in made] == [
        ("Board by Status", views[1]["id"], ""),
        ("Calendar by Due", views[2]["id"], ""),
    ]
    assert made[0]["url"] == views[1]["url"]


def test_the_view_requests_carry_the_version_the_views_api_needs_and_are_in_the_history(fake_notion):
    create_database(title="Tasks", columns=COLUMNS, views=BOARD_AND_CALENDAR)

    assert {r.headers["notion-version"] for r in fake_notion.sent("POST", "/v1/views$")} == {"2025-09-03"}
    rows = NotionRequestLog.objects.filter(operation="views.create").order_by("id")
    assert [(row.status, row.request_headers.get("notion-version")) for row in rows] == [
        (200, "2025-09-03"),
        (200, "2025-09-03"),
    ]


def test_a_board_without_a_column_is_grouped_by_the_first_select_column(fake_notion):
    columns = [Column("Notes", "rich_text"), Column("Stage", "select", ("A",)), Column("Kind", "select")]

    database = create_database(title="Tasks", columns=columns, views=[DatabaseView("board")])

    [body] = fake_notion.bodies("POST", "/v1/views$")
    assert body["name"] == "Board by Stage"
    assert body["configuration"]["group_by"]["property_id"] == property_id(
        fake_notion.sandbox, database, "Stage"
    )


def test_a_table_is_notions_own_and_nothing_is_sent_for_it(fake_notion):
    database = create_database(title="Tasks", views=[DatabaseView("table")])

    assert fake_notion.sent("POST", "/v1/views$") == []
    assert [one["with_database"] for one in database[VIEWS_MADE]] == [True]


def test_without_views_nothing_more_is_sent_and_the_answer_is_notions(fake_notion):
    database = create_database(title="Tasks", columns=COLUMNS)

    assert VIEWS_MADE not in database
    assert [r.url.path for r in fake_notion.received] == ["/v1/databases"]


def test_a_view_notion_refuses_is_reported_and_the_database_and_the_other_views_stay(fake_notion):
    fake_notion.fail_like_notion(
        "POST", "/v1/views$", 400, "validation_error", "Board views are not available in this workspace."
    )

    database = create_database(title="Tasks", columns=COLUMNS, views=BOARD_AND_CALENDAR)

    board, calendar = database[VIEWS_MADE]
    assert "Board views are not available in this workspace." in board["error"]
    assert "validation_error" in board["error"] and board["view_id"] == ""
    assert calendar["error"] == "" and calendar["view_id"]
    assert not fake_notion.sandbox.store.get(database["id"]).get("in_trash")
    assert [view["type"] for view in views_of(fake_notion.sandbox, database["id"])] == ["table", "calendar"]


@pytest.mark.parametrize(
    ("views", "message"),
    [
        (
            [DatabaseView("board", "Notes")],
            "Board: “Notes” is a rich_text column; a board needs a select or status",
        ),
        (
            [DatabaseView("calendar", "Status")],
            "Calendar: “Status” is a select column; a calendar needs a date",
        ),
        ([DatabaseView("board", "Stage")], "Board: there is no column “Stage”"),
        ([DatabaseView("calendar"), DatabaseView("calendar", "Due")], "“Calendar by Due” is asked for twice"),
    ],
)
def test_a_view_its_columns_cant_lay_out_is_refused_before_anything_is_sent(fake_notion, views, message):
    with pytest.raises(ViewError, match=message):
        create_database(title="Tasks", columns=COLUMNS, views=views)

    assert fake_notion.received == []


def test_a_calendar_without_a_date_column_is_refused_before_anything_is_sent(fake_notion):
    with pytest.raises(ViewError, match="no date column to lay it out by"):
        create_database(title="Tasks", columns=[Column("Status", "select")], views=[DatabaseView("calendar")])

    assert fake_notion.received == []


# The fake's view endpoints ("Create a view"), checked as Notion checks them


def test_the_fake_refuses_a_board_grouped_by_a_property_of_another_type(fake_notion):
    database = create_database(title="Tasks", columns=COLUMNS)

    with (
        notion_client() as client,
        pytest.raises(NotionError) as refused,
        notion_call(write=True, what="view"),
    ):
        client.views.create(
            database_id=database["id"],
            data_source_id=database["data_sources"][0]["id"],
            name="Board",
            type="board",
            configuration={
                "type": "board",
                "group_by": {
                    "type": "select",
                    "property_id": property_id(fake_notion.sandbox, database, "Due"),
                    "sort": {"type": "manual"},
                },
            },
        )

    assert refused.value.status == 400 and "is a date property" in refused.value.message


def test_a_board_by_a_status_column_groups_by_each_status(fake_notion):
    sandbox = fake_notion.sandbox
    database = create_database(title="Tasks")
    source = sandbox.store.get(database["data_sources"][0]["id"])
    source["properties"]["Stage"] = {
        "id": "stg1",
        "name": "Stage",
        "type": "status",
        "status": {"options": []},
    }
    sandbox.store.put(source)

    with notion_client() as client:
        [made] = create_views(
            client,
            database_id=database["id"],
            data_source_id=source["id"],
            views=[DatabaseView("board", "Stage")],
        )

    [body] = fake_notion.bodies("POST", "/v1/views$")
    assert body["configuration"]["group_by"] == {
        "type": "status",
        "property_id": "stg1",
        "sort": {"type": "manual"},
        "group_by": "option",
    }
    assert made.made and sandbox.retrieve_view(made.view_id, body={}, query={})["type"] == "board"


# `manage.py create_database --view`


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_database", *args, stdout=out)
    return out.getvalue()


COLUMN_ARGS = ["--property", "Status:select=Todo,Done", "--property", "Due:date"]


def test_the_command_makes_each_view_and_prints_what_became_of_it(fake_notion):
    output = run("Tasks", *COLUMN_ARGS, "--view", "board:Status", "--view", "calendar:Due", "--view", "table")

    assert [body["name"] for body in fake_notion.bodies("POST", "/v1/views$")] == [
        "Board by Status",
        "Calendar by Due",
    ]
    assert output.splitlines()[-3:] == [
        "View: Board by Status: made",
        "View: Calendar by Due: made",
        "View: Table: made with the database",
    ]


def test_the_commands_json_has_each_views_id(fake_notion):
    result = json.loads(run("Tasks", *COLUMN_ARGS, "--view", "calendar", "--json"))

    [view] = result["views"]
    assert (view["name"], view["error"]) == ("Calendar by Due", "")
    assert fake_notion.sandbox.retrieve_view(view["view_id"], body={}, query={})["type"] == "calendar"


@pytest.mark.parametrize(
    ("view", "message"),
    [
        ("board:Owner", "--view: Board: there is no column “Owner” (the columns: Name, Status, Due)."),
        ("board:Due", "--view: Board: “Due” is a date column; a board needs a select or status column."),
        ("calendar:Status", "--view: Calendar: “Status” is a select column; a calendar needs a date column."),
        ("gallery", "--view: Unknown view “gallery”: the views are table, board, calendar."),
        ("table:Status", "--view: A table view takes no column."),
    ],
)
def test_the_command_refuses_a_view_its_columns_cant_lay_out_before_anything_is_sent(
    fake_notion, view, message
):
    with pytest.raises(CommandError) as refused:
        run("Tasks", *COLUMN_ARGS, "--view", view)

    assert str(refused.value) == message
    assert fake_notion.received == []


def test_a_view_notion_refuses_makes_the_command_exit_1_with_the_database_printed_and_kept(fake_notion):
    fake_notion.fail_like_notion(
        "POST", "/v1/views$", 403, "restricted_resource", "Insufficient permissions."
    )
    out = StringIO()

    with pytest.raises(CommandError, match=r"1 view not made; the database was made and kept\."):
        call_command("create_database", "Tasks", *COLUMN_ARGS, "--view", "board", stdout=out)

    database_id = out.getvalue().split("Database ID: ")[1].split()[0]
    assert not fake_notion.sandbox.store.get(database_id).get("in_trash")
    assert "View: Board by Status: not made. The integration is not allowed to do this" in out.getvalue()


# Form 1's "Views", without and with JavaScript

FORM_COLUMNS = rows(
    ("Notes", "rich_text", ""), ("Status", "select", "Todo, Done", "number"), ("Due", "date", "")
)


def test_the_form_offers_the_table_always_and_a_board_and_a_calendar(browser, fake_notion):
    page = browser.get("/").content.decode()

    assert re.search(r'<input type="checkbox" id="database-views-table" checked disabled>', page)
    assert 'name="database-views-board"' in page and 'name="database-views-calendar"' in page
    assert 'name="database-views-board_by"' in page and 'name="database-views-calendar_by"' in page


def test_without_javascript_the_views_ticked_are_made_by_the_first_fitting_columns(
    browser, submit, fake_notion
):
    response = submit(
        "database", name="Tasks", **FORM_COLUMNS, **{"views-board": "on", "views-calendar": "on"}
    )

    assert response.status_code == 302
    assert [body["name"] for body in fake_notion.bodies("POST", "/v1/views$")] == [
        "Board by Status",
        "Calendar by Due",
    ]
    submission = FormSubmission.objects.get()
    assert submission.input["views"] == [
        {"kind": "board", "column": "Status"},
        {"kind": "calendar", "column": "Due"},
    ]
    page = browser.get("/").content.decode()
    assert '<dd class="views-made">Board by Status, Calendar by Due</dd>' in page


def test_a_column_named_for_a_view_is_used(submit, fake_notion):
    columns = rows(("Start", "date", ""), ("End", "date", ""))

    submit("database", name="Trips", **columns, **{"views-calendar": "on", "views-calendar_by": "End"})

    [body] = fake_notion.bodies("POST", "/v1/views$")
    assert body["name"] == "Calendar by End"


def test_nothing_ticked_sends_no_view(submit, fake_notion):
    submit("database", name="Tasks", **FORM_COLUMNS, **{"views-board_by": "Status"})

    assert fake_notion.sent("POST", "/v1/views$") == []
    assert "views" not in FormSubmission.objects.get().input


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"views-board": "on", "views-board_by": "Due"}, "board_by", "Board: “Due” is a date column"),
        (
            {"views-calendar": "on", "views-calendar_by": "When"},
            "calendar_by",
            "Calendar: there is no column “When”",
        ),
    ],
)
def test_a_view_the_columns_cant_lay_out_is_refused_beside_its_field_and_nothing_is_sent(
    submit, fake_notion, fields, field, message
):
    response = submit("database", name="Tasks", **FORM_COLUMNS, **fields)

    assert response.status_code == 400
    page = response.content.decode()
    assert "A view needs fixing: see below." in page
    assert re.search(rf'<p class="error" id="id_database-views-{field}_error">{re.escape(message)}', page)
    assert fake_notion.received == [] and not FormSubmission.objects.exists()


def test_a_board_without_a_select_column_is_refused(submit, fake_notion):
    response = submit("database", name="Tasks", **rows(("Due", "date", "")), **{"views-board": "on"})

    assert (
        "Board: the database has no select or status column to lay it out by: add one."
        in response.content.decode()
    )
    assert fake_notion.received == []


def test_more_columns_without_javascript_keeps_the_views_ticked(browser, fake_notion):
    fields = FORM_COLUMNS | {"views-board": "on", "views-board_by": "Status"}

    page = more_columns(browser, name="Tasks", **fields).content.decode()

    assert re.search(
        r'<input type="checkbox" name="database-views-board" id="id_database-views-board" checked>', page
    )
    assert 'name="database-views-board_by" value="Status"' in page
    assert fake_notion.received == []


def test_with_javascript_the_answer_in_place_lists_the_views_made(browser, fake_notion):
    browser.get("/")
    data = {f"database-{name}": value for name, value in FORM_COLUMNS.items()}
    data |= {
        "database-name": "Tasks",
        "database-views-board": "on",
        "database-submission_key": str(uuid.uuid4()),
    }
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value

    html = browser.post("/databases/", data, **FETCH).content.decode()

    assert html.strip().startswith('<section class="step" id="database"')
    assert '<dd class="views-made">Board by Status</dd>' in html


def test_a_view_notion_refuses_is_in_the_answer_and_the_database_is_kept(submit, browser, fake_notion):
    fake_notion.fail_like_notion("POST", "/v1/views$", 400, "validation_error", "Boards are switched off.")

    submit("database", name="Tasks", **FORM_COLUMNS, **{"views-board": "on", "views-calendar": "on"})

    submission = FormSubmission.objects.get()
    assert submission.status == "succeeded"
    assert submission.result["headline"] == "Database “Tasks” created; 1 view not made"
    page = browser.get("/").content.decode()
    assert '<span class="view-refused">Board by Status: not made. Boards are switched off.' in page
    assert ", Calendar by Due</dd>" in page
    assert not fake_notion.sandbox.store.get(submission.result["ids"][0][1]).get("in_trash")


# `manage.py import_csv --view`: the import's new database opens with its views

SHELVES = "Title,Shelf,Read on\nDune,Sci-fi,2026-01-05\nEmma,Classic,2026-02-11\n"


@pytest.fixture
def shelves(fake_notion, settings, tmp_path) -> str:
    """A CSV file to import, its job owned by the superuser "admin"."""
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")
    path = tmp_path / "shelves.csv"
    path.write_text(SHELVES)
    return str(path)


def import_csv(*args: str) -> str:
    out = StringIO()
    call_command("import_csv", *args, stdout=out)
    return out.getvalue()


def test_the_import_makes_its_database_with_the_views_asked_for(shelves, fake_notion):
    result = json.loads(
        import_csv(shelves, "--property", "Shelf:select", "--view", "board", "--view", "calendar", "--json")
    )

    assert [body["name"] for body in fake_notion.bodies("POST", "/v1/views$")] == [
        "Board by Shelf",
        "Calendar by Read on",
    ]
    assert [(view["name"], view["error"]) for view in result["views"]] == [
        ("Board by Shelf", ""),
        ("Calendar by Read on", ""),
    ]
    assert (result["state"], result["done"]) == ("done", 2)
    owner = Client()
    owner.force_login(User.objects.get(username="admin"))
    page = owner.get(reverse("job", args=[result["job_id"]])).content.decode()
    assert '<p class="views-made">Views: Board by Shelf, Calendar by Read on</p>' in page


def test_the_import_refuses_a_view_its_columns_cant_lay_out_before_anything_is_sent(shelves, fake_notion):
    with pytest.raises(CommandError) as refused:
        import_csv(shelves, "--view", "calendar:Shelf")

    assert str(refused.value) == "Calendar: “Shelf” is a rich_text column; a calendar needs a date column."
    assert fake_notion.received == []


def test_a_view_notion_refuses_is_reported_and_the_import_goes_on(shelves, fake_notion):
    fake_notion.fail_like_notion("POST", "/v1/views$", 400, "validation_error", "Calendars are switched off.")

    output = import_csv(shelves, "--view", "calendar:Read on")

    assert "View: Calendar by Read on: not made. Calendars are switched off." in output
    assert "2/2 rows" in output


def test_the_sandbox_viewer_lists_a_databases_views_in_order(browser, submit, settings):
    settings.NOTION_KEY = ""  # the app's own sandbox, its objects in the app's database
    settings.NOTION_PAGE_ID = ""
    settings.NOTION_TRANSPORT = None
    submit("database", name="Tasks", **FORM_COLUMNS, **{"views-board": "on", "views-calendar": "on"})
    database_id = FormSubmission.objects.get().result["ids"][0][1]

    page = browser.get(f"/sandbox/{database_id}/").content.decode()

    views = re.search(r'<ul class="views">(.*?)</ul>', page)
    assert views is not None
    assert re.findall(r"<li>(.*?) <small>\((\w+)\)</small></li>", views.group(1)) == [
        ("Table", "table"),
        ("Board by Status", "board"),
        ("Calendar by Due", "calendar"),
    ]
