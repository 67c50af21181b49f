"""Relation columns of the CSV import: each cell names pages of another data source, by title or by
a key property, looked up in batches and sent as page references (the immediate backend runs each
job at once)."""

import contextlib
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from integration.imports.relations import Lookup, Relation
from integration.models import Job
from integration.notion.blocks import rich_text
from integration.notion.columns import Column, ColumnError
from integration.notion.databases import create_database
from integration.notion.errors import NotionError
from integration.notion.pages import create_page
from tests.factories import StaffFactory
from tests.test_import_csv import pages_of
from tests.test_import_views import send, uploaded

MISSING_SOURCE = "0" * 8 + "-0000-4000-8000-" + "0" * 12


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


@pytest.fixture
def importing(fake_notion, tmp_path):
    StaffFactory(username="admin")

    def write(text: str, name: str = "tasks.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


def run(*args: str) -> dict:
    """The command's JSON result; a run that skipped rows ends in a CommandError, its job kept."""
    out = StringIO()
    with contextlib.suppress(CommandError):
        call_command("import_csv", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


class Projects:
    """A data source of projects to relate to: a title, a text "Code", a date "Due"."""

    def __init__(self, fake_notion) -> None:
        database = create_database(
            title="Projects",
            title_property="Name",
            columns=[Column("Code", "rich_text"), Column("Due", "date")],
        )
        self.id = database["data_sources"][0]["id"]
        self.fake = fake_notion

    def add(self, name: str, code: str = "") -> str:
        values = {"Code": {"rich_text": rich_text(code)}} if code else {}
        return create_page(data_source_id=self.id, title=name, values=values)["id"]

    def queries(self) -> list[dict]:
        return self.fake.bodies("POST", f"/v1/data_sources/{self.id}/query$")


@pytest.fixture
def projects(fake_notion) -> Projects:
    return Projects(fake_notion)


def related(fake_notion, job_result: dict, column: str = "Project") -> list[list[str]]:
    """The page IDs each imported page relates to in `column`, in the file's order."""
    pages = pages_of(fake_notion, job_result["data_source_id"])
    return [[ref["id"] for ref in page["properties"][column]["relation"]] for page in pages]


def test_cells_naming_pages_by_title_go_in_as_page_references(importing, fake_notion, projects):
    apollo, gemini = projects.add("Apollo"), projects.add("Gemini")
    path = importing("Task,Project\nLaunch,Apollo\nDock,Gemini\nPlan,\n")

    result = run(str(path), "--property", f"Project:relation={projects.id}")

    assert (result["state"], result["done"], result["skipped"]) == ("done", 3, 0)
    assert related(fake_notion, result) == [[apollo], [gemini], []]
    page = pages_of(fake_notion, result["data_source_id"])[0]
    assert page["properties"]["Project"]["has_more"] is False


def test_a_new_database_gets_a_relation_column_pointing_at_the_data_source(importing, fake_notion, projects):
    projects.add("Apollo")

    run(str(importing("Task,Project\nLaunch,Apollo\n")), "--property", f"Project:relation={projects.id}")

    [body] = fake_notion.bodies("POST", "/v1/databases$")[-1:]
    assert body["initial_data_source"]["properties"]["Project"] == {
        "relation": {"data_source_id": projects.id, "type": "single_property", "single_property": {}}
    }
    job = Job.objects.get()
    assert job.input["relations"] == {"Project": {"data_source_id": projects.id, "match": ""}}


def test_a_database_link_as_the_target_relates_to_its_data_source(importing, fake_notion, projects):
    apollo = projects.add("Apollo")
    database_id = fake_notion.sandbox.store.get(projects.id)["parent"]["database_id"]
    link = f"https://www.notion.so/Projects-{database_id.replace('-', '')}"

    result = run(str(importing("Task,Project\nLaunch,Apollo\n")), "--property", f"Project:relation={link}")

    assert related(fake_notion, result) == [[apollo]]
    [body] = fake_notion.bodies("POST", "/v1/databases$")[-1:]
    assert body["initial_data_source"]["properties"]["Project"]["relation"]["data_source_id"] == projects.id


def test_cells_naming_pages_by_a_key_property_match_that_property(importing, fake_notion, projects):
    apollo = projects.add("Apollo", code="P-1")
    projects.add("P-2", code="P-9")  # a title that is another page's key is not matched by key

    result = run(
        str(importing("Task,Project\nLaunch,P-1\nDock,P-2\n")),
        "--property",
        f"Project:relation={projects.id}@Code",
    )

    assert related(fake_notion, result) == [[apollo]]
    assert result["bad_rows"] == [[3, "Project", "No page of “Projects” has “P-2” as its Code."]]
    assert projects.queries()[0]["filter"] == {  # the rows' values in one query
        "or": [
            {"property": "Code", "rich_text": {"equals": "P-1"}},
            {"property": "Code", "rich_text": {"equals": "P-2"}},
        ]
    }


def test_a_value_with_no_page_or_two_pages_is_a_bad_row_naming_it(importing, fake_notion, projects):
    apollo = projects.add("Apollo")
    twins = [projects.add("Twin"), projects.add("Twin")]
    text = "Task,Project\nLaunch,Apollo\nFly,Nowhere\nDock,Twin\nLand,Apollo\n"

    result = run(str(importing(text)), "--property", f"Project:relation={projects.id}")

    assert (result["state"], result["done"], result["skipped"]) == ("done", 2, 2)
    assert result["bad_rows"] == [
        [3, "Project", "No page “Nowhere” in “Projects”."],
        [4, "Project", f"“Twin” matches 2 pages: {twins[0]}, {twins[1]}."],
    ]
    assert related(fake_notion, result) == [[apollo], [apollo]]


def test_several_comma_separated_values_in_a_cell_relate_to_each_page(importing, fake_notion, projects):
    apollo, gemini = projects.add("Apollo"), projects.add("Gemini")

    result = run(
        str(importing('Task,Project\nLaunch,"Apollo, Gemini,,Apollo"\n')),
        "--property",
        f"Project:relation={projects.id}",
    )

    assert related(fake_notion, result) == [[apollo, gemini]]


def test_a_value_repeated_in_fifty_rows_is_looked_up_once(importing, fake_notion, projects):
    apollo = projects.add("Apollo")
    rows = "".join(f"Task {n},Apollo\n" for n in range(50))

    result = run(str(importing(f"Task,Project\n{rows}")), "--property", f"Project:relation={projects.id}")

    assert result["done"] == 50
    assert related(fake_notion, result) == [[apollo]] * 50
    assert len(projects.queries()) == 1


def test_more_than_a_hundred_values_are_looked_up_a_hundred_a_query_and_all_found(fake_notion, projects):
    ids = {f"Project {n}": projects.add(f"Project {n}") for n in range(150)}
    lookup = Lookup({"Project": Relation(projects.id)})

    found = lookup.resolve("Project", list(ids))
    again = lookup.resolve("Project", ["Project 7", "Project 149"])

    assert found == {name: [page_id] for name, page_id in ids.items()}
    assert again == {"Project 7": [ids["Project 7"]], "Project 149": [ids["Project 149"]]}
    assert [len(query["filter"]["or"]) for query in projects.queries()] == [100, 50]


def test_several_rows_values_are_prefetched_in_one_query(fake_notion, projects):
    apollo, gemini = projects.add("Apollo"), projects.add("Gemini")
    lookup = Lookup({"Project": Relation(projects.id)})

    lookup.prefetch([{"Project": "Apollo"}, {"Project": "Gemini, Apollo", "Task": "x"}])
    values = lookup.references(3, {"Project": "Gemini, Apollo", "Task": "x"})

    assert values == {"Project": {"relation": [{"id": gemini}, {"id": apollo}]}}
    assert len(projects.queries()) == 1


def test_a_cell_of_more_than_a_hundred_values_is_a_bad_row_without_a_query(fake_notion, projects):
    lookup = Lookup({"Project": Relation(projects.id)})

    bad = lookup.references(2, {"Project": ",".join(f"P{n}" for n in range(101))})

    assert [(row.line, row.column, row.message) for row in bad] == [
        (2, "Project", "101 values: Notion relates at most 100 pages.")
    ]
    assert projects.queries() == []


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (MISSING_SOURCE, "“Project”: the data source it relates to can't be read: Notion can't find"),
        ("{projects}@Owner", "“Project”: the data source “Projects” has no property “Owner”"),
        ("{projects}@Due", "“Due” of the data source “Projects” is a date property"),
    ],
)
def test_a_target_that_cant_be_read_or_matched_is_refused_before_anything_is_sent(
    importing, fake_notion, projects, settings, target, message
):
    fake_notion.received.clear()

    with pytest.raises(CommandError) as raised:
        call_command(
            "import_csv",
            str(importing("Task,Project\nLaunch,Apollo\n")),
            "--property",
            f"Project:relation={target.format(projects=projects.id)}",
            stdout=StringIO(),
        )

    assert "1 relation column of tasks.csv can't be imported: nothing was sent." in str(raised.value)
    assert message in str(raised.value)
    assert {request.method for request in fake_notion.sent()} == {"GET"}
    assert not Job.objects.exists()
    assert not any(settings.IMPORTS_DIR.iterdir())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "Project:relation=nonsense",
            "the data source it relates to is neither a Notion ID nor a Notion link",
        ),
        (f"Project:relation={MISSING_SOURCE}@", "name the property to match after the “@”"),
        ("Project:relation", "Column “Project”: a relation needs the data source it relates to."),
    ],
)
def test_a_bad_relation_flag_is_one_line_and_sends_nothing(importing, fake_notion, spec, message):
    fake_notion.received.clear()

    with pytest.raises(CommandError, match=message):
        call_command("import_csv", str(importing("Task,Project\nLaunch,Apollo\n")), "--property", spec)

    assert fake_notion.received == []


