"""Without NOTION_KEY the app works against its built-in sandbox, kept in its own database."""

import json

import pytest

from integration.models import FormSubmission, NotionRequestLog
from integration.sandbox.models import SandboxObject


@pytest.fixture
def sandboxed(settings):
    settings.NOTION_KEY = ""
    settings.NOTION_PAGE_ID = ""
    settings.NOTION_TRANSPORT = None


def result(action: str) -> dict:
    return FormSubmission.objects.get(action=action).result


def test_every_page_says_it_is_the_sandbox_and_staff_read_how_to_switch(browser, staff_browser, sandboxed):
    assert "Sandbox." in browser.get("/").content.decode()
    assert "NOTION_KEY" not in browser.get("/").content.decode()
    page = staff_browser.get("/").content.decode()

    assert "Sandbox." in page
    assert "set <code>NOTION_KEY</code> and <code>NOTION_PAGE_ID</code>" in page


def test_a_real_workspace_shows_no_sandbox_banner(browser, fake_notion):
    assert "Sandbox." not in browser.get("/").content.decode()


def test_the_four_forms_work_in_the_sandbox_and_its_objects_stay_in_the_database(browser, submit, sandboxed):
    submit("database", name="Reading list")
    submit("page", data_source_id=result("database")["data_source_id"], name="Dune", header="Why")
    submit("content", page_id=result("page")["id"], content="A desert planet.\n\nSpice.")
    submit("comment", page_id=result("page")["id"], comment="Read it twice")

    assert set(FormSubmission.objects.values_list("status", flat=True)) == {"succeeded"}
    page_id = result("page")["id"]
    assert (
        SandboxObject.objects.get(id=page_id).data["properties"]["Name"]["title"][0]["plain_text"] == "Dune"
    )
    assert SandboxObject.objects.filter(parent=page_id, kind="block").count() == 3
    assert SandboxObject.objects.filter(kind="comment").count() == 1


def test_sandbox_requests_are_in_the_history_marked_as_sandbox(submit, sandboxed):
    submit("database", name="Reading list")

    [row] = NotionRequestLog.objects.all()
    assert row.sandbox is True
    assert row.url == "https://sandbox.notionforms.invalid/v1/databases"
    assert row.response_body["object"] == "database"


def test_results_link_to_the_sandbox_viewer_which_shows_the_page(browser, submit, sandboxed):
    submit("database", name="Reading list")
    submit("page", data_source_id=result("database")["data_source_id"], name="Dune", header="Why")
    submit("content", page_id=result("page")["id"], content="A desert planet.")
    submit("comment", page_id=result("page")["id"], comment="Read it twice")

    link = result("page")["url"]
    viewer = browser.get(link).content.decode()

    assert link == f"/sandbox/{result('page')['id']}/"
    assert f'href="{link}">Open in the sandbox' in browser.get("/").content.decode()
    assert "<h1>Dune</h1>" in viewer
    assert "<h2>Why</h2>" in viewer and "A desert planet." in viewer and "Read it twice" in viewer
    assert "Dune" in browser.get(result("database")["url"]).content.decode()


def test_the_sandbox_answers_notions_errors(browser, submit, sandboxed):
    submit("comment", page_id="0" * 32, comment="Hi")

    assert FormSubmission.objects.get().error["code"] == "object_not_found"


def test_the_command_works_in_the_sandbox(sandboxed):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_database", "Tasks", "--json", stdout=out)

    assert SandboxObject.objects.get(id=json.loads(out.getvalue())["database_id"]).kind == "database"


def test_the_viewer_takes_an_id_without_dashes(browser, submit, sandboxed):
    submit("database", name="Reading list")
    database_id = result("database")["id"]

    response = browser.get(f"/sandbox/{database_id.replace('-', '')}/")

    assert response.status_code == 200
    assert "<h1>Reading list</h1>" in response.content.decode()
    assert browser.get("/sandbox/not-an-id/").status_code == 404


def test_the_viewer_shows_when_a_comment_was_made_as_a_date(browser, submit, sandboxed):
    submit("database", name="Reading list")
    submit("page", data_source_id=result("database")["data_source_id"], name="Dune")
    submit("comment", page_id=result("page")["id"], comment="Read it twice")

    viewer = browser.get(result("page")["url"]).content.decode()

    made = SandboxObject.objects.get(kind="comment").data["created_time"]
    assert made not in viewer
    assert f'<time datetime="{made[:16]}' in viewer and " UTC</time>" in viewer


def test_the_sandbox_names_data_sources_by_their_title_in_search_and_pick_lists(browser, submit, sandboxed):
    submit("database", name="Reading list")

    found = browser.get("/search/", {"kind": "data_source", "q": "read"}).content.decode()
    home = browser.get("/").content.decode()

    assert "Reading list</a>" in found and "Untitled" not in found
    assert f'<option value="{result("database")["data_source_id"]}">Reading list</option>' in home


def test_the_command_says_the_database_is_in_the_sandbox_and_links_the_viewer(sandboxed):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_database", "Tasks", stdout=out)

    database_id = out.getvalue().split("Database ID: ")[1].split()[0]
    assert "notion.so" not in out.getvalue()
    assert f"Sandbox view: http://127.0.0.1:8000/sandbox/{database_id}/" in out.getvalue()
    assert "exists only in the app's sandbox, not in Notion" in out.getvalue()


def test_the_viewer_shows_markdown_blocks_nested_under_their_parents(browser, submit, sandboxed):
    submit("database", name="Reading list")
    submit("page", data_source_id=result("database")["data_source_id"], name="Dune")
    content = "## Plan\n\n- [x] read\n  - part one\n    - chapter <1>\n\n```py\nspice()\n```"

    submit("content", page_id=result("page")["id"], content=content, format="markdown")

    viewer = browser.get(result("page")["url"]).content.decode()
    assert "<h2>Plan</h2>" in viewer
    assert '<input type="checkbox" disabled checked aria-label="Done"> read' in viewer
    nested = viewer.split("read")[1]
    assert nested.index('<div class="block-children"><p class="block">• part one') < nested.index(
        '<div class="block-children"><p class="block">• chapter &lt;1&gt;'
    )
    assert '<pre class="block" data-language="python"><code>spice()</code></pre>' in viewer
