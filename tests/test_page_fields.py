"""The page form's fields are those of its data source: shown, checked, sent and kept as Notion does."""

import re
import uuid

import pytest
from django.core.cache import cache

from integration.models import FormSubmission
from integration.sandbox.engine import SandboxError

USER = "5b8183bd-8984-4417-b2a6-7dc8e439e679"
OTHER_USER = "0d5c7a3e-2b1f-4e9d-8a6c-3f2e1d0c9b8a"
SCHEMA = {
    "Book title": {"title": {}},
    "Notes": {"rich_text": {}},
    "Pages": {"number": {"format": "number"}},
    "Shelf": {"select": {"options": [{"name": "To read"}, {"name": "Read"}]}},
    "Genres": {"multi_select": {"options": [{"name": "Sci-fi"}, {"name": "Classic"}]}},
    "Stage": {"status": {"options": [{"name": "Not started"}, {"name": "Done"}]}},
    "Finished": {"date": {}},
    "Owned": {"checkbox": {}},
    "Link": {"url": {}},
    "Author mail": {"email": {}},
    "Shop phone": {"phone_number": {}},
    "Readers": {"people": {}},
    "Cover": {"files": {}},
    "Added": {"created_time": {}},
    "Added by": {"created_by": {}},
    "Changed": {"last_edited_time": {}},
    "Changed by": {"last_edited_by": {}},
    "Score": {"formula": {"expression": "1"}},
    "Number": {"unique_id": {"prefix": "BK"}},
}
READ_ONLY = ["Added", "Added by", "Changed", "Changed by", "Score", "Number"]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def source(fake_notion, parent_page) -> dict:
    """A data source with a property of each kind a page can have, and its schema as Notion gives it."""
    database = fake_notion.sandbox.create_database(
        body={
            "parent": {"page_id": parent_page["id"]},
            "title": [{"text": {"content": "Books"}}],
            "initial_data_source": {"properties": SCHEMA},
        },
        query={},
    )
    return fake_notion.sandbox.store.get(database["data_sources"][0]["id"])


def field(source: dict, name: str) -> str:
    """The page form's field for property `name`, without the form's prefix."""
    return f"property_{source['properties'][name]['id']}"


def fields_of(browser, source: dict) -> str:
    return browser.get("/pages/fields/", {"data_source_id": source["id"]}).content.decode()


