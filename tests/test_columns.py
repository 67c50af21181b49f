"""The columns of a new database (integration/notion/columns.py), and the sandbox keeping them."""

import re

import pytest

from integration.notion.columns import COLUMN_TYPES, Column, ColumnError, parse_column, properties
from integration.notion.limits import NUMBER_FORMATS
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import TOKEN
from tests.test_sandbox import assert_error, request

pytestmark = pytest.mark.no_db


def test_a_spec_gives_a_select_column_with_its_options_in_order():
    assert parse_column("Status:select=Todo,Doing,Done") == Column(
        "Status", "select", ("Todo", "Doing", "Done")
    )


def test_a_spec_strips_spaces_and_takes_the_type_in_any_case():
    assert parse_column(" Tags : Multi_Select = a , b ") == Column("Tags", "multi_select", ("a", "b"))


def test_a_number_spec_takes_its_format_after_the_equals_sign():
    assert parse_column("Price:number=dollar").schema() == {"number": {"format": "dollar"}}


def test_a_number_without_a_format_is_a_plain_number():
    assert parse_column("Estimate:number").schema() == {"number": {"format": "number"}}


def test_a_name_may_hold_a_colon_the_type_is_after_the_last_one():
    assert parse_column("Time: start:date") == Column("Time: start", "date")


@pytest.mark.parametrize("kind", sorted(set(COLUMN_TYPES) - {"number", "select", "multi_select"}))
def test_a_column_without_options_has_an_empty_config(kind):
    assert parse_column(f"C:{kind}").schema() == {kind: {}}


def test_select_options_are_sent_by_name():
    assert Column("S", "select", ("a", "b")).schema() == {
        "select": {"options": [{"name": "a"}, {"name": "b"}]}
    }


def test_every_notion_number_format_is_taken():
    assert len(NUMBER_FORMATS) == 41
    for number_format in NUMBER_FORMATS:
        assert Column("P", "number", format=number_format).schema() == {"number": {"format": number_format}}


def test_the_title_column_comes_first_named_as_asked():
    schema = properties("Task", [Column("Due", "date")])

    assert list(schema.items()) == [("Task", {"title": {}}), ("Due", {"date": {}})]


def test_without_columns_the_schema_is_a_name_title_column():
    assert properties() == {"Name": {"title": {}}}


def test_a_column_survives_being_kept_as_json():
    one = Column("Status", "select", ("a", "b"))

    assert Column.from_dict(one.as_dict()) == one


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (":date", "A column has no name."),
        ("Due", "the “:TYPE” is missing"),
        ("Due:calendar", "Column “Due”: unknown type “calendar”; the types are rich_text, number"),
        ("Status:select=", "Column “Status”: nothing follows the “=”."),
        ("Status:select=a,,b", "Column “Status”: an option is empty."),
        ("Status:select=a,b,a", "Column “Status”: the option “a” is there twice."),
        ("Done:checkbox=yes", "Column “Done”: a checkbox column takes no options."),
        ("Price:number=bitcoin", "Column “Price”: unknown number format “bitcoin”"),
        ("Price:number=dollar,euro", "Column “Price”: unknown number format “dollar,euro”"),
        ("x" * 101 + ":date", "has 101 characters; at most 100 are allowed."),
        (
            "Tags:multi_select=" + ",".join(str(n) for n in range(101)),
            "has 101 options; Notion takes at most 100.",
        ),
        ("Tags:multi_select=" + "o" * 101, "the option “oooooooooooooooooooo…” has 101 characters"),
    ],
)
def test_a_bad_spec_is_refused_naming_the_bad_part(spec, message):
    with pytest.raises(ColumnError, match=re.escape(message)):
        parse_column(spec)


def test_an_option_with_a_comma_is_refused():
    with pytest.raises(
        ColumnError, match=re.escape("Column “S”: the option “a,b” has a comma, which Notion refuses.")
    ):
        Column("S", "select", ("a,b",))


def test_100_options_are_taken():
    assert len(Column("S", "select", tuple(map(str, range(100)))).schema()["select"]["options"]) == 100


def test_two_columns_of_one_name_in_any_case_are_refused():
    with pytest.raises(ColumnError, match="Two columns are named “status” \\(and “Status”\\)"):
        properties("Name", [Column("Status", "date"), Column("status", "checkbox")])


def test_a_column_named_as_the_title_column_is_refused():
    with pytest.raises(ColumnError, match="Two columns are named “name” \\(and “Name”\\)"):
        properties("Name", [Column("name", "date")])


