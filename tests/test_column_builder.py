"""Form 1's column builder, over HTTP, against the fake Notion."""

import re
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integration.models import FormSubmission
from integration.notion.columns import COLUMN_TYPES
from integration.notion.limits import NUMBER_FORMATS
from tests.factories import UserFactory
from tests.test_login import PASSWORD, csrf_token
from tests.test_sandbox import request


def rows(*columns: tuple[str, ...], total: int | None = None) -> dict[str, str]:
    """The builder's fields as a browser posts them: a row per (name, type, options[, number format]),
    then blank rows. Without a format, the row is posted as a page from before the format list did."""
    total = total if total is not None else max(3, len(columns))
    fields = {"columns-TOTAL_FORMS": str(total), "columns-INITIAL_FORMS": "0"}
    for index in range(total):
        name, kind, options, *number_format = (
            columns[index] if index < len(columns) else ("", "rich_text", "")
        )
        fields |= {
            f"columns-{index}-name": name,
            f"columns-{index}-type": kind,
            f"columns-{index}-options": options,
        }
        if number_format:
            fields[f"columns-{index}-format"] = number_format[0]
    return fields


def more_columns(browser, **fields: str):
    """Press "More columns", as a browser without JavaScript does: the button's own name is sent."""
    browser.get("/")
    data = {f"database-{name}": value for name, value in fields.items()}
    data |= {"database-submission_key": str(uuid.uuid4()), "more_columns": "1"}
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    return browser.post("/databases/", data)


def data_source(fake_notion) -> dict:
    """The new database's data source, as GET /v1/data_sources/{id} answers."""
    source_id = FormSubmission.objects.get().result["data_source_id"]
    return fake_notion.sandbox(request("GET", f"/v1/data_sources/{source_id}")).json()


def test_the_form_offers_three_blank_rows_and_a_title_column_named_name(browser, fake_notion):
    page = browser.get("/").content.decode()

    assert 'name="database-columns-TOTAL_FORMS" value="3"' in page
    assert 'name="database-title_property" value="Name"' in page
    assert all(f'name="database-columns-{i}-name"' in page for i in range(3))
    assert 'name="database-columns-3-name"' not in page
    assert 'name="database-columns-__prefix__-name"' in page  # the row the script clones
    assert 'name="more_columns"' in page


TYPED = {
    "select": ("Status", "Todo, Doing, Done", {"options": ["Todo", "Doing", "Done"]}),
    "multi_select": ("Tags", "a,b", {"options": ["a", "b"]}),
    "number": ("Price", "dollar", {"format": "dollar"}),
}


@pytest.mark.parametrize("kind", COLUMN_TYPES)
def test_every_column_type_goes_from_the_form_to_the_data_source(submit, fake_notion, kind):
    name, options, config = TYPED.get(kind, ("Extra", "", {}))

    response = submit("database", name="Tasks", title_property="Task", **rows((name, kind, options)))

    assert response.status_code == 302
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    sent = body["initial_data_source"]["properties"]
    assert list(sent) == ["Task", name]
    expected = {"options": [{"name": o} for o in config["options"]]} if "options" in config else config
    assert sent[name] == {kind: expected}
    kept = data_source(fake_notion)["properties"]
    assert kept["Task"]["type"] == "title"
    assert kept[name]["type"] == kind
    if "options" in config:
        assert [o["name"] for o in kept[name][kind]["options"]] == config["options"]
    else:
        assert kept[name][kind] == config


def test_the_submission_keeps_the_columns_and_its_result_lists_them(browser, submit, fake_notion):
    submit("database", name="Tasks", **rows(("Due", "date", ""), ("Done", "checkbox", "")))

    submission = FormSubmission.objects.get()
    assert submission.input["title_property"] == "Name"
    assert submission.input["columns"] == [
        {"name": "Due", "type": "date", "options": [], "format": ""},
        {"name": "Done", "type": "checkbox", "options": [], "format": ""},
    ]
    assert submission.result["columns"] == [["Name", "title"], ["Due", "date"], ["Done", "checkbox"]]
    page = browser.get("/").content.decode()
    assert re.search(r"Name <small>\(title\)</small>, Due <small>\(date\)</small>, Done", page)


def test_blank_rows_and_a_blank_title_column_give_the_old_body(submit, fake_notion, parent_page):
    submit("database", name="Reading list", title_property="", **rows())

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body == {
        "parent": {"type": "page_id", "page_id": parent_page["id"]},
        "title": [{"type": "text", "text": {"content": "Reading list"}}],
        "initial_data_source": {"properties": {"Name": {"title": {}}}},
    }