def element(html: str, name: str) -> str:
    """The opening tag of the input, select or textarea named `name`."""
    found = re.search(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert found, f"no field {name}"
    return found.group(0)


def stored_page(fake_notion) -> dict:
    return fake_notion.sandbox.store.get(FormSubmission.objects.get().result["id"])


# property, what is typed, the input it is typed in, what is sent, what the page holds
ROUND_TRIPS = [
    (
        "Notes",
        "Worth a second read",
        "<textarea",
        {"rich_text": [{"type": "text", "text": {"content": "Worth a second read"}}]},
        lambda value: (
            value[0]["plain_text"] == "Worth a second read" and value[0]["annotations"]["bold"] is False
        ),
    ),
    ("Pages", "412", 'inputmode="decimal"', {"number": 412}, lambda value: value == 412),
    ("Pages", "-3.5", 'inputmode="decimal"', {"number": -3.5}, lambda value: value == -3.5),
    ("Pages", "1,234.5", 'inputmode="decimal"', {"number": 1234.5}, lambda value: value == 1234.5),
    (
        "Shelf",
        "Read",
        "<select",
        {"select": {"name": "Read"}},
        lambda value: value["name"] == "Read" and set(value) == {"id", "name", "color"},
    ),
    (
        "Genres",
        ["Sci-fi", "Classic"],
        'type="checkbox"',
        {"multi_select": [{"name": "Sci-fi"}, {"name": "Classic"}]},
        lambda value: (
            [o["name"] for o in value] == ["Sci-fi", "Classic"] and all("color" in o for o in value)
        ),
    ),
    (
        "Stage",
        "Done",
        "<select",
        {"status": {"name": "Done"}},
        lambda value: value["name"] == "Done" and set(value) == {"id", "name", "color"},
    ),
    (
        "Finished",
        "2026-11-30",
        'type="date"',
        {"date": {"start": "2026-11-30"}},
        lambda value: value == {"start": "2026-11-30", "end": None, "time_zone": None},
    ),
    ("Owned", "on", 'type="checkbox"', {"checkbox": True}, lambda value: value is True),
    (
        "Link",
        "https://example.com/dune",
        'type="url"',
        {"url": "https://example.com/dune"},
        lambda value: value == "https://example.com/dune",
    ),
    (
        "Author mail",
        "frank@example.com",
        'type="email"',
        {"email": "frank@example.com"},
        lambda v: v == "frank@example.com",
    ),
    (
        "Shop phone",
        "+1 555 0100",
        'type="tel"',
        {"phone_number": "+1 555 0100"},
        lambda v: v == "+1 555 0100",
    ),
    (
        "Readers",
        f"{USER}, {OTHER_USER.replace('-', '')}",
        'type="text"',
        {"people": [{"object": "user", "id": USER}, {"object": "user", "id": OTHER_USER}]},
        lambda value: value == [{"object": "user", "id": USER}, {"object": "user", "id": OTHER_USER}],
    ),
    (
        "Cover",
        "https://example.com/covers/dune.jpg\r\nhttps://example.com/back.png",
        "<textarea",
        {
            "files": [
                {
                    "name": "dune.jpg",
                    "type": "external",
                    "external": {"url": "https://example.com/covers/dune.jpg"},
                },
                {"name": "back.png", "type": "external", "external": {"url": "https://example.com/back.png"}},
            ]
        },
        lambda value: (
            [f["external"]["url"] for f in value]
            == ["https://example.com/covers/dune.jpg", "https://example.com/back.png"]
        ),
    ),
]


@pytest.mark.parametrize(
    ("prop", "typed", "input_kind", "sent", "held"),
    ROUND_TRIPS,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(ROUND_TRIPS)],
)
def test_each_property_type_goes_from_its_field_to_the_page(
    browser, submit, fake_notion, source, prop, typed, input_kind, sent, held
):
    shown = fields_of(browser, source)
    assert input_kind in element(shown, f"page-{field(source, prop)}")
    assert f">{prop}" in shown

    response = submit("page", data_source_id=source["id"], name="Dune", **{field(source, prop): typed})

    assert response.status_code == 302
    [body] = fake_notion.bodies("POST", "/v1/pages$")
    kind = next(iter(SCHEMA[prop]))
    assert body["properties"] == {
        "Book title": {"title": [{"type": "text", "text": {"content": "Dune"}}]},
        prop: sent,
    }
    value = stored_page(fake_notion)["properties"][prop]
    assert value["id"] == source["properties"][prop]["id"]
    assert value["type"] == kind
    assert held(value[kind])
    assert FormSubmission.objects.get().input["values"] == {prop: sent}


def test_the_title_field_is_labelled_with_the_title_propertys_own_name(browser, fake_notion, source):
    shown = fields_of(browser, source)

    assert 'data-title-name="Book title (new page name)"' in shown


def test_a_multi_select_is_a_group_of_checkboxes_named_by_its_property(browser, fake_notion, source):
    shown = fields_of(browser, source)

    name = f"page-{field(source, 'Genres')}"
    group = re.search(r'<fieldset class="field choices">.*?</fieldset>', shown, re.S)
    assert group, "no group of checkboxes"
    assert "<legend>Genres" in group[0]
    boxes = re.findall(r'<input type="checkbox" name="([^"]+)" value="([^"]+)"', group[0])
    assert boxes == [(name, "Sci-fi"), (name, "Classic")]
    assert "<select" not in group[0]


def test_a_page_with_every_writable_field_empty_sends_the_title_alone(submit, fake_notion, source):
    submit("page", data_source_id=source["id"], name="Dune", **{field(source, "Notes"): ""})

    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert body["properties"] == {"Book title": {"title": [{"type": "text", "text": {"content": "Dune"}}]}}
    page = stored_page(fake_notion)["properties"]
    assert page["Notes"]["rich_text"] == [] and page["Pages"]["number"] is None
    assert page["Owned"]["checkbox"] is False and page["Genres"]["multi_select"] == []


def test_read_only_properties_are_shown_as_set_by_notion_and_never_sent(browser, submit, fake_notion, source):
    shown = fields_of(browser, source)
    for name in READ_ONLY:
        assert f'<span class="property-name">{name}</span>: set by Notion' in shown
        assert f'name="page-{field(source, name)}"' not in shown

    submit("page", data_source_id=source["id"], name="Dune", **{field(source, "Score"): "99"})

    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert not set(READ_ONLY) & set(body["properties"])
    page = stored_page(fake_notion)
    assert page["properties"]["Added"]["created_time"] == page["created_time"]
    assert page["properties"]["Added by"]["created_by"] == page["created_by"]
    assert page["properties"]["Number"]["unique_id"] == {"prefix": "BK", "number": 1}


