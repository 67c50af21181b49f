"""Pages from a data source's templates ("Creating pages from templates", "List data source
templates"): listed, chosen in form 2 with and without JavaScript, on the command line and in an
import, sent as Notion takes them, and applied by the fake as Notion does, in the background."""

import json
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from integration.imports.state import ImportInput
from integration.models import FormSubmission, Job, NotionRequestLog
from integration.notion.pages import create_page
from integration.notion.shapes import plain_text
from integration.notion.templates import list_templates
from integration.sandbox.engine import SandboxError
from integration.sandbox.models import SandboxObject
from tests.factories import StaffFactory

SCHEMA = {
    "Title": {"title": {}},
    "Kind": {"select": {"options": [{"name": "Bug"}, {"name": "Idea"}]}},
    "Pages": {"number": {"format": "number"}},
}
CHECKLIST = [
    {"heading_2": {"rich_text": [{"text": {"content": "Steps to reproduce"}}]}},
    {"to_do": {"rich_text": [{"text": {"content": "Write it down"}}]}},
]


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def source(fake_notion, parent_page) -> dict:
    database = fake_notion.sandbox.create_database(
        body={
            "parent": {"page_id": parent_page["id"]},
            "title": [{"text": {"content": "Issues"}}],
            "initial_data_source": {"properties": SCHEMA},
        },
        query={},
    )
    return fake_notion.sandbox.store.get(database["data_sources"][0]["id"])


@pytest.fixture
def bug(fake_notion, source) -> dict:
    """The data source's default template: a kind, and a checklist."""
    return fake_notion.sandbox.add_template(
        source["id"],
        "Bug report",
        is_default=True,
        properties={"Kind": {"select": {"name": "Bug"}}},
        children=CHECKLIST,
    )


@pytest.fixture
def idea(fake_notion, source) -> dict:
    return fake_notion.sandbox.add_template(
        source["id"], "Idea", children=[{"paragraph": {"rich_text": [{"text": {"content": "Why?"}}]}}]
    )


def block_texts(fake_notion, page_id: str) -> list[str]:
    store = fake_notion.sandbox.store
    blocks = [store.get(child) for child in store.children(page_id)]
    return [plain_text(block[block["type"]]["rich_text"]) for block in blocks]


def template_fields(browser, source: dict) -> str:
    return browser.get("/pages/fields/", {"data_source_id": source["id"]}).content.decode()


# Listing


def test_the_templates_are_listed_a_page_of_100_at_a_time(fake_notion, source):
    for number in range(105):
        fake_notion.sandbox.add_template(source["id"], f"Template {number}")

    templates = list_templates(data_source_id=source["id"])

    assert [template.name for template in templates] == [f"Template {n}" for n in range(105)]
    asked = fake_notion.sent("GET", f"/v1/data_sources/{source['id']}/templates$")
    assert [dict(request.url.params) for request in asked] == [
        {"page_size": "100"},
        {"page_size": "100", "start_cursor": templates[100].id},
    ]


def test_the_listing_is_named_in_the_request_history(fake_notion, source, bug):
    list_templates(data_source_id=source["id"])

    assert NotionRequestLog.objects.get().operation == "data_sources.list_templates"


def test_only_one_template_is_the_default(fake_notion, source, bug):
    fake_notion.sandbox.add_template(source["id"], "Newer default", is_default=True)

    defaults = [t.name for t in list_templates(data_source_id=source["id"]) if t.is_default]

    assert defaults == ["Newer default"]


# A page from a template


def test_a_page_from_a_template_sends_the_template_and_no_children(fake_notion, source, idea):
    create_page(data_source_id=source["id"], title="Dark mode", template=idea["id"])

    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert body["template"] == {"type": "template_id", "template_id": idea["id"]}
    assert "children" not in body
    [request] = fake_notion.sent("POST", "/v1/pages$")
    assert request.headers["notion-version"] == "2025-09-03"  # templates need no newer version


