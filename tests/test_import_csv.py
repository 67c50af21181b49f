"""`manage.py import_csv`: a CSV file into a new database, one page per row, by an import job
(run at once here: the immediate backend)."""

import json
import re
from io import StringIO
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command

from integration import jobs
from integration.models import Job, NotionRequestLog
from integration.notion.shapes import plain_text
from tests.factories import StaffFactory

BOOKS = "Title,Pages,Read on\nDune,412,2026-01-05\nEmma,474,2026-02-11\nUlysses,730,2026-03-20\n"


@pytest.fixture
def importing(fake_notion, settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")

    def write(text: str | bytes, name: str = "books.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return path

    return write


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_csv", *args, stdout=out)
    return out.getvalue()


def pages_of(fake_notion, source_id: str) -> list[dict]:
    store = fake_notion.sandbox.store
    pages = [
        p
        for p in store.newest_first(("page",))
        if p["parent"].get("data_source_id") == source_id and not p["in_trash"]
    ]
    return list(reversed(pages))


def row_of(page: dict) -> dict:
    values = {}
    for name, value in page["properties"].items():
        kind = value["type"]
        values[name] = plain_text(value[kind]) if kind in ("title", "rich_text") else value[kind]
    return values


def test_a_three_column_file_becomes_a_new_database_with_a_page_per_row(importing, fake_notion, parent_page):
    output = run(str(importing(BOOKS)), "--json")

    result = json.loads(output)
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["parent"]["page_id"] == parent_page["id"]
    assert body["title"][0]["text"]["content"] == "books"
    assert body["initial_data_source"]["properties"] == {
        "Title": {"title": {}},
        "Pages": {"number": {"format": "number"}},
        "Read on": {"date": {}},
        "Import key": {"rich_text": {}},
    }
    rows = [row_of(page) for page in pages_of(fake_notion, result["data_source_id"])]
    assert [(r["Title"], r["Pages"], r["Read on"]["start"]) for r in rows] == [
        ("Dune", 412, "2026-01-05"),
        ("Emma", 474, "2026-02-11"),
        ("Ulysses", 730, "2026-03-20"),
    ]
    assert len({r["Import key"] for r in rows}) == 3
    assert (result["state"], result["total"], result["done"], result["skipped"]) == ("done", 3, 3, 0)


def test_the_import_is_a_job_whose_requests_are_in_the_history_under_its_correlation_id(importing):
    run(str(importing(BOOKS)))

    job = Job.objects.get()
    assert (job.kind, job.state, job.owner.username) == ("import", "done", "admin")
    operations = NotionRequestLog.objects.filter(correlation_id=job.correlation_id).values_list(
        "operation", flat=True
    )
    assert sorted(set(operations)) == ["data_sources.retrieve", "databases.create", "pages.create"]
    assert list(operations).count("pages.create") == 3


def test_the_text_output_names_the_database_its_columns_and_the_rows_added(importing):
    output = run(str(importing(BOOKS)), "--title", "Reading list")

    assert "Columns: Title (title), Pages (number), Read on (date)" in output
    assert "3/3 rows" in output
    assert "3 of 3 rows added." in output


def test_bad_rows_are_skipped_with_their_line_numbers_and_the_command_fails(importing, fake_notion):
    long_title = "x" * 2001
    books = "".join(f"Book {n},{n}\n" for n in range(1, 8))
    text = f"Title,Pages\n{books}{long_title},8\nShort\nLast,9\n"
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_csv", str(importing(text)), stdout=out)

    job = Job.objects.get()
    assert (job.state, job.total, job.done, job.skipped, job.failed) == ("done", 10, 8, 2, 0)
    assert job.result["bad_rows"] == [
        [9, "Title", "A title has at most 2,000 characters (this has 2,001)."],
        [10, None, "1 field where the header has 2: too few."],
    ]
    assert str(raised.value) == "8 of 10 rows added, 2 skipped."
    assert "Line 9: Title: A title has at most 2,000 characters" in out.getvalue()
    assert "8 of 10 rows added" not in out.getvalue()  # the summary is the error line alone
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 8


def test_a_row_repeated_word_for_word_is_imported_once(importing, fake_notion):
    with pytest.raises(CommandError, match="1 of 2 rows added, 1 skipped"):
        run(str(importing("Title,Pages\nDune,412\nDune,412\n")))

    assert Job.objects.get().result["bad_rows"] == [[3, None, "The same as line 2: imported once."]]


def test_a_page_made_but_whose_answer_was_lost_is_found_not_made_twice(importing, fake_notion):
    fake_notion.fail("POST", "/v1/pages$", error=httpx.ReadError, after=1)

    output = run(str(importing(BOOKS)))

    assert "3/3 rows" in output and "3 of 3 rows added." in output
    job = Job.objects.get()
    assert (job.state, job.done, job.failed, job.skipped) == ("done", 3, 0, 0)
    titles = [row_of(page)["Title"] for page in pages_of(fake_notion, job.input["data_source_id"])]
    assert titles == ["Dune", "Emma", "Ulysses"]
    [query] = fake_notion.bodies("POST", "/query$")
    assert query["filter"]["property"] == "Import key"
    assert set(query["filter"]["rich_text"]) == {"equals"}
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 3  # Dune, Emma (lost answer), Ulysses


def test_a_row_whose_answer_was_lost_and_that_notion_lacks_is_sent_again(importing, fake_notion):
    fake_notion.fail("POST", "/v1/pages$", status=502, body=b"Bad gateway", after=1)  # nothing made

    run(str(importing(BOOKS)))

    job = Job.objects.get()
    assert (job.state, job.done) == ("done", 3)
    titles = [row_of(page)["Title"] for page in pages_of(fake_notion, job.input["data_source_id"])]
    assert titles == ["Dune", "Emma", "Ulysses"]
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 4
    assert len(fake_notion.sent("POST", "/query$")) == 1


def test_a_row_notion_refuses_is_counted_failed_and_the_others_go_in(importing, fake_notion):
    fake_notion.fail_like_notion("POST", "/v1/pages$", 400, "validation_error", "Bad row.", after=1)

    with pytest.raises(CommandError, match="2 of 3 rows added, 1 refused by Notion"):
        run(str(importing(BOOKS)))

    job = Job.objects.get()
    assert (job.state, job.done, job.failed) == ("done", 2, 1)
    assert job.result["bad_rows"] == [[3, None, "Bad row."]]


def test_a_job_whose_notion_access_fails_stops_at_once(importing, fake_notion):
    fake_notion.fail_like_notion("POST", "/v1/pages$", 401, "unauthorized", "API token is invalid.", times=5)

    with pytest.raises(CommandError, match=r"0 of 3 rows added, 3 not sent\. Notion did not accept"):
        run(str(importing(BOOKS)))

    assert len(fake_notion.sent("POST", "/v1/pages$")) == 1


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        ("", [], "books.csv: The file is empty: it needs a header row naming its columns."),
        ("Title,Pages\n", [], "books.csv: the file has a header but no rows to import."),
        (b"Title,Pages\nD\xfcne,412\n", [], "books.csv: Line 2, byte 14 of the file is not UTF-8"),
        ("Title,Import key\nDune,x\n", [], "Two columns are named “Import key”"),
        (BOOKS, ["--parent", "nonsense"], "--parent is neither a Notion page ID nor a Notion link"),
        (BOOKS, ["--owner", "nobody"], "--owner: there is no user 'nobody'."),
        (BOOKS, ["--title", " "], "The title is empty."),
    ],
)
def test_a_bad_file_or_argument_is_one_line_and_sends_nothing(importing, fake_notion, text, args, message):
    with pytest.raises(CommandError) as raised:
        run(str(importing(text)), *args)

    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert fake_notion.received == []
    assert not Job.objects.exists()


