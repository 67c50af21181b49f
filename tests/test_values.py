"""Page property values as Notion takes them: integration.notion.values, free of Django."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from integration.imports.csvfile import Row, convert_row
from integration.notion.values import InvalidValue, InvalidValues, page_values, property_value

pytestmark = pytest.mark.no_db

SELECT = {"id": "a1", "type": "select", "select": {"options": [{"name": "Todo"}]}}
STATUS = {"id": "s1", "type": "status", "status": {"options": [{"name": "Done"}]}}


def test_a_whole_number_is_sent_as_an_integer_and_a_fraction_as_a_float():
    assert property_value({"type": "number"}, " 42 ") == {"number": 42}
    assert property_value({"type": "number"}, "3.0") == {"number": 3}
    assert property_value({"type": "number"}, "0.25") == {"number": 0.25}
    assert property_value({"type": "number"}, "-1 234 567.5") == {"number": -1234567.5}


@pytest.mark.parametrize(
    "typed", ["1e3", "1e999", "inf", "NaN", "3-4", "1,5", "007", ".5", "5.", "1_000", "$5"]
)
def test_a_number_is_read_as_written_or_refused_never_read_as_another(typed):
    with pytest.raises(InvalidValue):
        property_value({"type": "number"}, typed)


def test_a_decimal_comma_is_refused_saying_how_to_write_it():
    with pytest.raises(InvalidValue, match=r"Use a point before the decimals: -1234\.25\."):
        property_value({"type": "number"}, "-1.234,25")


@settings(max_examples=300, deadline=None)
@given(typed=st.text(alphabet="0123456789,.-+e \u00a0", max_size=12))
def test_the_form_and_a_csv_import_read_a_number_alike(typed):
    number = {"type": "number"}
    imported = convert_row(["n"], Row(2, (typed,)), {"n": number})
    try:
        typed_in_the_form = property_value(number, typed)
    except InvalidValue:
        assert isinstance(imported, list) and imported[0].column == "n"
    else:
        assert imported == ({"n": typed_in_the_form} if typed_in_the_form else {})


def test_an_empty_field_is_not_sent():
    for kind in ("rich_text", "number", "select", "date", "url", "people", "files", "checkbox"):
        assert property_value({"type": kind}, "" if kind != "checkbox" else False) is None


def test_a_select_may_name_a_new_option_but_a_status_may_not():
    assert property_value(SELECT, "Someday") == {"select": {"name": "Someday"}}
    with pytest.raises(InvalidValue, match="not one of this status"):
        property_value(STATUS, "Someday")


def test_an_option_name_is_at_most_100_characters():
    with pytest.raises(InvalidValue, match="at most 100 characters"):
        property_value(SELECT, "x" * 101)


def test_a_date_and_time_is_kept_with_its_offset():
    value = property_value({"type": "date"}, "2026-12-01T09:30:00+01:00")
    assert value == {"date": {"start": "2026-12-01T09:30:00+01:00"}}


def test_the_same_person_or_file_given_twice_is_sent_once():
    user = "5b8183bd-8984-4417-b2a6-7dc8e439e679"
    assert property_value({"type": "people"}, f"{user},{user}") == {
        "people": [{"object": "user", "id": user}]
    }
    files = property_value({"type": "files"}, "https://example.com/a.pdf\nhttps://example.com/a.pdf")
    assert len(files["files"]) == 1


def test_more_than_100_people_are_refused():
    users = ",".join(f"00000000-0000-4000-8000-{n:012d}" for n in range(101))
    with pytest.raises(InvalidValue, match="at most 100"):
        property_value({"type": "people"}, users)


def test_a_long_rich_text_is_sent_in_pieces_of_2000_characters():
    value = property_value({"type": "rich_text"}, "é" * 4500)
    assert [len(piece["text"]["content"]) for piece in value["rich_text"]] == [2000, 2000, 500]


def test_read_only_and_unknown_properties_are_refused_by_name():
    properties = {"Made": {"type": "created_time"}, "Tags": {"type": "multi_select"}}
    with pytest.raises(InvalidValues) as invalid:
        page_values(properties, {"Made": "now", "Gone": "x", "Tags": ["a"]})
    assert set(invalid.value.errors) == {"Made", "Gone"}
    assert "Notion sets this property" in invalid.value.errors["Made"]