def test_the_default_template_is_asked_for_as_default(fake_notion, source, bug):
    create_page(data_source_id=source["id"], title="Crash", template="default")

    assert fake_notion.bodies("POST", "/v1/pages$")[0]["template"] == {"type": "default"}


def test_a_page_without_a_template_sends_none_as_before(fake_notion, source, bug):
    create_page(data_source_id=source["id"], title="Plain", header="Notes")

    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert "template" not in body
    assert len(body["children"]) == 1


def test_a_heading_with_a_template_is_refused_before_anything_is_sent(fake_notion, source, bug):
    with pytest.raises(ValueError):
        create_page(data_source_id=source["id"], title="Crash", header="Notes", template="default")

    assert fake_notion.sent("POST", "/v1/pages$") == []


def test_notion_answers_with_the_empty_page_and_applies_the_template_in_the_background(
    fake_notion, source, bug
):
    page = create_page(data_source_id=source["id"], title="Crash", template=bug["id"])

    assert page["properties"]["Kind"]["select"] is None  # answered before the template applied
    stored = fake_notion.sandbox.store.get(page["id"])
    assert stored["properties"]["Kind"]["select"]["name"] == "Bug"
    assert plain_text(stored["properties"]["Title"]["title"]) == "Crash"
    assert block_texts(fake_notion, page["id"]) == ["Steps to reproduce", "Write it down"]


def test_values_sent_with_a_template_win_over_the_templates(fake_notion, source, bug):
    page = create_page(
        data_source_id=source["id"],
        title="Crash",
        template=bug["id"],
        values={"Kind": {"select": {"name": "Idea"}}},
    )

    assert fake_notion.sandbox.store.get(page["id"])["properties"]["Kind"]["select"]["name"] == "Idea"


def test_each_page_gets_its_own_copy_of_the_templates_blocks(fake_notion, source, bug):
    first = create_page(data_source_id=source["id"], title="One", template=bug["id"])
    second = create_page(data_source_id=source["id"], title="Two", template=bug["id"])

    store = fake_notion.sandbox.store
    assert not set(store.children(first["id"])) & set(store.children(second["id"]))
    assert set(store.children(first["id"])).isdisjoint(store.children(bug["id"]))


@pytest.mark.parametrize(
    ("template", "extra", "status", "message"),
    [
        ({"type": "template_id", "template_id": str(uuid.uuid4())}, {}, 404, "Could not find template"),
        ({"type": "default"}, {}, 400, "no default template"),
        ({"type": "mine"}, {}, 400, "body.template.type should be"),
        (
            {"type": "template_id", "template_id": "IDEA"},
            {"children": [{"paragraph": {"rich_text": []}}]},
            400,
            "children can't be given with a template",
        ),
    ],
)
def test_the_fake_refuses_a_template_notion_would_refuse(
    fake_notion, source, template, extra, status, message
):
    body = {
        "parent": {"type": "data_source_id", "data_source_id": source["id"]},
        "properties": {"Title": {"title": [{"text": {"content": "x"}}]}},
        "template": template,
        **extra,
    }

    with pytest.raises(SandboxError) as refused:
        fake_notion.sandbox.create_page(body=body, query={})

    assert refused.value.status == status
    assert message in refused.value.message


# Form 2


def test_the_fields_offer_none_the_default_and_each_template(browser, fake_notion, source, bug, idea):
    html = template_fields(browser, source)

    assert 'name="page-template"' in html
    options = html[
        html.index('name="page-template"') : html.index("</select>", html.index('name="page-template"'))
    ]
    assert '<option value="none" selected>None</option>' in options
    assert '<option value="default">Default (now “Bug report”)</option>' in options
    assert f'<option value="{bug["id"]}">Bug report</option>' in options
    assert f'<option value="{idea["id"]}">Idea</option>' in options


def test_a_data_source_without_templates_offers_no_template_choice(browser, fake_notion, source):
    assert 'name="page-template"' not in template_fields(browser, source)


