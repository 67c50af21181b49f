"""Import checks that tell the truth (issue 18): each number column's decimal separator, why a
column got its type, the rows Check says would be refused, an import of which no row would go in
refused before anything is sent, the "Import key" property announced, a job "Done" only when every
row went in, undo confirmed first and counted in pages, and estimates from the recent pace."""

import io
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from integration import jobs
from integration.imports.csvfile import CsvReader, convert_row, infer_columns
from integration.jobs.base import save
from integration.models import Job
from integration.notion.columns import Column
from integration.notion.databases import create_database
from tests.factories import JobFactory, StaffFactory
from tests.test_import_csv import pages_of, row_of
from tests.test_import_views import send, uploaded

PRICES = "Item;Price\nTea;258.83\nCoffee;12.5\nCake;3.75\n"  # a semicolon file, prices with a point
AGES = "Name,Age,Joined\n" + "".join(f"P{n},{20 + n},2025-01-{n:02}\n" for n in range(1, 13))
AGES += "P13,forty,2025-13-45\nP14,41,2025-02-01\n"  # line 14: a word and an impossible date


def guessed(text: str) -> dict:
    reader = CsvReader(io.BytesIO(text.encode()))
    return {guess.name: guess for guess in infer_columns(reader.header, reader, decimal=reader.decimal)}


def creations(fake_notion) -> list:
    return fake_notion.sent("POST", "/v1/(databases|pages)$") + fake_notion.sent("PATCH", "/v1/data_sources/")