def test_every_name_used_twice_is_named_once_in_one_error():
    columns = [Column(name, "date") for name in ("Due", "Tags", "due", "Price", "tags", "DUE", "price")]

    with pytest.raises(ColumnError) as refused:
        properties("Name", columns)

    message = str(refused.value)
    assert message == (
        "Three columns are named “due” (and “Due”, “DUE”), two “tags” (and “Tags”), two “price” "
        "(and “Price”): each needs a name of its own, the title column’s included."
    )


def test_an_empty_title_column_name_is_refused():
    with pytest.raises(ColumnError, match=re.escape("The title column has no name.")):
        properties("", [])


# The sandbox, as Notion


@pytest.fixture
def sandbox() -> NotionSandbox:
    return NotionSandbox(token=TOKEN)


def create(sandbox: NotionSandbox, schema: dict):
    parent = sandbox.add_page("Team space")
    body = {
        "parent": {"type": "page_id", "page_id": parent["id"]},
        "title": [{"type": "text", "text": {"content": "Tasks"}}],
        "initial_data_source": {"properties": schema},
    }
    return sandbox(request("POST", "/v1/databases", body))


def test_the_sandbox_keeps_each_column_as_notion_shapes_a_data_source_property(sandbox):
    schema = properties(
        "Task",
        [Column("Status", "select", ("Todo", "Done")), Column("Price", "number", format="euro")]
        + [Column(kind, kind) for kind in COLUMN_TYPES if kind not in ("select", "number")],
    )
    database = create(sandbox, schema).json()

    source = sandbox(request("GET", f"/v1/data_sources/{database['data_sources'][0]['id']}")).json()

    kept = source["properties"]
    assert list(kept) == list(schema)
    assert kept["Task"] == {"id": "title", "name": "Task", "description": None, "type": "title", "title": {}}
    for name, prop in kept.items():
        assert set(prop) == {"id", "name", "description", "type", prop["type"]}
        assert prop["name"] == name and prop["description"] is None
    assert kept["Price"]["number"] == {"format": "euro"}
    assert kept["multi_select"]["multi_select"] == {"options": []}
    assert kept["date"]["date"] == {}
    [todo, done] = kept["Status"]["select"]["options"]
    assert set(todo) == {"id", "name", "color", "description"}
    assert (todo["name"], todo["color"], todo["description"]) == ("Todo", "default", None)
    assert done["name"] == "Done" and done["id"] != todo["id"]


def test_the_sandbox_keeps_a_given_option_color(sandbox):
    database = create(
        sandbox, {"Name": {"title": {}}, "S": {"select": {"options": [{"name": "a", "color": "red"}]}}}
    ).json()

    source = sandbox.store.get(database["data_sources"][0]["id"])

    assert source["properties"]["S"]["select"]["options"][0]["color"] == "red"


@pytest.mark.parametrize(
    ("schema", "message"),
    [
        (
            {"Name": {"title": {}}, "When": {"calendar": {}}},
            "body failed validation: body.initial_data_source.properties.When should have exactly one "
            "property type of button, checkbox,",
        ),
        (
            {"Name": {"title": {}}, "S": {"select": {"options": [{"name": "a,b"}]}}},
            "Invalid select option, commas not allowed: a,b",
        ),
        (
            {
                "Name": {"title": {}},
                "T": {"multi_select": {"options": [{"name": str(n)} for n in range(101)]}},
            },
            "body failed validation: body.initial_data_source.properties.T.multi_select.options.length "
            "should be ≤ `100`, instead was `101`.",
        ),
        (
            {"Name": {"title": {}}, "P": {"number": {"format": "bitcoin"}}},
            "body failed validation: body.initial_data_source.properties.P.number.format should be one of "
            "`number`, `number_with_commas`,",
        ),
        ({"Due": {"date": {}}}, "Title is not provided. A data source needs exactly one title property."),
    ],
)
def test_the_sandbox_refuses_a_schema_notion_refuses(sandbox, schema, message):
    response = create(sandbox, schema)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error" and body["message"].startswith(message)
    assert sandbox.store.newest_first(("database", "data_source")) == []


def test_the_sandbox_error_is_notions_envelope(sandbox):
    response = create(sandbox, {"Due": {"date": {}}})

    assert_error(
        response,
        400,
        "validation_error",
        "Title is not provided. A data source needs exactly one title property.",
    )