def test_with_javascript_the_answer_says_the_template_is_applied_in_the_background(
    browser, fake_notion, source, bug
):
    template_fields(browser, source)
    browser.get("/")

    response = browser.post(
        "/pages/",
        {
            "page-data_source_id": source["id"],
            "page-name": "Crash",
            "page-template": bug["id"],
            "page-submission_key": str(uuid.uuid4()),
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
        },
        HTTP_X_REQUESTED_WITH="fetch",
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Made from the template “Bug report”: Notion is applying it in the background" in html
    assert "Content added with form 3 afterwards goes after the template’s blocks." in html
    assert fake_notion.bodies("POST", "/v1/pages$")[0]["template"]["template_id"] == bug["id"]


def test_without_javascript_show_fields_offers_the_templates_and_the_page_is_made_from_one(
    browser, fake_notion, source, idea
):
    browser.get("/")
    token = browser.cookies["csrftoken"].value
    shown = browser.post(
        "/pages/",
        {
            "page-data_source_id": source["id"],
            "page-name": "Dark mode",
            "show_fields": "1",
            "csrfmiddlewaretoken": token,
        },
    ).content.decode()
    assert f'<option value="{idea["id"]}">Idea</option>' in shown

    response = browser.post(
        "/pages/",
        {
            "page-data_source_id": source["id"],
            "page-name": "Dark mode",
            "page-template": idea["id"],
            "page-submission_key": str(uuid.uuid4()),
            "csrfmiddlewaretoken": token,
        },
    )

    assert response.status_code == 302
    assert "Made from the template “Idea”" in browser.get(response["Location"]).content.decode()
    page_id = FormSubmission.objects.get().result["id"]
    assert block_texts(fake_notion, page_id) == ["Why?"]


def test_content_added_with_form_3_goes_after_the_templates_blocks(submit, fake_notion, source, bug):
    # No fields shown first: the form's POST reads the templates itself to check the one chosen.
    submit("page", data_source_id=source["id"], name="Crash", template=bug["id"])
    page_id = FormSubmission.objects.get().result["id"]

    submit("content", page_id=page_id, content="It crashed on launch.")

    assert block_texts(fake_notion, page_id) == [
        "Steps to reproduce",
        "Write it down",
        "It crashed on launch.",
    ]


def test_a_heading_with_a_template_is_explained_and_nothing_is_sent(submit, fake_notion, source, bug):
    response = submit("page", data_source_id=source["id"], name="Crash", template=bug["id"], header="Notes")

    assert response.status_code == 400
    assert "A page made from a template takes no heading here" in response.content.decode()
    assert fake_notion.sent("POST", "/v1/pages$") == []
    assert not FormSubmission.objects.exists()


def test_a_template_the_data_source_does_not_have_is_refused_and_nothing_is_sent(
    submit, fake_notion, source, bug
):
    response = submit("page", data_source_id=source["id"], name="Crash", template=str(uuid.uuid4()))

    assert response.status_code == 400
    assert "This is not one of the data source’s templates" in response.content.decode()
    assert fake_notion.sent("POST", "/v1/pages$") == []


# The command line


def add_page(*args: str) -> str:
    out = StringIO()
    call_command("add_page", *args, stdout=out)
    return out.getvalue()


def test_add_page_makes_the_page_from_a_template_named(fake_notion, source, bug, idea):
    output = add_page("Dark mode", "--data-source", source["id"], "--template", "idea")

    assert fake_notion.bodies("POST", "/v1/pages$")[0]["template"] == {
        "type": "template_id",
        "template_id": idea["id"],
    }
    assert "Template: Idea (Notion applies it in the background)" in output


def test_add_page_makes_the_page_from_a_template_by_id(fake_notion, source, bug, idea):
    output = json.loads(
        add_page("Crash", "--data-source", source["id"], "--template", bug["id"].replace("-", ""), "--json")
    )

    assert fake_notion.bodies("POST", "/v1/pages$")[0]["template"]["template_id"] == bug["id"]
    assert output["template"] == "Bug report"


def test_add_page_refuses_an_unknown_template_before_anything_is_sent(fake_notion, source, bug, idea):
    with pytest.raises(CommandError) as refused:
        add_page("Crash", "--data-source", source["id"], "--template", "Feature")

    assert "Nothing was sent. This data source has no template “Feature”." in str(refused.value)
    assert f"“Bug report” ({bug['id']})" in str(refused.value)
    assert fake_notion.sent("POST", "/v1/pages$") == []


def test_add_page_refuses_a_template_with_a_heading(fake_notion, source, bug):
    with pytest.raises(CommandError, match="--template with --header"):
        add_page("Crash", "--data-source", source["id"], "--template", "Bug report", "--header", "Notes")

    assert fake_notion.received == []


# The import


@pytest.fixture
def importing(fake_notion, settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")
    path = tmp_path / "issues.csv"
    path.write_text("Title,Pages\nCrash,1\nFreeze,2\n")
    return path


def test_import_makes_each_new_page_from_the_template(importing: Path, fake_notion, source, bug):
    out = StringIO()
    call_command(
        "import_csv", str(importing), "--data-source", source["id"], "--template", "Bug report", stdout=out
    )

    bodies = fake_notion.bodies("POST", "/v1/pages$")
    assert [body["template"] for body in bodies] == [{"type": "template_id", "template_id": bug["id"]}] * 2
    assert Job.objects.get().input["template"] == bug["id"]
    for body in bodies:
        page = next(
            p
            for p in fake_notion.sandbox.store.newest_first(("page",))
            if plain_text(p["properties"]["Title"]["title"])
            == body["properties"]["Title"]["title"][0]["text"]["content"]
        )
        assert block_texts(fake_notion, page["id"]) == ["Steps to reproduce", "Write it down"]


def test_import_refuses_an_unknown_template_before_anything_is_sent(
    importing: Path, fake_notion, source, bug
):
    with pytest.raises(CommandError, match="no template “Feature”"):
        call_command("import_csv", str(importing), "--data-source", source["id"], "--template", "Feature")

    assert fake_notion.sent("POST") == []
    assert fake_notion.sent("PATCH") == []
    assert not Job.objects.exists()


def test_import_template_needs_a_data_source(importing: Path, fake_notion):
    with pytest.raises(CommandError, match="give --data-source"):
        call_command("import_csv", str(importing), "--template", "Bug report")

    assert fake_notion.received == []


def test_an_import_job_from_before_templates_makes_pages_without_one():
    assert ImportInput.from_dict({"data_source_id": "x"}).template == ""


# The app's sandbox


@pytest.fixture
def sandboxed(settings):
    settings.NOTION_KEY = ""
    settings.NOTION_PAGE_ID = ""
    settings.NOTION_TRANSPORT = None


def test_in_the_sandbox_a_template_is_made_by_command_and_a_page_made_from_it(submit, sandboxed):
    submit("database", name="Issues")
    source_id = FormSubmission.objects.get(action="database").result["data_source_id"]
    out = StringIO()
    call_command(
        "add_sandbox_template",
        "Bug report",
        "--data-source",
        source_id,
        "--paragraph",
        "What happened?",
        stdout=out,
    )
    template_id = out.getvalue().removeprefix("Template ID: ").strip()

    submit("page", data_source_id=source_id, name="Crash", template=template_id)

    page_id = FormSubmission.objects.get(action="page").result["id"]
    [block] = SandboxObject.objects.filter(parent=page_id, kind="block")
    assert block.data["paragraph"]["rich_text"][0]["plain_text"] == "What happened?"


def test_sandbox_templates_are_made_in_the_sandbox_only(fake_notion, source):
    with pytest.raises(CommandError, match="NOTION_KEY is set"):
        call_command("add_sandbox_template", "Bug report", "--data-source", source["id"])