def test_a_missing_file_is_one_line(importing, fake_notion, tmp_path):
    with pytest.raises(CommandError, match=r"Can't read .*nothing\.csv.*: No such file or directory"):
        run(str(tmp_path / "nothing.csv"))

    assert fake_notion.received == []


def test_a_file_with_more_rows_than_the_setting_allows_is_refused_with_the_figure(
    importing, fake_notion, settings, tmp_path
):
    settings.IMPORT_MAX_ROWS = 2

    with pytest.raises(
        CommandError, match=r"books\.csv: the file has more than 2 rows, the most one import takes"
    ):
        run(str(importing(BOOKS)))

    assert fake_notion.received == []
    assert not Job.objects.exists()
    assert not (tmp_path / "imports").exists()


def test_without_a_user_to_own_the_job_it_says_how_to_make_one(fake_notion, tmp_path, django_user_model):
    django_user_model.objects.all().delete()
    path = tmp_path / "books.csv"
    path.write_text(BOOKS)

    with pytest.raises(CommandError, match="create one with createsuperuser"):
        run(str(path))


def test_a_notion_error_creating_the_database_is_one_line_and_keeps_no_copy(importing, settings):
    settings.NOTION_PAGE_ID = "0" * 32

    with pytest.raises(CommandError) as raised:
        run(str(importing(BOOKS)))

    assert "object_not_found" in str(raised.value) and "\n" not in str(raised.value)
    assert not any(settings.IMPORTS_DIR.iterdir())