def test_a_select_option_not_in_the_schema_is_sent_and_notion_adds_it(submit, fake_notion, source):
    submit("page", data_source_id=source["id"], name="Dune", **{field(source, "Shelf"): "Lent out"})

    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert body["properties"]["Shelf"] == {"select": {"name": "Lent out"}}
    schema = fake_notion.sandbox.store.get(source["id"])["properties"]["Shelf"]["select"]["options"]
    assert [option["name"] for option in schema] == ["To read", "Read", "Lent out"]


@pytest.mark.parametrize(
    ("prop", "typed", "message"),
    [
        ("Pages", "twelve", "Enter a number such as 42, -3.5 or 1,234.5"),
        ("Pages", "1,5", "Use a point before the decimals: 1.5."),
        ("Pages", "1.234,5", "Use a point before the decimals: 1234.5."),
        ("Pages", "3-4", "Enter a number such as 42, -3.5 or 1,234.5"),
        ("Pages", "1e999", "Enter a number such as 42, -3.5 or 1,234.5"),
        ("Pages", "1e3", "Enter a number such as 42, -3.5 or 1,234.5"),
        ("Pages", "inf", "Enter a number"),
        ("Pages", "NaN", "Enter a number"),
        ("Pages", "1" + "0" * 400, "too large for Notion"),
        ("Link", "example.com/dune", "Enter a whole link, starting with http:// or https://."),
        ("Link", "ftp://example.com/dune", "starting with http:// or https://"),
        ("Link", "javascript:alert(1)", "starting with http:// or https://"),
        ("Author mail", "frank", "Enter an email address, such as ada@example.com."),
        ("Author mail", "frank@", "Enter an email address"),
        ("Finished", "30/11/2026", "YYYY-MM-DD"),
        ("Link", "https://example.com/" + "a" * 1990, "at most 2,000 characters"),
        ("Author mail", "a" * 190 + "@example.com", "at most 200 characters"),
        ("Shop phone", "5" * 201, "at most 200 characters"),
        ("Readers", "ada", "is not a user ID"),
        ("Cover", "http://example.com/cover.jpg", "is not an https:// link"),
        ("Shelf", "Read, then lend", "can't contain a comma"),
        ("Stage", "Abandoned", "not one of this status’s options"),
        ("Genres", [f"Genre {n}" for n in range(101)], "at most 100 options"),
    ],
)
def test_a_value_notion_would_refuse_is_explained_and_nothing_is_sent(
    submit, fake_notion, source, prop, typed, message
):
    key = field(source, prop)

    response = submit("page", data_source_id=source["id"], name="Dune", **{key: typed})

    assert response.status_code == 400
    form = response.context["sections"][1]["form"]
    assert message in " ".join(form.errors[key])
    assert form[key].value() == typed
    assert form["name"].value() == "Dune"
    assert fake_notion.sent("POST", "/v1/pages$") == []
    assert not FormSubmission.objects.exists()


def test_the_answer_shows_the_values_sent(browser, submit, fake_notion, source):
    typed = {"Pages": "1,234.5", "Link": "https://example.com/dune", "Owned": "on", "Genres": ["Sci-fi"]}

    submit(
        "page", data_source_id=source["id"], name="Dune", **{field(source, k): v for k, v in typed.items()}
    )

    html = browser.get("/").content.decode()
    for name, shown in [
        ("Pages", "1234.5"), ("Genres", "Sci-fi"), ("Owned", "Yes"), ("Link", "https://example.com/dune"),
    ]:  # fmt: skip
        assert f'<dt>{name}</dt><dd class="value-sent">{shown}</dd>' in html


