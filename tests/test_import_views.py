"""The CSV import in the browser: upload, preview, a new database or an existing data source,
start (the job run at once here: the immediate backend)."""

import re
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client

from integration.models import Job, NotionRequestLog, Upload
from integration.notion.columns import Column
from integration.notion.databases import create_database
from tests.factories import UserFactory
from tests.test_import_csv import pages_of, row_of

BOOKS = (
    "Title,Pages,Read on,Shelf\n"
    "Dune,412,2026-01-05,SF\nEmma,474,2026-02-11,Classic\nUlysses,730,2026-03-20,Classic\n"
)


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    return settings.IMPORTS_DIR


def csrf(client: Client, path: str = "/imports/") -> str:
    client.get(path)
    return client.cookies["csrftoken"].value


def upload(client: Client, content: str | bytes, name: str = "books.csv"):
    data = content if isinstance(content, bytes) else content.encode()
    return client.post(
        "/imports/",
        {"file": SimpleUploadedFile(name, data, "text/csv"), "csrfmiddlewaretoken": csrf(client)},
    )


def uploaded(client: Client, content: str | bytes = BOOKS, name: str = "books.csv") -> str:
    """The preview's address for `content`, uploaded."""
    response = upload(client, content, name)
    assert response.status_code == 302, response.content.decode()
    assert re.fullmatch(r"/imports/[\w-]+/", response.url)
    return response.url


def send(client: Client, url: str, action: str = "start", **fields: str):
    """The preview form as the page fills it (guessed types, the first column the title), and `fields`."""
    page = client.get(url)
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(fields, action=action, csrfmiddlewaretoken=client.cookies["csrftoken"].value)
    return client.post(url, data)


def test_a_file_uploaded_leads_to_its_preview(browser):
    url = uploaded(browser)

    page = browser.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "3 rows after the header" in html
    form = page.context["form"]
    assert [form[f"type_{i}"].value() for i in range(4)] == ["rich_text", "number", "date", "select"]


def test_the_preview_shows_the_inferred_types_and_the_first_five_rows(browser):
    rows = "".join(f"Book {n},{n}\n" for n in range(1, 9))
    url = uploaded(browser, f"Title,Pages\n{rows}")

    html = browser.get(url).content.decode()

    assert '<option value="number" selected>Number</option>' in html
    assert "<td>Book 5</td>" in html and "<td>Book 6</td>" not in html
    assert "8 rows after the header" in html


def test_a_new_database_is_named_after_the_file_under_the_default_parent(browser, fake_notion, parent_page):
    form = browser.get(uploaded(browser, name="reading list.csv")).context["form"]

    assert form["title"].value() == "reading list"
    assert form["parent_page_id"].value() == parent_page["id"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Title,Pages\nD\xfcne,412\n", "Line 2, byte 14 of the file is not UTF-8"),
        (b"", "The file is empty: it needs a header row naming its columns."),
        (b"Title,Pages\n", "the file has a header but no rows to import."),
    ],
)
def test_a_bad_file_is_refused_with_the_readers_message_and_not_kept(browser, imports_dir, content, message):
    response = upload(browser, content)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not imports_dir.exists() or not any(imports_dir.iterdir())


def test_a_file_over_the_size_limit_is_refused(browser, settings, imports_dir):
    settings.IMPORT_MAX_BYTES = 50

    response = upload(browser, BOOKS)

    assert response.status_code == 400
    assert "more than the limit of 50: split it, or import a smaller one." in response.content.decode()
    assert not imports_dir.exists()


def test_a_file_with_more_columns_than_the_setting_allows_is_refused_naming_both(
    browser, settings, imports_dir
):
    settings.IMPORT_MAX_COLUMNS = 3

    response = upload(browser, BOOKS)

    assert response.status_code == 400
    assert "The header (line 1) names 4 columns; at most 3 can be imported" in response.content.decode()
    assert not any(imports_dir.iterdir())
    assert not Upload.objects.exists()


def test_a_file_with_more_rows_than_the_setting_allows_is_refused_with_the_figure(
    browser, settings, imports_dir
):
    settings.IMPORT_MAX_ROWS = 2

    response = upload(browser, BOOKS)

    assert response.status_code == 400
    assert "books.csv: the file has more than 2 rows, the most one import takes" in response.content.decode()
    assert not any(imports_dir.iterdir())
    assert not Upload.objects.exists()