@pytest.mark.parametrize(
    ("columns", "title", "message"),
    [
        ([("", "select", "a,b")], "Name", "Name this column, or clear its options."),
        ([("x" * 101, "date", "")], "Name", "has 101 characters; at most 100 are allowed."),
        (
            [("Due", "calendar", "")],
            "Name",
            "Select a valid choice. calendar is not one of the available choices.",
        ),
        ([("S", "select", "a,,b")], "Name", "Column “S”: an option is empty."),
        ([("S", "select", "a, a")], "Name", "Column “S”: the option “a” is there twice."),
        ([("T", "multi_select", ",".join(map(str, range(101))))], "Name", "has 101 options"),
        ([("Done", "checkbox", "yes")], "Name", "Column “Done”: a checkbox column takes no options."),
        ([("P", "number", "bitcoin")], "Name", "Column “P”: unknown number format “bitcoin”"),
        ([("Due", "date", ""), ("due", "checkbox", "")], "Name", "Two columns are named “due” (and “Due”)"),
        ([("task", "date", "")], "Task", "Two columns are named “task” (and “Task”)"),
    ],
)
def test_a_bad_column_is_refused_naming_it_and_nothing_is_sent_or_stored(
    submit, fake_notion, columns, title, message
):
    response = submit("database", name="Tasks", title_property=title, **rows(*columns))

    assert response.status_code == 400
    page = response.content.decode()
    assert message.replace("“", "&ldquo;").replace("”", "&rdquo;") in page or message in page
    assert "Some columns need fixing: see below." in page
    assert fake_notion.received == []
    assert FormSubmission.objects.count() == 0


def test_every_duplicate_name_is_reported_at_once_beside_the_other_errors(submit, fake_notion):
    response = submit(
        "database",
        name="Tasks",
        **rows(
            ("Due", "date", ""),
            ("due", "checkbox", "yes"),
            ("Tags", "multi_select", "a,,b"),
            ("tags", "select", "x"),
            ("name", "url", ""),
        ),
    )

    assert response.status_code == 400
    page = response.content.decode()
    duplicates = (
        "Two columns are named “due” (and “Due”), two “tags” (and “Tags”), two “name” (and “Name”): "
        "each needs a name of its own, the title column’s included."
    )
    assert duplicates in page
    assert "Column “due”: a checkbox column takes no options." in page
    assert "Column “Tags”: an option is empty." in page
    assert fake_notion.received == []


def test_the_number_format_is_a_list_of_notions_formats_that_starts_at_number(browser, fake_notion):
    page = browser.get("/").content.decode()

    select = re.search(r'<select name="database-columns-0-format".*?</select>', page, re.S)
    assert select, "no list of number formats"
    values = re.findall(r'<option value="([^"]*)"', select[0])
    assert values == list(NUMBER_FORMATS)
    assert '<option value="number" selected>Number</option>' in select[0]
    assert '<option value="number_with_commas">Number with commas</option>' in select[0]
    assert '<option value="hong_kong_dollar">Hong Kong dollar</option>' in select[0]
    assert '<label for="id_database-columns-0-format">Number format</label>' in page


def test_a_number_column_takes_the_format_chosen_in_the_list(submit, fake_notion):
    response = submit(
        "database", name="Shop", **rows(("Price", "number", "", "euro"), ("Due", "date", "", "number"))
    )

    assert response.status_code == 302
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["initial_data_source"]["properties"]["Price"] == {"number": {"format": "euro"}}
    assert body["initial_data_source"]["properties"]["Due"] == {"date": {}}


def test_a_format_chosen_for_a_column_that_is_not_a_number_is_refused(submit, fake_notion):
    response = submit("database", name="Shop", **rows(("Due", "date", "", "euro")))

    assert response.status_code == 400
    assert "Column “Due”: only a number column takes a format." in response.content.decode()
    assert fake_notion.received == []


def test_a_refused_form_shows_the_columns_as_they_were_typed(submit, fake_notion):
    response = submit("database", name="Tasks", **rows(("Status", "select", "a,,b")))

    page = response.content.decode()
    assert 'name="database-columns-0-name" value="Status"' in page
    assert 'name="database-columns-0-options" value="a,,b"' in page


