"""Re-importing a changed spreadsheet: rows matched to pages by a key column, only what changed
written, a dry run that writes nothing, and an undo that puts pages back as they were; from the
command line, against the fake Notion."""

import json
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from integration import jobs
from integration.imports import service
from integration.models import Job, JobRow
from integration.notion.columns import Column
from integration.notion.databases import create_database
from integration.notion.pages import create_page
from integration.notion.shapes import plain_text
from tests.factories import StaffFactory
from tests.test_import_views import send, uploaded

PEOPLE = [  # Name, Email, Age, Team: what the data source holds before the import
    ("Ada", "ada@example.com", 36, "Ops"),
    ("Bo", "bo@example.com", 28, "Dev"),
    ("Cy", "cy@example.com", 41, "Dev"),
]
WEEK_2 = """Name,Email,Age,Team
Ada,ada@example.com,36,Ops
Bo,bo@example.com,29,Ops
Cy,cy@example.com,41,Dev
Di,di@example.com,33,Ops
"""


@pytest.fixture
def people(fake_notion, settings, tmp_path) -> str:
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")
    database = create_database(
        title="People",
        title_property="Name",
        columns=[Column("Email", "email"), Column("Age", "number"), Column("Team", "select", ("Ops", "Dev"))],
    )
    source = database["data_sources"][0]["id"]
    for name, email, age, team in PEOPLE:
        create_page(
            data_source_id=source,
            title=name,
            values={"Email": {"email": email}, "Age": {"number": age}, "Team": {"select": {"name": team}}},
        )
    fake_notion.received.clear()
    return source


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, name: str = "people.csv") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_csv", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def rows_of(fake_notion, source: str) -> dict[str, dict]:
    pages = [
        page
        for page in fake_notion.sandbox.store.newest_first(("page",))
        if page["parent"].get("data_source_id") == source and not page["in_trash"]
    ]
    rows = {}
    for page in pages:
        props = page["properties"]
        rows[plain_text(props["Name"]["title"])] = {
            "Email": props["Email"]["email"],
            "Age": props["Age"]["number"],
            "Team": (props["Team"]["select"] or {}).get("name"),
            "id": page["id"],
        }
    return rows


def writes(fake_notion) -> list[httpx.Request]:
    return [r for r in fake_notion.received if r.method in ("PATCH", "DELETE") or r.url.path == "/v1/pages"]


def test_a_merge_updates_only_what_changed_adds_new_rows_and_writes_nothing_for_the_rest(
    fake_notion, people, csv_file
):
    before = rows_of(fake_notion, people)

    run(csv_file(WEEK_2), "--data-source", people, "--key", "Email")

    job = Job.objects.get()
    assert job.state == "done"
    assert job.result["hint"].startswith("1 of 4 rows added, 1 updated, 2 already as they are.")
    [update] = fake_notion.bodies("PATCH", "/v1/pages/")
    assert update == {"properties": {"Age": {"number": 29}, "Team": {"select": {"name": "Ops"}}}}
    assert fake_notion.sent("PATCH", "/v1/pages/")[0].url.path.endswith(before["Bo"]["id"])
    [created] = fake_notion.bodies("POST", "/v1/pages$")
    assert plain_text(created["properties"]["Name"]["title"]) == "Di"
    assert "Import key" not in created["properties"]  # the key is the file's own: no column added
    assert fake_notion.sent("PATCH", "/v1/data_sources/") == []
    after = rows_of(fake_notion, people)
    assert after["Bo"] | {"id": None} == {"Email": "bo@example.com", "Age": 29, "Team": "Ops", "id": None}
    assert after["Ada"] == before["Ada"] and after["Cy"] == before["Cy"]
    assert len(fake_notion.sent("POST", "/query$")) == 1  # the four rows' pages in one query
    assert json.loads(fake_notion.sent("POST", "/query$")[0].content)["filter"]["or"][0] == {
        "property": "Email",
        "email": {"equals": "ada@example.com"},
    }


def test_importing_the_same_changes_again_writes_nothing_and_says_so(fake_notion, people, csv_file):
    run(csv_file(WEEK_2), "--data-source", people, "--key", "Email")
    fake_notion.received.clear()

    with pytest.raises(CommandError, match="0 of 5 rows added, 4 already as they are, 1 skipped"):
        run(
            csv_file(WEEK_2 + "Di,di@example.com,33,Ops\n", "again.csv"),
            "--data-source",
            people,
            "--key",
            "Email",
        )

    job = Job.objects.order_by("-pk").first()
    assert job.state == "done"
    # The fifth line repeats Di's key: left out, named; nothing else to write.
    assert writes(fake_notion) == []
    assert job.result["bad_rows"] == [[6, "Email", "Email is the same as on line 5: the row was left out."]]


def test_a_file_whose_rows_are_all_in_is_a_success_with_nothing_to_do(fake_notion, people, csv_file):
    text = "Name,Email,Age,Team\n" + "".join(f"{n},{e},{a},{t}\n" for n, e, a, t in PEOPLE)

    output = run(csv_file(text), "--data-source", people, "--key", "Email")  # exit 0

    job = Job.objects.get()
    assert job.result["hint"].startswith("Nothing to do: every row is in the data source already")
    assert "Nothing to do" in output
    assert writes(fake_notion) == []