@pytest.fixture
def tasks(fake_notion, projects) -> str:
    """A data source of tasks whose "Project" relates to the projects."""
    database = create_database(
        title="Tasks",
        title_property="Task",
        columns=[Column("Project", "relation", data_source_id=projects.id)],
    )
    return database["data_sources"][0]["id"]


def test_into_a_relation_property_of_a_data_source_values_name_pages_where_it_points(
    importing, fake_notion, projects, tasks
):
    apollo = projects.add("Apollo", code="P-1")

    by_title = run(str(importing("Task,Project\nLaunch,Apollo\n")), "--data-source", tasks)
    by_key = run(
        str(importing("Task,Project\nDock,P-1\n", name="more.csv")),
        "--data-source",
        tasks,
        "--property",
        f"Project:relation={projects.id}@Code",
    )

    assert (by_title["done"], by_key["done"]) == (1, 1)
    assert related(fake_notion, by_key) == [[apollo], [apollo]]


def test_a_relation_property_pointing_elsewhere_than_the_flag_says_is_a_mismatch(
    importing, fake_notion, projects, tasks
):
    other = create_database(title="Other", title_property="Name")["data_sources"][0]["id"]
    path = str(importing("Task,Project\nLaunch,Apollo\n"))

    with pytest.raises(CommandError) as raised:
        call_command("import_csv", path, "--data-source", tasks, "--property", f"Project:relation={other}")

    assert f"“Project” is a relation to the data source {projects.id}, not to {other}" in str(raised.value)
    assert not Job.objects.exists()