def test_the_job_keeps_a_copy_of_the_file_under_imports_dir_until_it_is_done(
    importing, settings, fake_notion
):
    fake_notion.fail_like_notion("POST", "/v1/pages$", 401, "unauthorized", "API token is invalid.")
    with pytest.raises(CommandError):
        run(str(importing(BOOKS)))

    [copy] = settings.IMPORTS_DIR.iterdir()
    assert copy.read_text() == BOOKS
    job = Job.objects.get()
    assert job.input["file"] == str(copy)

    run("--resume", str(job.pk))

    assert not copy.exists()


def test_the_key_query_finds_only_the_page_whose_rich_text_equals_the_key(importing, fake_notion):
    from integration.notion.client import notion_client
    from integration.notion.errors import NotionError
    from integration.notion.selectors import find_page_by_text

    run(str(importing(BOOKS)))
    job = Job.objects.get()
    source_id = job.input["data_source_id"]
    [emma] = [p for p in pages_of(fake_notion, source_id) if row_of(p)["Title"] == "Emma"]
    key = row_of(emma)["Import key"]

    with notion_client() as client:
        assert find_page_by_text(client, source_id, "Import key", key)["id"] == emma["id"]
        assert find_page_by_text(client, source_id, "Import key", key[:10]) is None
        with pytest.raises(NotionError, match="Could not find property with name or id: Nope"):
            find_page_by_text(client, source_id, "Nope", key)
    assert NotionRequestLog.objects.filter(operation="data_sources.query").count() == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "Give the CSV file to import, or --resume JOB."),
        (["books.csv", "--resume", "1"], "Give a FILE to import or --resume JOB, not both."),
        (["--resume", "999"], "--resume: there is no import job 999."),
    ],
)
def test_resume_needs_one_failed_import_job(importing, fake_notion, args, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)


def test_a_job_that_finished_cannot_be_resumed(importing):
    run(str(importing(BOOKS)))
    job = Job.objects.get()

    with pytest.raises(CommandError, match=r"job \d+ is done: only a failed or cancelled import job"):
        run("--resume", str(job.pk))