def test_the_row_limit_stops_the_reading_at_the_first_row_past_it(browser, settings):
    settings.IMPORT_MAX_ROWS = 2
    many = (BOOKS + "Dune,412,2026-01-05,SF\n" * 5000).encode()  # past the reader's first chunk
    broken_at_the_end = many + b"\xff,1,2026-01-01,SF\n"  # read to the end, the file is not UTF-8

    response = upload(browser, broken_at_the_end)

    assert response.status_code == 400
    assert "the file has more than 2 rows" in response.content.decode()


def test_the_preview_shows_what_the_upload_found_without_reading_the_file_again(browser, imports_dir):
    url = uploaded(browser)
    kept = Path(Upload.objects.get().path)
    kept.write_text("Other,Header\nx,1\n")  # were it read again, the preview would show this

    page = browser.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert "3 rows after the header" in html and "<td>Ulysses</td>" in html
    assert "Other" not in html
    form = page.context["form"]
    assert [form[f"type_{i}"].value() for i in range(4)] == ["rich_text", "number", "date", "select"]


def test_an_upload_kept_without_its_summary_is_read_once_and_its_summary_kept(browser, user, imports_dir):
    path = imports_dir / "older.csv"
    imports_dir.mkdir()
    path.write_text(BOOKS)
    Upload.objects.create(token="older", owner=user, path=str(path), name="books.csv")

    assert "3 rows after the header" in browser.get("/imports/older/").content.decode()

    summary = Upload.objects.get().summary
    assert summary["total"] == 3
    assert [column["name"] for column in summary["columns"]] == ["Title", "Pages", "Read on", "Shelf"]


def test_no_file_at_all_is_refused(browser):
    response = browser.post("/imports/", {"csrfmiddlewaretoken": csrf(browser)})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def test_start_import_makes_the_database_and_its_pages_and_leads_to_the_job(browser, fake_notion):
    response = send(browser, uploaded(browser), title="Books")

    job = Job.objects.get()
    assert response.status_code == 302 and response.url == f"/jobs/{job.pk}/"
    assert (job.state, job.done, job.owner.username) == ("done", 3, browser.get("/").context["user"].username)
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["title"][0]["text"]["content"] == "Books"
    assert body["initial_data_source"]["properties"] == {
        "Title": {"title": {}},
        "Pages": {"number": {"format": "number"}},
        "Read on": {"date": {}},
        "Shelf": {"select": {"options": [{"name": "SF"}, {"name": "Classic"}]}},
        "Import key": {"rich_text": {}},
    }
    rows = [row_of(page) for page in pages_of(fake_notion, job.input["data_source_id"])]
    assert [(r["Title"], r["Pages"], r["Shelf"]["name"]) for r in rows] == [
        ("Dune", 412, "SF"),
        ("Emma", 474, "Classic"),
        ("Ulysses", 730, "Classic"),
    ]


def test_a_type_changed_and_a_column_skipped_are_honoured(browser, fake_notion):
    send(browser, uploaded(browser), type_1="rich_text", type_3="skip")

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body["initial_data_source"]["properties"] == {
        "Title": {"title": {}},
        "Pages": {"rich_text": {}},
        "Read on": {"date": {}},
        "Import key": {"rich_text": {}},
    }
    rows = [row_of(page) for page in pages_of(fake_notion, Job.objects.get().input["data_source_id"])]
    assert rows[0]["Pages"] == "412"
    assert "Shelf" not in rows[0]


def test_the_title_column_chosen_names_the_pages(browser, fake_notion):
    send(browser, uploaded(browser), title_column="3", type_0="rich_text")

    [body] = fake_notion.bodies("POST", "/v1/databases$")
    properties = body["initial_data_source"]["properties"]
    assert properties["Shelf"] == {"title": {}}
    assert properties["Title"] == {"rich_text": {}}
    rows = [row_of(page) for page in pages_of(fake_notion, Job.objects.get().input["data_source_id"])]
    assert [(r["Shelf"], r["Title"]) for r in rows] == [
        ("SF", "Dune"),
        ("Classic", "Emma"),
        ("Classic", "Ulysses"),
    ]