def test_a_dry_run_reports_what_would_change_and_writes_nothing(fake_notion, people, csv_file):
    output = run(csv_file(WEEK_2), "--data-source", people, "--key", "Email", "--dry-run")

    assert "Pages to add: 1" in output
    assert "Pages to update: 1 (Age: 1, Team: 1)" in output
    assert "Pages already as the file has them: 2" in output
    assert "Bad rows: 0" in output
    assert writes(fake_notion) == []
    assert Job.objects.count() == 0


def test_a_dry_run_as_json_lists_the_changes_and_fails_on_bad_rows(fake_notion, people, csv_file):
    text = WEEK_2 + "Ed,,50,Dev\n"
    out = StringIO()

    with pytest.raises(CommandError, match="1 row would be left out as bad"):
        call_command(
            "import_csv", csv_file(text), "--data-source", people, "--key", "Email", "--dry-run", "--json",
            stdout=out,
        )  # fmt: skip

    report = json.loads(out.getvalue())
    bo = rows_of(fake_notion, people)["Bo"]["id"]
    assert (report["add"], report["update"], report["same"], report["bad"]) == (1, 1, 2, 1)
    assert report["changes"] == [[3, bo, ["Age", "Team"]]]
    assert report["bad_rows"] == [[6, "Email", "The key is empty."]]
    assert writes(fake_notion) == []


def test_a_key_held_by_two_pages_is_a_bad_row_naming_them(fake_notion, people, csv_file):
    twin = create_page(data_source_id=people, title="Bo again", values={"Email": {"email": "bo@example.com"}})
    bo = rows_of(fake_notion, people)["Bo"]["id"]
    fake_notion.received.clear()

    with pytest.raises(CommandError):  # a row left out: exit 1
        run(csv_file(WEEK_2), "--data-source", people, "--key", "Email")

    job = Job.objects.get()
    [(line, column, message)] = job.result["bad_rows"]
    assert (line, column) == (3, "Email")
    assert "“bo@example.com” is held by 2 pages" in message
    assert bo in message and twin["id"] in message
    assert len(fake_notion.sent("PATCH", "/v1/pages/")) == 0
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 1  # Di


def test_update_only_adds_no_page_and_add_only_changes_none(fake_notion, people, csv_file):
    run(csv_file(WEEK_2), "--data-source", people, "--key", "Email", "--update-only")

    assert fake_notion.sent("POST", "/v1/pages$") == []
    assert len(fake_notion.sent("PATCH", "/v1/pages/")) == 1
    job = Job.objects.get()
    assert JobRow.objects.get(job=job, line=5).message == "No page has Email “di@example.com”: not added."
    fake_notion.received.clear()

    run(
        csv_file(WEEK_2.replace("29", "30"), "week3.csv"),
        "--data-source",
        people,
        "--key",
        "Email",
        "--add-only",
    )

    assert fake_notion.sent("PATCH", "/v1/pages/") == []
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 1
    assert rows_of(fake_notion, people)["Bo"]["Age"] == 29


def test_an_empty_cell_empties_the_property_of_a_page_found(fake_notion, people, csv_file):
    run(
        csv_file("Name,Email,Age,Team\nAda,ada@example.com,,Ops\n"), "--data-source", people, "--key", "Email"
    )

    assert fake_notion.bodies("PATCH", "/v1/pages/") == [{"properties": {"Age": {"number": None}}}]
    assert rows_of(fake_notion, people)["Ada"]["Age"] is None


def test_undoing_a_merge_puts_updated_pages_back_and_trashes_the_added_ones(fake_notion, people, csv_file):
    before = rows_of(fake_notion, people)
    run(csv_file(WEEK_2), "--data-source", people, "--key", "Email")
    job = Job.objects.get()

    undo = jobs.start_undo_job(user=job.owner, job=job)

    undo.refresh_from_db()
    assert undo.state == "done"
    assert "1 page of import job" in undo.result["hint"]
    assert "1 page it updated put back as they were" in undo.result["hint"]
    assert rows_of(fake_notion, people) == before
    assert JobRow.objects.get(job=job, line=3).outcome == "restored"


def test_a_lost_answer_to_an_update_is_sent_again_and_undo_still_knows_the_old_values(
    fake_notion, people, csv_file
):
    fake_notion.fail("PATCH", "/v1/pages/", error=httpx.ReadTimeout)  # it reached Notion: the answer is lost

    with pytest.raises(CommandError, match="Paused after 1 of 4 rows"):
        run(csv_file(WEEK_2), "--data-source", people, "--key", "Email")

    job = Job.objects.get()
    assert job.state == "paused"
    assert rows_of(fake_notion, people)["Bo"]["Age"] == 29  # it went through
    assert jobs.resume_job(job)
    job.refresh_from_db()
    assert job.state == "done"
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 1  # Di, once
    bo = JobRow.objects.get(job=job, line=3)
    assert (bo.outcome, bo.before) == (
        "updated",
        {"Age": {"number": 28}, "Team": {"select": {"name": "Dev"}}},
    )
    jobs.start_undo_job(user=job.owner, job=job)
    assert rows_of(fake_notion, people)["Bo"]["Age"] == 28