@pytest.fixture
def queue_only(settings):
    """Jobs are queued for a worker and not run (django-tasks' dummy backend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_without_wait_it_leaves_the_rows_to_a_worker_and_prints_the_job_page(importing, queue_only):
    output = run(str(importing(BOOKS)))

    job = Job.objects.get()
    assert job.state == "queued"
    assert f"Job: http://127.0.0.1:8000/jobs/{job.pk}/" in output
    assert "Queued: a worker (manage.py db_worker) will add the rows" in output


def test_with_wait_it_shows_the_rows_done_until_the_job_ends(importing, queue_only, monkeypatch):
    from integration.management.commands import import_csv

    def a_worker_runs_the_job(seconds: float) -> None:
        job = Job.objects.get()
        Job.objects.filter(pk=job.pk).update(state="running")
        jobs.KINDS[job.kind].run(Job.objects.get(pk=job.pk))

    monkeypatch.setattr(import_csv.time, "sleep", a_worker_runs_the_job)

    out, err = StringIO(), StringIO()
    call_command("import_csv", str(importing(BOOKS)), "--wait", stdout=out, stderr=err)

    assert err.getvalue().splitlines() == ["0/3 rows", "3/3 rows"]
    assert out.getvalue().splitlines()[0].startswith("Database ID: ")
    assert "3/3 rows" in out.getvalue() and "3 of 3 rows added." in out.getvalue()
    assert Job.objects.get().state == "done"


def test_with_wait_and_json_stdout_holds_the_json_alone(importing, queue_only, monkeypatch):
    from integration.management.commands import import_csv

    monkeypatch.setattr(import_csv.time, "sleep", lambda _: jobs.KINDS["import"].run(Job.objects.get()))
    out = StringIO()

    call_command("import_csv", str(importing(BOOKS)), "--wait", "--json", stdout=out, stderr=StringIO())

    assert json.loads(out.getvalue())["done"] == 3


def test_in_the_sandbox_the_database_and_job_addresses_are_full_addresses(importing, settings):
    settings.NOTION_KEY = settings.NOTION_PAGE_ID = ""
    settings.NOTION_TRANSPORT = None
    settings.APP_URL = "https://forms.example.com/"

    result = json.loads(run(str(importing(BOOKS)), "--json"))

    assert result["url"] == f"https://forms.example.com/sandbox/{result['database_id']}/"
    assert result["job_url"] == f"https://forms.example.com/jobs/{result['job_id']}/"


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_file_that_cant_be_imported_exits_1_with_one_line_on_stderr(child_env, tmp_path):
    import subprocess
    import sys

    from integration.sandbox.engine import NotionSandbox
    from tests.fake_notion import TOKEN, served

    StaffFactory(username="admin")
    path = tmp_path / "books.csv"
    path.write_bytes(b"Title,Title\nDune,412\n")
    sandbox = NotionSandbox(token=TOKEN)
    page = sandbox.add_page("Team space")
    with served(sandbox) as base_url:
        result = subprocess.run(
            [sys.executable, "manage.py", "import_csv", str(path)],
            capture_output=True,
            text=True,
            env=child_env(base_url, NOTION_PAGE_ID=page["id"], IMPORTS_DIR=str(tmp_path / "imports")),
        )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "CommandError: books.csv: The header (line 1) names two columns “Title”: "
        "each needs a name of its own."
    ]
    assert NotionRequestLog.objects.count() == 0


def test_an_import_cancelled_stops_before_its_next_row_and_can_be_resumed(importing, fake_notion, settings):
    from tests.fake_notion import FakeNotion

    class CancelledAfterOneRow(FakeNotion):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            response = super().handle_request(request)
            if len(self.sent("POST", "/v1/pages$")) == 1 and request.url.path == "/v1/pages":
                jobs.cancel_job(Job.objects.get())
            return response

    settings.NOTION_TRANSPORT = CancelledAfterOneRow(fake_notion.sandbox)

    with pytest.raises(CommandError, match=r"Cancelled: 1 of 3 rows added, 2 not sent\."):
        run(str(importing(BOOKS)))
    job = Job.objects.get()
    assert job.state == "cancelled"

    run("--resume", str(job.pk))

    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 3)
    titles = [row_of(page)["Title"] for page in pages_of(fake_notion, job.input["data_source_id"])]
    assert titles == ["Dune", "Emma", "Ulysses"]


def test_a_lost_row_stays_pending_while_looking_for_it_fails(importing, fake_notion):
    fake_notion.fail("POST", "/v1/pages$", error=httpx.ReadError, after=1)
    fake_notion.fail_like_notion("POST", "/query$", 503, "service_unavailable", "Try later.", times=9)

    with pytest.raises(CommandError, match="Line 3 may have been added, and looking for it failed"):
        run(str(importing(BOOKS)))
    job = Job.objects.get()
    assert job.state == "paused"
    fake_notion.faults.clear()
    run("--resume", str(job.pk))

    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 3)
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 3


def test_a_property_flag_changes_a_guessed_type_or_skips_a_column(importing, fake_notion):
    result = json.loads(
        run(str(importing(BOOKS)), "--property", "Pages:rich_text", "--property", "Read on:skip", "--json")
    )

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["initial_data_source"]["properties"] == {
        "Title": {"title": {}},
        "Pages": {"rich_text": {}},
        "Import key": {"rich_text": {}},
    }
    rows = [row_of(page) for page in pages_of(fake_notion, result["data_source_id"])]
    assert [(r["Title"], r["Pages"]) for r in rows] == [("Dune", "412"), ("Emma", "474"), ("Ulysses", "730")]
    assert "Read on" not in rows[0]


def test_a_property_flag_of_type_title_chooses_the_title_column(importing, fake_notion):
    output = run(str(importing(BOOKS)), "--property", "Read on:title", "--property", "Title:rich_text")

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["initial_data_source"]["properties"]["Read on"] == {"title": {}}
    assert "Columns: Title (rich_text), Pages (number), Read on (title)" in output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--property", "Pages"], "--property “Pages” is not NAME:TYPE."),
        (
            ["--property", "Pages:formula"],
            "--property “Pages:formula”: unknown type “formula”; the types are",
        ),
        (
            ["--property", "Nope:number"],
            "The file has no column “Nope” (its columns: Title, Pages, Read on).",
        ),
        (["--property", "Title:skip"], "The title column “Title” can't be skipped"),
        (
            ["--property", "Pages:number", "--property", "Pages:date"],
            "--property names column “Pages” twice.",
        ),
        (
            ["--data-source", "nonsense"],
            "--data-source is neither a Notion ID nor a Notion link: 'nonsense'.",
        ),
        (
            ["--data-source", "1" * 32, "--title", "Books"],
            "--data-source imports into an existing data source",
        ),
    ],
)
def test_a_bad_property_or_data_source_flag_is_one_line_and_sends_nothing(
    importing, fake_notion, args, message
):
    with pytest.raises(CommandError) as raised:
        run(str(importing(BOOKS)), *args)

    assert message in str(raised.value)
    assert fake_notion.received == []
    assert not Job.objects.exists()


@pytest.fixture
def shelf(fake_notion):
    from integration.notion.columns import Column
    from integration.notion.databases import create_database

    database = create_database(
        title="Shelf", title_property="Title", columns=[Column("Pages", "number"), Column("Read on", "date")]
    )
    fake_notion.received.clear()
    return database["data_sources"][0]["id"]


def test_data_source_imports_into_an_existing_data_source_adding_its_import_key(
    importing, fake_notion, shelf
):
    result = json.loads(run(str(importing(BOOKS)), "--data-source", shelf, "--json"))

    assert (result["data_source_id"], result["state"], result["done"]) == (shelf, "done", 3)
    assert fake_notion.sent("POST", "/v1/databases$") == []
    assert fake_notion.bodies("PATCH", f"/v1/data_sources/{shelf}$") == [
        {"properties": {"Import key": {"rich_text": {}}}}
    ]
    rows = [row_of(page) for page in pages_of(fake_notion, shelf)]
    assert [(r["Title"], r["Pages"], r["Read on"]["start"]) for r in rows] == [
        ("Dune", 412, "2026-01-05"),
        ("Emma", 474, "2026-02-11"),
        ("Ulysses", 730, "2026-03-20"),
    ]


def test_data_source_mismatches_are_printed_and_exit_1_before_anything_is_sent(
    importing, fake_notion, shelf, settings
):
    text = "Title,pages,Read on,Notes\nDune,412,soon,x\n"

    with pytest.raises(CommandError) as raised:
        run(str(importing(text)), "--data-source", shelf)

    message = str(raised.value)
    assert message.startswith("3 columns of books.csv do not fit the data source “Shelf”: nothing was sent.")
    assert "“pages”: the data source has no property of that name (it has “Pages”" in message
    assert "“Read on” can't go into its date property: “soon” is not a date" in message
    assert "“Notes”: the data source has no property of that name" in message
    assert "\n" not in message
    assert {request.method for request in fake_notion.sent()} == {"GET"}
    assert not Job.objects.exists()
    assert not any(settings.IMPORTS_DIR.iterdir())


def test_the_same_file_into_the_same_data_source_resumes_its_stopped_job(importing, fake_notion, shelf):
    fake_notion.fail_like_notion("POST", "/v1/pages$", 529, "service_overload", "Busy.", after=1, times=3)
    path = str(importing(BOOKS))
    with pytest.raises(CommandError):
        run(path, "--data-source", shelf)
    job = Job.objects.get()
    err = StringIO()

    call_command("import_csv", path, "--data-source", shelf, stdout=StringIO(), stderr=err)

    job.refresh_from_db()
    assert (Job.objects.count(), job.state, job.done) == (1, "done", 3)
    assert f"by job {job.pk}, which had stopped: it goes on from the first row not added" in err.getvalue()
    assert [row_of(p)["Title"] for p in pages_of(fake_notion, shelf)] == ["Dune", "Emma", "Ulysses"]
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 3 + 3  # and three 529s, which made nothing


def test_the_same_file_again_after_it_went_in_has_nothing_to_do_naming_the_job(
    importing, fake_notion, shelf, settings
):
    path = str(importing(BOOKS))
    run(path, "--data-source", shelf)
    job = Job.objects.get()
    fake_notion.received.clear()

    output = run(path, "--data-source", shelf)  # no CommandError: exit 0

    assert f"Nothing to do: this file was imported into this data source by job {job.pk} (3 of 3" in output
    assert Job.objects.count() == 1
    assert fake_notion.received == []
    assert list(settings.IMPORTS_DIR.iterdir()) == []  # the done job's copy went, the refused run kept none


def test_a_file_over_import_max_bytes_is_refused_in_one_line(importing, fake_notion, settings):
    settings.IMPORT_MAX_BYTES = 20

    with pytest.raises(CommandError, match=r"books\.csv: The file is larger than the limit of 20 bytes"):
        run(str(importing(BOOKS)))

    assert fake_notion.received == []