def test_the_title_column_cannot_be_skipped(browser, fake_notion):
    response = send(browser, uploaded(browser), type_0="skip")

    assert response.status_code == 400
    assert "The title column “Title” can&#x27;t be skipped" in response.content.decode()
    assert fake_notion.received == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": " "}, "Name the new database."),
        ({"parent_page_id": "nonsense"}, "Enter a Notion ID"),
        ({"target": "data_source", "data_source_id": ""}, "Enter the data source to import into."),
        ({"type_1": "formula"}, "Select a valid choice."),
        ({"title_column": "9"}, "Select a valid choice."),
    ],
)
def test_bad_input_is_shown_again_with_its_error_and_sends_nothing(browser, fake_notion, fields, message):
    url = uploaded(browser)

    response = send(browser, url, **fields)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert fake_notion.received == []
    assert not Job.objects.exists()


def test_a_second_start_of_the_same_upload_leads_to_the_first_job(browser, fake_notion):
    url = uploaded(browser)
    page = browser.get(url)
    form = page.context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(action="start", csrfmiddlewaretoken=browser.cookies["csrftoken"].value)

    first = browser.post(url, data)
    second = browser.post(url, data)

    job = Job.objects.get()
    assert first.url == second.url == f"/jobs/{job.pk}/"
    assert len(fake_notion.sent("POST", "/v1/databases$")) == 1


def test_an_upload_being_started_by_another_request_is_not_started_twice(browser, fake_notion, imports_dir):
    url = uploaded(browser)
    form = browser.get(url).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(action="start", csrfmiddlewaretoken=browser.cookies["csrftoken"].value)
    [kept] = imports_dir.iterdir()
    kept.rename(kept.with_name(f"{kept.stem}-started.csv"))  # as a concurrent request does first

    response = browser.post(url, data)

    assert response.status_code == 409
    assert "This import is starting already, from another request" in response.content.decode()
    assert fake_notion.received == []