def test_more_columns_without_javascript_adds_three_blank_rows_and_sends_nothing(browser, fake_notion):
    response = more_columns(browser, name="Tasks", title_property="Task", **rows(("Due", "date", "")))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="database-columns-TOTAL_FORMS" value="6"' in page
    assert 'name="database-columns-0-name" value="Due"' in page
    assert re.search(r'<option value="date" selected>', page)
    assert 'name="database-name" value="Tasks"' in page
    assert 'name="database-title_property" value="Task"' in page
    assert 'name="database-columns-5-name"' in page and 'name="database-columns-6-name"' not in page
    assert "This field is required" not in page
    assert fake_notion.received == []
    assert FormSubmission.objects.count() == 0


def test_rows_added_by_more_columns_are_sent_once_filled_in(browser, submit, fake_notion):
    first = more_columns(browser, name="Tasks", **rows(total=3)).content.decode()
    assert 'name="database-columns-TOTAL_FORMS" value="6"' in first
    key = re.search(r'name="database-submission_key" value="([^"]+)"', first)[1]

    response = submit(
        "database",
        key=key,
        name="Tasks",
        **rows(("A", "url", ""), ("B", "email", ""), ("C", "phone_number", ""), ("D", "people", ""), total=6),
    )

    assert response.status_code == 302
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert list(body["initial_data_source"]["properties"]) == ["Name", "A", "B", "C", "D"]


def test_a_failed_submission_puts_its_columns_back_in_the_form(browser, submit, fake_notion, settings):
    settings.NOTION_PAGE_ID = "00000000-0000-4000-8000-000000000000"  # not shared: Notion refuses
    submit("database", name="Tasks", **rows(("Status", "select", "a, b"), ("Price", "number", "euro")))

    page = browser.get("/").content.decode()

    assert FormSubmission.objects.get().status == "failed"
    assert 'name="database-columns-0-name" value="Status"' in page
    assert 'name="database-columns-0-options" value="a, b"' in page
    number_format = re.search(r'<select name="database-columns-1-format".*?</select>', page, re.S)[0]
    assert '<option value="euro" selected>' in number_format


def test_columns_sent_after_the_session_ended_are_kept_across_the_login(fake_notion):
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory(username="ada"))
    client.get("/")
    del client.cookies["sessionid"]
    data = {f"database-{name}": value for name, value in rows(("Status", "select", "a, b"), total=5).items()}
    data |= {"database-name": "Tasks", "database-submission_key": str(uuid.uuid4())}
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    assert client.post("/databases/", data).status_code == 302

    page = client.post(
        "/accounts/login/",
        {
            "username": "ada",
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(client),
            "next": "/#database",
        },
        follow=True,
    ).content.decode()

    assert "Restored what you typed before logging in again." in page
    assert 'name="database-columns-0-name" value="Status"' in page
    assert 'name="database-columns-0-options" value="a, b"' in page
    assert fake_notion.received == []


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.text(max_size=120),
    kind=st.sampled_from([*COLUMN_TYPES, "calendar", ""]),
    options=st.one_of(st.text(max_size=50), st.sampled_from(["a,b", "a,,b", " , ", "dollar", "EURO"])),
)
def test_any_row_gets_a_form_error_or_exactly_the_column_typed(submit, fake_notion, name, kind, options):
    response = submit("database", name="Tasks", **rows((name, kind, options)))

    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert fake_notion.received == []
        return
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    fake_notion.received.clear()
    sent = body["initial_data_source"]["properties"]
    if not name.strip():
        assert sent == {"Name": {"title": {}}}
        return
    assert list(sent) == ["Name", name.strip()]
    assert list(sent[name.strip()]) == [kind]
    config = sent[name.strip()][kind]
    if kind in ("select", "multi_select"):
        typed = [part.strip() for part in options.split(",")] if options.strip() else []
        assert [option["name"] for option in config["options"]] == typed
    elif kind == "number":
        assert config == {"format": options.strip().lower() or "number"}
    else:
        assert config == {}


def test_the_sandbox_viewer_lists_the_columns_made(browser, submit, settings):
    settings.NOTION_KEY, settings.NOTION_PAGE_ID, settings.NOTION_TRANSPORT = "", "", None
    submit("database", name="Shop", **rows(("Status", "select", "Todo, Done"), ("Price", "number", "yen")))

    viewer = browser.get(FormSubmission.objects.get().result["url"]).content.decode()

    assert "<li>Name <small>(title)</small></li>" in viewer
    assert "<li>Status <small>(select: Todo, Done)</small></li>" in viewer
    assert "<li>Price <small>(number: yen)</small></li>" in viewer