def test_the_browser_offers_relation_with_its_data_source_and_property(browser, fake_notion, projects):
    apollo = projects.add("Apollo", code="P-1")
    url = uploaded(browser, "Task,Project\nLaunch,P-1\n", name="tasks.csv")

    response = send(browser, url, type_1="relation", relation_1=projects.id, match_1="Code", title="Tasks")

    assert response.status_code == 302, response.content.decode()
    job = Job.objects.get()
    assert (job.state, job.done) == ("done", 1)
    assert related(fake_notion, job.input) == [[apollo]]


def test_the_browser_asks_for_the_data_source_a_relation_relates_to(browser, fake_notion):
    url = uploaded(browser, "Task,Project\nLaunch,Apollo\n", name="tasks.csv")

    response = send(browser, url, type_1="relation", title="Tasks")

    assert response.status_code == 400
    assert "Enter the data source “Project” relates to: its ID or link." in response.content.decode()
    assert fake_notion.sent("POST") == []


def test_the_browser_shows_an_unreadable_related_data_source_and_sends_nothing(browser, fake_notion):
    url = uploaded(browser, "Task,Project\nLaunch,Apollo\n", name="tasks.csv")

    response = send(browser, url, type_1="relation", relation_1=MISSING_SOURCE, title="Tasks")

    assert response.status_code == 400
    assert "“Project”: the data source it relates to can&#x27;t be read" in response.content.decode()
    assert fake_notion.sent("POST") == []
    assert not Job.objects.exists()