def test_without_javascript_show_fields_shows_the_data_sources_fields_and_sends_nothing(
    browser, fake_notion, source
):
    browser.get("/")
    response = browser.post(
        "/pages/",
        {
            "page-data_source_id": source["id"],
            "page-name": "Dune",
            "page-submission_key": str(uuid.uuid4()),
            "show_fields": "1",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert 'for="id_page-name">Book title' in page
    assert 'type="date"' in element(page, f"page-{field(source, 'Finished')}")
    assert 'value="Dune"' in page
    assert fake_notion.sent("POST", "/v1/pages$") == []
    assert not FormSubmission.objects.exists()


def test_without_javascript_show_fields_for_an_unknown_data_source_says_why(browser, fake_notion):
    browser.get("/")
    response = browser.post(
        "/pages/",
        {
            "page-data_source_id": str(uuid.uuid4()),
            "show_fields": "1",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
    )

    assert response.status_code == 200
    assert "Add connections" in response.content.decode()
    assert not FormSubmission.objects.exists()


def test_the_fields_are_read_once_from_notion_within_the_cache_time(browser, submit, fake_notion, source):
    fields_of(browser, source)
    fields_of(browser, source)

    submit("page", data_source_id=source["id"], name="Dune", **{field(source, "Pages"): "1"})

    assert len(fake_notion.sent("GET", f"/v1/data_sources/{source['id']}$")) == 1


def test_the_fields_are_read_again_once_the_cache_time_is_over(browser, fake_notion, source):
    fields_of(browser, source)
    cache.clear()  # as when its minute is over

    fields_of(browser, source)

    assert len(fake_notion.sent("GET", f"/v1/data_sources/{source['id']}$")) == 2


def test_the_home_page_shows_the_fields_it_has_at_hand_without_asking_notion(browser, fake_notion, source):
    fields_of(browser, source)  # reads the schema, and the templates
    asked = len(fake_notion.received)

    page = browser.get("/", {"data_source_id": source["id"]}).content.decode()

    assert f'name="page-{field(source, "Pages")}"' in page
    assert len(fake_notion.received) == asked


def test_the_fields_of_a_data_source_that_cannot_be_read_say_why(browser, fake_notion):
    shown = browser.get("/pages/fields/", {"data_source_id": str(uuid.uuid4())}).content.decode()

    assert "Add connections" in shown
    assert "property_" not in shown


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ({"Publisher": {"rich_text": []}}, "Publisher is not a property that exists."),
        ({"Pages": {"number": "412"}}, "body.properties.Pages.number should be a number or `null`"),
        ({"Pages": {"rich_text": []}}, "Pages is expected to be number."),
        ({"Stage": {"status": {"name": "Abandoned"}}}, 'Status option "Abandoned" does not exist.'),
        ({"Finished": {"date": {"start": "soon"}}}, "should be a valid ISO 8601 date string"),
        ({"Added": {"created_time": "2026-01-01T00:00:00.000Z"}}, "Notion sets its value"),
        ({"Score": {"formula": {"string": "x"}}}, "Notion sets its value"),
        ({"Author mail": {"email": "a" * 201}}, "length should be ≤ `200`"),
        ({"Readers": {"people": [{"id": "ada"}]}}, "should be a valid uuid"),
    ],
)
def test_the_sandbox_refuses_page_values_notion_would_refuse(fake_notion, source, properties, message):
    body = {"parent": {"type": "data_source_id", "data_source_id": source["id"]}, "properties": properties}

    with pytest.raises(SandboxError) as refused:
        fake_notion.sandbox.create_page(body=body, query={})

    assert (refused.value.status, refused.value.code) == (400, "validation_error")
    assert message in refused.value.message


def test_fields_sent_for_another_data_source_are_not_sent_to_the_new_one(
    browser, submit, fake_notion, parent_page, source
):
    other = fake_notion.sandbox.create_database(
        body={"parent": {"page_id": parent_page["id"]}, "title": [{"text": {"content": "Films"}}]}, query={}
    )["data_sources"][0]["id"]
    fields_of(browser, source)

    response = submit(
        "page", data_source_id=other, name="Dune", fields_for=source["id"], **{field(source, "Pages"): "412"}
    )

    assert response.status_code == 400
    assert "The data source changed: these are its fields" in response.content.decode()
    assert 'value="Dune"' in response.content.decode()
    assert fake_notion.sent("POST", "/v1/pages$") == []
    assert not FormSubmission.objects.exists()


def test_the_fields_fragment_requires_login(client, fake_notion, source):
    response = client.get("/pages/fields/", {"data_source_id": source["id"]})

    assert response.status_code == 302
    assert fake_notion.received == []


def test_a_new_select_option_joins_the_schema_only_if_the_page_is_made(fake_notion, source):
    body = {
        "parent": {"type": "data_source_id", "data_source_id": source["id"]},
        "properties": {"Shelf": {"select": {"name": "Lent out"}}, "Pages": {"number": "many"}},
    }

    with pytest.raises(SandboxError):
        fake_notion.sandbox.create_page(body=body, query={})

    options = fake_notion.sandbox.store.get(source["id"])["properties"]["Shelf"]["select"]["options"]
    assert [option["name"] for option in options] == ["To read", "Read"]