@pytest.fixture
def command(fake_notion, settings, tmp_path):
    """`manage.py import_csv` on a file of `text`: its output and its error output."""
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")

    def run(text: str, *args: str) -> tuple[str, str]:
        path = tmp_path / "prices.csv"
        path.write_text(text)
        out, err = StringIO(), StringIO()
        call_command("import_csv", str(path), *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run


@pytest.fixture
def imports_dir(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


# The decimal separator, per column


@pytest.mark.no_db
def test_prices_with_a_point_in_a_semicolon_file_are_numbers_with_a_decimal_point():
    price = guessed(PRICES)["Price"]

    assert (price.type, price.decimal) == ("number", ".")


@pytest.mark.no_db
def test_values_that_read_both_ways_take_the_files_default_separator():
    assert guessed("Item;Qty\nA;1.234\nB;412\n")["Qty"].decimal == ","
    assert guessed('Item,Qty\nA,"1,234"\nB,412\n')["Qty"].decimal == "."
    assert guessed("Item;Qty\nA;1.234\nB;2.5\n")["Qty"].decimal == "."  # 2.5 reads only with a point


@pytest.mark.no_db
def test_each_number_column_is_converted_with_its_own_separator():
    reader = CsvReader(io.BytesIO(b"Item;Price;Weight\nTea;258.83;1,5\n"))
    schema = {"Item": {"type": "title"}, "Price": {"type": "number"}, "Weight": {"type": "number"}}

    [row] = list(reader)
    values = convert_row(reader.header, row, schema, decimal=",", decimals={"Price": "."})

    assert isinstance(values, dict)
    assert (values["Price"], values["Weight"]) == ({"number": 258.83}, {"number": 1.5})


@pytest.mark.no_db
def test_a_number_read_with_the_wrong_separator_says_which_it_has():
    reader = CsvReader(io.BytesIO(PRICES.encode()))
    [row, *_] = list(reader)

    [bad] = convert_row(reader.header, row, {"Price": {"type": "number"}}, decimals={"Price": ","})

    assert bad.message.startswith("“258.83” is a number with “.” before its decimals")


# Why a type


@pytest.mark.no_db
def test_the_first_value_that_kept_a_column_from_its_likelier_type_is_named_with_its_line():
    columns = guessed(AGES)

    assert (columns["Age"].type, columns["Age"].reason) == ("rich_text", "line 14 has “forty”, not a number")
    assert columns["Joined"].type == "rich_text"
    assert columns["Joined"].reason == "line 14 has “2025-13-45”, not a date such as 2026-12-01"


@pytest.mark.no_db
def test_a_column_that_fits_its_type_or_no_likelier_one_gives_no_reason():
    columns = guessed("Name,Age,Notes\nAda,36,tall\nBob,41,12\nCy,7,short\n")

    assert (columns["Age"].reason, columns["Notes"].reason) == ("", "")


def test_the_preview_says_why_a_column_is_text(browser, imports_dir):
    html = browser.get(uploaded(browser, AGES, "people.csv")).content.decode()

    assert "Text: line 14 has “forty”, not a number." in html


def test_the_preview_shows_each_number_columns_decimal_separator(browser, imports_dir):
    html = browser.get(uploaded(browser, PRICES, "prices.csv")).content.decode()

    assert '<small class="decimal">decimal point “.”</small>' in html


# Check: the rows that would be refused


def test_check_counts_the_rows_a_type_chosen_anyway_would_refuse_and_marks_their_cells(
    browser, fake_notion, imports_dir
):
    url = uploaded(browser, AGES, "people.csv")

    response = send(browser, url, action="check", type_1="number")

    html = response.content.decode()
    assert "1 of 14 rows would be refused" in html
    assert "<td>14</td><td>Age</td><td>“forty” is not a number, such as 1234.5 or 1,234.5.</td>" in html
    assert fake_notion.sent() == [] and not Job.objects.exists()


def test_a_cell_of_the_first_rows_that_would_be_refused_is_marked(browser, fake_notion, imports_dir):
    url = uploaded(browser, "Name,Age\nAda,36\nBob,old\n")

    html = send(browser, url, action="check", type_1="number").content.decode()

    assert '<td class="refused" title="“old” is not a number, such as 1234.5 or 1,234.5.">old' in html
    assert "<td>36</td>" in html


def test_a_decimal_comma_forced_on_point_prices_is_refused_before_anything_is_sent(
    browser, fake_notion, imports_dir
):
    url = uploaded(browser, PRICES, "prices.csv")

    checked = send(browser, url, action="check", decimal=",").content.decode()
    started = send(browser, url, action="start", decimal=",")

    assert "None of the 3 rows can be imported" in checked
    assert started.status_code == 400
    assert "None of the 3 rows of prices.csv can be imported (lines 2, 3, 4): nothing was sent." in (
        started.content.decode()
    )
    assert creations(fake_notion) == []
    assert not Job.objects.exists()


def test_the_command_refuses_a_file_none_of_whose_rows_would_go_in_naming_the_count_and_lines(
    command, fake_notion
):
    with pytest.raises(
        CommandError, match=r"None of the 3 rows of prices.csv can be imported \(lines 2, 3, 4\)"
    ):
        command(PRICES, "--decimal", ",")

    assert creations(fake_notion) == []
    assert not Job.objects.exists()


def test_the_command_reads_point_prices_of_a_semicolon_file_as_numbers(command, fake_notion):
    command(PRICES, "--json")

    job = Job.objects.get()
    assert (job.state, job.done, job.input["decimals"]["Price"]) == ("done", 3, ".")
    prices = [row_of(page)["Price"] for page in pages_of(fake_notion, job.input["data_source_id"])]
    assert prices == [258.83, 12.5, 3.75]


def test_a_file_longer_than_the_setting_is_checked_in_its_first_rows_and_may_start(
    browser, fake_notion, imports_dir, settings
):
    settings.IMPORT_CHECK_ROWS = 2
    url = uploaded(browser, "Name,Age\nAda,x\nBob,y\nCy,3\n")

    checked = send(browser, url, action="check", type_1="number").content.decode()
    started = send(browser, url, action="start", type_1="number")

    assert "2 of 2 rows would be refused (the first 2 of 3 rows were checked)" in checked
    assert started.status_code == 302
    assert (Job.objects.get().done, Job.objects.get().skipped) == (1, 2)


# The "Import key" property, announced


@pytest.fixture
def shelf(fake_notion):
    database = create_database(title="Shelf", title_property="Title", columns=[Column("Price", "number")])
    fake_notion.received.clear()
    return database["data_sources"][0]["id"]


def test_check_announces_the_import_key_property_it_will_add_in_its_headline(browser, fake_notion, shelf):
    url = uploaded(browser, "Title,Price\nTea,2.5\n")

    html = send(browser, url, action="check", target="data_source", data_source_id=shelf).content.decode()

    assert "Every column fits, and one property will be added." in html
    assert (
        '<p role="status" class="import-key-notice">Starting adds a text property “Import key” to “Shelf”'
        in html
    )
    assert fake_notion.sent("PATCH") == []


def test_the_command_announces_the_import_key_property_before_adding_it(command, fake_notion, shelf):
    _, err = command("Title,Price\nTea,2.5\n", "--data-source", shelf)

    assert "Starting adds a text property “Import key” to “Shelf”" in err
    assert len(fake_notion.sent("PATCH", f"/v1/data_sources/{shelf}$")) == 1


# A job "Done" only when every row went in


def test_an_import_that_skipped_rows_is_done_with_them_on_its_page_the_list_and_its_status(command, client):
    with pytest.raises(CommandError):
        command("Title,Pages\nDune,412\nEmma\nUlysses\n")
    job = Job.objects.get()
    client.force_login(job.owner)

    page = client.get(f"/jobs/{job.pk}/").content.decode()
    listed = client.get("/jobs/").content.decode()
    status = client.get(f"/jobs/{job.pk}/status/").json()

    assert status["state_label"] == "Done with 2 rows skipped"
    assert '<strong data-job="state_label">Done with 2 rows skipped</strong>' in page
    assert "<td>Done with 2 rows skipped</td>" in listed


def test_an_import_of_every_row_is_plain_done(command, client):
    command(PRICES)
    job = Job.objects.get()
    client.force_login(job.owner)

    assert client.get(f"/jobs/{job.pk}/status/").json()["state_label"] == "Done"


# Undo: confirmed first, counted in pages, "Undone by job N"


@pytest.fixture
def imported(command, client) -> Job:
    command(PRICES, "--title", "Price list")
    job = Job.objects.get()
    client.force_login(job.owner)
    return job


def test_undo_shows_what_it_will_do_and_undoes_nothing_before_it_is_confirmed(imported, client, fake_notion):
    shown = client.get(f"/jobs/{imported.pk}/undo/")
    posted = client.post(f"/jobs/{imported.pk}/undo/")

    for response in (shown, posted):
        html = response.content.decode()
        assert response.status_code == 200
        assert (
            "3 pages it added will be moved to Notion&#x27;s trash, and then the database “Price list”"
            in html
        )
        assert 'name="confirm" value="yes"' in html
    assert not Job.objects.filter(kind=Job.Kind.UNDO).exists()
    assert fake_notion.sent("DELETE") == []


def test_an_undo_counts_the_pages_and_the_database_apart(imported, client):
    response = client.post(f"/jobs/{imported.pk}/undo/", {"confirm": "yes"})

    undo = Job.objects.get(kind=Job.Kind.UNDO)
    assert response.url == f"/jobs/{undo.pk}/"
    status = client.get(response.url + "status/").json()
    assert status["counts_text"] == "3 of 3 pages moved to Notion's trash; the database: moved to the trash"
    assert (undo.total, Job.objects.get(pk=undo.pk).done) == (3, 3)


def test_an_undone_import_reads_undone_by_its_undo_job(imported, client):
    client.post(f"/jobs/{imported.pk}/undo/", {"confirm": "yes"})
    undo = Job.objects.get(kind=Job.Kind.UNDO)

    page = client.get(f"/jobs/{imported.pk}/").content.decode()

    assert f'Undone by <a href="/jobs/{undo.pk}/">job {undo.pk}</a>.' in page
    assert "Being undone" not in page


def test_an_import_whose_undo_runs_reads_being_undone(imported, client):
    Job.objects.filter(pk=imported.pk).update(progress={**imported.progress, "undo_job": 999})

    page = client.get(f"/jobs/{imported.pk}/").content.decode()

    assert 'Being undone by <a href="/jobs/999/">job 999</a>.' in page


# Estimates from the recent pace


@pytest.fixture
def clock(monkeypatch):
    """The time as the app reads it (django.utils.timezone.now), moved on by the test."""

    class Clock:
        now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

        def advance(self, seconds: float) -> None:
            self.now += timedelta(seconds=seconds)

    clock = Clock()
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock.now)
    return clock


def test_the_estimate_comes_from_the_recent_pace_not_the_whole_run(user, clock):
    started = clock.now - timedelta(minutes=10)
    job = JobFactory(owner=user, state="running", total=100, done=50, started_at=started)
    now = clock.now.timestamp()
    job.progress = {"pace": [[now - 20, 30], [now - 10, 40], [now, 50]]}

    assert jobs.seconds_left(job) == 50  # 1 part a second lately; 600 s at the pace since it started


def test_the_time_a_paused_job_waited_is_not_counted_once_it_runs_again(user, clock):
    job = JobFactory(owner=user, state="running", total=100, started_at=clock.now)
    for _ in range(10):  # a part every 2 s
        clock.advance(2)
        job.done += 1
        save(job, "done")
    job.state = "paused"
    save(job, "state", "progress")
    assert jobs.seconds_left(job) is None

    clock.advance(600)  # the pause; then a worker takes the job again
    job.state = "running"
    save(job, "state")
    for _ in range(5):  # a part a second
        clock.advance(1)
        job.done += 1
        save(job, "done")

    job.refresh_from_db()
    assert jobs.seconds_left(job) == 85  # 85 parts left at 1 a second