def test_an_outage_looking_up_pages_pauses_the_job(importing, fake_notion, projects):
    projects.add("Apollo")
    fake_notion.fail_like_notion("POST", "/query$", 529, "service_overload", "Overloaded.", times=10)

    result = run(
        str(importing("Task,Project\nLaunch,Apollo\n")), "--property", f"Project:relation={projects.id}"
    )

    job = Job.objects.get()
    assert (result["state"], job.done) == ("paused", 0)
    assert "Looking up related pages failed: Notion is overloaded" in job.step


# The service layer and the sandbox


def test_a_relation_column_needs_its_data_source():
    with pytest.raises(ColumnError, match="a relation needs the data source it relates to"):
        Column("Project", "relation")


def test_the_sandbox_refuses_a_page_of_another_data_source_in_a_relation(fake_notion, projects, tasks):
    stranger = create_page(data_source_id=tasks, title="Not a project")["id"]

    with pytest.raises(NotionError) as raised:
        create_page(
            data_source_id=tasks, title="Launch", values={"Project": {"relation": [{"id": stranger}]}}
        )

    assert raised.value.status == 400
    assert f"Relation page {stranger} is not a page of the related data source" in raised.value.message


def test_the_sandbox_refuses_more_than_a_hundred_related_pages(fake_notion, projects, tasks):
    apollo = projects.add("Apollo")
    references = [{"id": apollo}] * 101

    with pytest.raises(NotionError) as raised:
        create_page(data_source_id=tasks, title="Launch", values={"Project": {"relation": references}})

    assert "relation.length should be ≤ `100`" in raised.value.message


def test_a_number_key_matches_the_number_however_it_is_written(fake_notion):
    source = create_database(title="Rooms", title_property="Name", columns=[Column("No", "number")])
    rooms = source["data_sources"][0]["id"]
    room = create_page(data_source_id=rooms, title="Hall", values={"No": {"number": 1200}})["id"]
    lookup = Lookup({"Room": Relation(rooms, "No")})

    found = lookup.resolve("Room", ["1200", "1,200", "1200.0", "12", "hall"])

    assert found == {"1200": [room], "1,200": [room], "1200.0": [room], "12": [], "hall": []}
    [query] = fake_notion.bodies("POST", f"/v1/data_sources/{rooms}/query$")
    assert query["filter"]["or"] == [
        {"property": "No", "number": {"equals": 1200}},
        {"property": "No", "number": {"equals": 12}},
    ]


def test_a_merge_writes_a_relation_only_where_it_changed(importing, fake_notion, projects):
    apollo, gemini = projects.add("Apollo"), projects.add("Gemini")
    first = run(
        str(importing("Task,Project\nLaunch,Apollo\nDock,Gemini\n")),
        "--property",
        f"Project:relation={projects.id}",
    )
    tasks = first["data_source_id"]
    fake_notion.received.clear()

    merged = run(
        str(importing('Task,Project\nLaunch,Apollo\nDock,"Apollo, Gemini"\n', "week2.csv")),
        "--data-source",
        tasks,
        "--key",
        "Task",
    )

    assert merged["state"] == "done"
    [update] = fake_notion.bodies("PATCH", "/v1/pages/")
    assert update == {"properties": {"Project": {"relation": [{"id": apollo}, {"id": gemini}]}}}
    assert fake_notion.sent("POST", "/v1/pages$") == []
    assert related(fake_notion, merged) == [[apollo], [apollo, gemini]]