def test_another_user_cannot_use_my_upload(browser, fake_notion):
    url = uploaded(browser)
    other = Client()
    other.force_login(UserFactory())

    assert other.get(url).status_code == 404
    assert other.post(url, {"action": "start"}).status_code == 404
    assert not Job.objects.exists()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_uploads_sent_at_once_in_one_session_each_keep_their_preview(imports_dir):
    first = Client()
    first.force_login(UserFactory())
    tabs = [Client() for _ in range(6)]
    for tab in tabs:  # one browser: one session, six tabs
        tab.cookies[settings.SESSION_COOKIE_NAME] = first.cookies[settings.SESSION_COOKIE_NAME].value
    together = threading.Barrier(len(tabs))
    answers: dict[int, str] = {}

    def send(number: int, tab: Client) -> None:
        try:
            together.wait(timeout=30)
            file = SimpleUploadedFile(f"books-{number}.csv", f"Title\nBook {number}\n".encode(), "text/csv")
            answers[number] = tab.post("/imports/", {"file": file}).url
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(n, tab)) for n, tab in enumerate(tabs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == list(range(6))
    for number, url in answers.items():
        preview = first.get(url)
        assert preview.status_code == 200
        assert f"books-{number}.csv" in preview.content.decode()
    assert len(list(imports_dir.iterdir())) == 6


def test_an_upload_is_recorded_as_its_uploaders_with_its_file(browser, user, imports_dir):
    url = uploaded(browser, name="reading list.csv")

    upload = Upload.objects.get()
    assert (upload.owner, upload.name, upload.job) == (user, "reading list.csv", None)
    assert url == f"/imports/{upload.token}/"
    assert [str(path) for path in imports_dir.iterdir()] == [upload.path]


def test_an_anonymous_visitor_is_sent_to_log_in(db):
    response = Client().get("/imports/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_navigation_links_to_the_import(browser):
    assert '<a href="/imports/">Import CSV</a>' in browser.get("/").content.decode()


# Into an existing data source


@pytest.fixture
def shelf(fake_notion):
    """A data source with a title "Name", a number "Pages", a date "Read on" and a formula."""
    database = create_database(
        title="Shelf",
        title_property="Title",
        columns=[Column("Pages", "number"), Column("Read on", "date"), Column("Shelf", "select")],
    )
    fake_notion.received.clear()
    return database["data_sources"][0]["id"]


def test_into_an_existing_data_source_the_columns_go_into_their_properties(browser, fake_notion, shelf):
    response = send(browser, uploaded(browser), target="data_source", data_source_id=shelf)

    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    assert (job.state, job.done, job.input["data_source_id"]) == ("done", 3, shelf)
    assert fake_notion.bodies("POST", "/v1/databases$") == []
    rows = [row_of(page) for page in pages_of(fake_notion, shelf)]
    assert [(r["Title"], r["Pages"], r["Read on"]["start"], r["Shelf"]["name"]) for r in rows] == [
        ("Dune", 412, "2026-01-05", "SF"),
        ("Emma", 474, "2026-02-11", "Classic"),
        ("Ulysses", 730, "2026-03-20", "Classic"),
    ]


def test_the_import_key_property_is_added_to_the_data_source_before_the_job(browser, fake_notion, shelf):
    send(browser, uploaded(browser), target="data_source", data_source_id=shelf)

    [update] = fake_notion.bodies("PATCH", f"/v1/data_sources/{shelf}$")
    assert update == {"properties": {"Import key": {"rich_text": {}}}}
    operations = [(r.method, r.url.path) for r in fake_notion.sent()]
    assert operations.index(("PATCH", f"/v1/data_sources/{shelf}")) < operations.index(("POST", "/v1/pages"))
    source = fake_notion.sandbox.store.get(shelf)
    assert source["properties"]["Import key"]["type"] == "rich_text"
    assert NotionRequestLog.objects.filter(operation="data_sources.update", status=200).count() == 1
    assert all(row_of(page)["Import key"] for page in pages_of(fake_notion, shelf))


def test_a_data_source_that_has_the_import_key_already_is_not_changed(browser, fake_notion, shelf):
    from integration.notion.databases import add_properties

    add_properties(data_source_id=shelf, columns=[Column("Import key", "rich_text")])
    fake_notion.received.clear()

    send(browser, uploaded(browser), target="data_source", data_source_id=shelf)

    assert fake_notion.sent("PATCH") == []
    assert Job.objects.get().done == 3


def test_check_lists_where_each_column_goes(browser, fake_notion, shelf):
    response = send(browser, uploaded(browser), action="check", target="data_source", data_source_id=shelf)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Every column fits, and one property will be added." in html
    assert "Every row fits its column: Start import to go on." in html
    assert "<tr><td>Pages</td><td>Pages</td><td>number</td></tr>" in html
    assert "Starting adds a text property “Import key”" in html
    assert [r.method for r in fake_notion.sent()] == ["GET"]
    assert not Job.objects.exists()


MISFIT = "Title,pages,Read on,Shelf,Notes\nDune,many,2026-01-05,SF,x\nEmma,474,2026-02-11,Classic,y\n"


def test_mismatches_are_shown_and_nothing_is_sent(browser, fake_notion, shelf):
    url = uploaded(browser, MISFIT)

    for action in ("check", "start"):
        response = send(browser, url, action=action, target="data_source", data_source_id=shelf)

        html = response.content.decode()
        assert "2 columns do not fit this data source: nothing was sent." in html
        assert "“pages”: the data source has no property of that name (it has “Pages”: names" in html
        assert "“Notes”: the data source has no property of that name; skip it or rename it." in html
    assert {r.method for r in fake_notion.sent()} == {"GET"}
    assert not Job.objects.exists()


def test_a_value_its_property_cannot_take_is_a_mismatch(browser, fake_notion, shelf):
    text = "Title,Pages\nDune,many\nEmma,474\n"

    response = send(browser, uploaded(browser, text), target="data_source", data_source_id=shelf)

    html = response.content.decode()
    assert "“Pages” can&#x27;t go into its number property: “many” is not a number" in html
    assert not Job.objects.exists()


def test_a_column_named_like_the_title_property_must_be_the_title(browser, fake_notion, shelf):
    text = "Name,Title\nx,Dune\n"

    response = send(browser, uploaded(browser, text), target="data_source", data_source_id=shelf)

    assert "“Title” is the data source&#x27;s title property: choose it as the title column" in (
        response.content.decode()
    )
    assert not Job.objects.exists()


def test_skipping_the_mismatched_columns_lets_the_import_start(browser, fake_notion, shelf):
    url = uploaded(browser, MISFIT)

    send(browser, url, target="data_source", data_source_id=shelf, type_1="skip", type_4="skip")

    job = Job.objects.get()
    assert (job.state, job.done) == ("done", 2)
    assert [row_of(p)["Title"] for p in pages_of(fake_notion, shelf)] == ["Dune", "Emma"]


def test_a_data_source_notion_does_not_know_is_an_error_on_its_field(browser, fake_notion):
    response = send(browser, uploaded(browser), target="data_source", data_source_id="1" * 32)

    assert response.status_code == 400
    assert not Job.objects.exists()
    assert fake_notion.sent("POST") == []


def test_the_same_file_again_into_the_same_data_source_resumes_the_stopped_job(browser, fake_notion, shelf):

    fake_notion.fail_like_notion("POST", "/v1/pages$", 529, "service_overload", "Busy.", after=1, times=3)
    send(browser, uploaded(browser), target="data_source", data_source_id=shelf)
    job = Job.objects.get()
    assert job.state == "paused"

    response = send(browser, uploaded(browser), target="data_source", data_source_id=shelf)

    assert response.url == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert (Job.objects.count(), job.state, job.done) == (1, "done", 3)
    assert [row_of(p)["Title"] for p in pages_of(fake_notion, shelf)] == ["Dune", "Emma", "Ulysses"]
    page = browser.get(response.url).content.decode()
    assert f"by job {job.pk}, which had stopped: it goes on from the first row not added" in page


def colleague(*codenames: str) -> Client:
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def stopped(browser, fake_notion, shelf) -> Job:
    """My import of BOOKS into the shelf, paused after its first row."""
    fake_notion.fail_like_notion("POST", "/v1/pages$", 529, "service_overload", "Busy.", after=1, times=3)
    send(browser, uploaded(browser), target="data_source", data_source_id=shelf)
    return Job.objects.get()


def test_staff_without_the_permission_cannot_resume_my_import_with_the_same_file(stopped, fake_notion, shelf):
    other = colleague("view_job")
    sent = len(fake_notion.sent("POST", "/v1/pages$"))

    response = send(other, uploaded(other), target="data_source", data_source_id=shelf)

    assert response.status_code == 400
    assert f"by another user&#x27;s job {stopped.pk}: ask them, or someone allowed to manage" in (
        response.content.decode()
    )
    assert Job.objects.get().state == "paused"
    assert len(fake_notion.sent("POST", "/v1/pages$")) == sent


def test_the_manage_permission_resumes_my_import_with_the_same_file(stopped, fake_notion, shelf):
    other = colleague("manage_others_jobs")

    response = send(other, uploaded(other), target="data_source", data_source_id=shelf)

    assert response.url == f"/jobs/{stopped.pk}/"
    assert (Job.objects.get().state, Job.objects.get().done) == ("done", 3)


def test_the_same_file_again_after_a_finished_import_leads_to_its_job_with_nothing_to_do(
    browser, fake_notion, shelf
):
    send(browser, uploaded(browser), target="data_source", data_source_id=shelf)
    job = Job.objects.get()

    response = send(browser, uploaded(browser), target="data_source", data_source_id=shelf)

    assert response.url == f"/jobs/{job.pk}/"
    page = browser.get(response.url).content.decode()
    assert (
        f"Nothing to do: this file was imported into this data source by job {job.pk} (3 of 3 rows added"
        in page
    )
    assert Job.objects.count() == 1
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 3


def test_in_the_sandbox_the_import_works_end_to_end(browser):
    response = send(browser, uploaded(browser), title="Books")

    job = Job.objects.get()
    assert response.url == f"/jobs/{job.pk}/"
    assert (job.state, job.done) == ("done", 3)
    page = browser.get(response.url).content.decode()
    assert "3 of 3 rows added." in page
    assert "Open in the sandbox" in page