def test_without_a_key_column_a_changed_file_adds_only_its_changed_rows(fake_notion, people, csv_file):
    first = "Name,Email,Age,Team\nEd,ed@example.com,50,Dev\nFay,fay@example.com,22,Ops\n"
    run(csv_file(first), "--data-source", people)
    fake_notion.received.clear()

    run(csv_file(first + "Gus,gus@example.com,60,Dev\n", "week2.csv"), "--data-source", people)

    [created] = fake_notion.bodies("POST", "/v1/pages$")
    assert plain_text(created["properties"]["Name"]["title"]) == "Gus"
    job = Job.objects.order_by("-pk").first()
    assert job.result["hint"].startswith("1 of 3 rows added, 2 already as they are.")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", "Email"], "give --data-source"),
        (["--data-source", "{people}", "--update-only"], "Updating only needs a key column"),
        (["--data-source", "{people}", "--key", "Nope"], "There is no column “Nope” to be the key"),
        (
            ["--data-source", "{people}", "--key", "Team", "--property", "Team:skip"],
            "must go into a property",
        ),
    ],
)
def test_a_key_that_cant_work_is_refused_before_anything_is_sent(
    fake_notion, people, csv_file, args, message
):
    with pytest.raises(CommandError, match=message):
        run(csv_file(WEEK_2), *[arg.format(people=people) for arg in args])

    assert writes(fake_notion) == []
    assert Job.objects.count() == 0


def test_a_number_key_finds_pages_by_number(fake_notion, settings, tmp_path, csv_file):
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")
    database = create_database(
        title="Stock", title_property="Item", columns=[Column("SKU", "number"), Column("Qty", "number")]
    )
    source = database["data_sources"][0]["id"]
    create_page(data_source_id=source, title="Bolt", values={"SKU": {"number": 1001}, "Qty": {"number": 5}})
    fake_notion.received.clear()

    run(csv_file("Item,SKU,Qty\nBolt,1001,7\n"), "--data-source", source, "--key", "SKU")

    assert fake_notion.bodies("POST", "/query$")[0]["filter"] == {
        "property": "SKU",
        "number": {"equals": 1001.0},
    }
    assert fake_notion.bodies("PATCH", "/v1/pages/") == [{"properties": {"Qty": {"number": 7}}}]


def test_in_the_browser_check_shows_what_a_merge_would_do_and_start_does_it(fake_notion, people, browser):
    url = uploaded(browser, WEEK_2, "people.csv")

    checked = send(
        browser, url, action="check", target="data_source", data_source_id=people, key_column="Email"
    )

    html = checked.content.decode()
    assert checked.status_code == 200
    assert "Pages to add: 1" in html
    assert "Pages to update: 1 (Age: 1, Team: 1)" in html
    assert "Pages already as the file has them: 2" in html
    assert "Import key" not in html.split("What Start import would do")[1]  # no column added with a key
    assert writes(fake_notion) == []

    started = send(
        browser, url, target="data_source", data_source_id=people, key_column="Email", mode="update"
    )

    job = Job.objects.get()
    assert started.url == f"/jobs/{job.pk}/"
    assert (job.state, job.input["key_column"], job.input["mode"]) == ("done", "Email", "update")
    assert fake_notion.sent("POST", "/v1/pages$") == []  # update only: Di is not added
    assert rows_of(fake_notion, people)["Bo"]["Age"] == 29
    page = browser.get(started.url).content.decode()
    assert "Puts the 1 page it updated back as it was, as a job of its own; you confirm first." in page
    confirm = browser.get(f"/jobs/{job.pk}/undo/").content.decode()
    assert "1 page it updated will be put back as it was." in confirm
    assert "added" not in confirm.split("Undo the import of")[1]


def test_a_long_dry_run_shows_its_progress_and_a_bounded_one_reads_no_further(fake_notion, people, csv_file):
    rows = "".join(f"P{n},p{n}@example.com,{n},Ops\n" for n in range(250))
    path = csv_file("Name,Email,Age,Team\n" + rows)
    err = StringIO()

    call_command(
        "import_csv",
        path,
        "--data-source",
        people,
        "--key",
        "Email",
        "--dry-run",
        stdout=StringIO(),
        stderr=err,
    )

    assert err.getvalue().splitlines() == ["100/250 rows looked at", "200/250 rows looked at"]
    assert len(fake_notion.sent("POST", "/query$")) == 3
    fake_notion.received.clear()

    file = service.read_file(path=Path(path))
    report = service.dry_run(
        file=file, plan=service.make_plan(file=file), data_source_id=people, key_column="Email", limit=100
    )

    assert (report.rows, report.complete, report.add) == (100, False, 100)
    assert len(fake_notion.sent("POST", "/query$")) == 1  # the rows past the limit are not looked up
