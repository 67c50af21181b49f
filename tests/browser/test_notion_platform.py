"""Notion's newer platform at the browser, with and without JavaScript: a database made with a
board and a calendar beside its table, and a page made from one of its data source's templates."""

from playwright.sync_api import expect

from integration.models import FormSubmission
from integration.sandbox.models import SandboxObject
from tests.browser.test_in_browser import section


def test_a_database_is_made_with_a_board_and_a_calendar_beside_its_table(page):
    form = section(page, "database")
    form.get_by_label("Database name").fill("Tasks")
    rows = form.locator(".column-row")
    rows.nth(0).get_by_label("Column name").fill("Status")
    rows.nth(0).get_by_label("Type").select_option("select")
    rows.nth(0).get_by_label("Options").fill("Todo, Done")
    rows.nth(1).get_by_label("Column name").fill("Due")
    rows.nth(1).get_by_label("Type").select_option("date")
    form.get_by_label("Board", exact=True).check()
    form.get_by_label("Calendar", exact=True).check()

    form.get_by_role("button", name="Create database").click()

    answer = section(page, "database").locator(".results li.succeeded")
    expect(answer.locator(".views-made")).to_contain_text("Board")
    expect(answer.locator(".views-made")).to_contain_text("Calendar")
    database_id = FormSubmission.objects.get(action="database").result["id"]
    views = [
        obj.data
        for obj in SandboxObject.objects.filter(kind="view")
        if obj.data["parent"]["database_id"] == database_id
    ]
    assert sorted(view["type"] for view in views) == ["board", "calendar", "table"]


def test_a_page_is_made_from_a_template_of_its_data_source(page):
    from django.core.management import call_command

    from integration.sandbox.store import root_page, sandbox

    database = sandbox().create_database(
        body={
            "parent": {"page_id": root_page()},
            "title": [{"text": {"content": "Bugs"}}],
            "initial_data_source": {"properties": {"Name": {"title": {}}, "Kind": {"select": {}}}},
        },
        query={},
    )
    source_id = database["data_sources"][0]["id"]
    call_command("add_sandbox_template", "Bug report", "--data-source", source_id, "--value", "Kind=Bug",
                 "--paragraph", "Steps to reproduce")  # fmt: skip
    form = section(page, "page")
    form.get_by_label("Data source ID").fill(source_id)
    form.get_by_role("button", name="Show fields").click()

    expect(form.get_by_label("Template")).to_be_visible()
    form.get_by_label("Name").fill("Crash on launch")
    form.get_by_label("Template").select_option(label="Bug report")
    section(page, "page").get_by_role("button", name="Add page").click()

    answer = section(page, "page").locator(".results li.succeeded")
    expect(answer.locator(".template-note")).to_contain_text("Made from the template “Bug report”")
    page_id = FormSubmission.objects.get(action="page").result["id"]
    made = SandboxObject.objects.get(id=page_id).data
    assert made["properties"]["Kind"]["select"]["name"] == "Bug"
