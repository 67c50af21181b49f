"""Import jobs past the happy path: a record per row, a pause while Notion is away, cancel, undo,
and the job pages that offer them (the immediate backend runs each job at once)."""

import contextlib
from io import StringIO

import httpx
import pytest
from django.core.management import CommandError, call_command

from integration import jobs
from integration.imports.job import LOST_ANSWERS
from integration.models import Job, JobRow, NotionRequestLog
from tests.factories import StaffFactory, UserFactory

BOOKS = "Title,Pages\nDune,412\nEmma,474\nUlysses,730\n"


@pytest.fixture
def importing(fake_notion, settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")

    def start(text: str = BOOKS) -> Job:
        path = tmp_path / "books.csv"
        path.write_text(text)
        with contextlib.suppress(CommandError):  # the job's state says what happened
            call_command("import_csv", str(path), stdout=StringIO())
        return Job.objects.filter(kind=Job.Kind.IMPORT).latest("pk")

    return start


def live_pages(fake_notion, job: Job) -> list[dict]:
    source_id = job.input["data_source_id"]
    return [
        page
        for page in fake_notion.sandbox.store.newest_first(("page",))
        if page["parent"].get("data_source_id") == source_id and not page["in_trash"]
    ]


def owner_browser(client, job: Job):
    client.force_login(job.owner)
    return client


def test_each_row_has_a_record_of_what_became_of_it(importing):
    job = importing("Title,Pages\nDune,412\nEmma\nDune,412\n")

    rows = list(JobRow.objects.filter(job=job).values_list("line", "outcome", "message"))
    assert rows[0][:2] == (2, "added")
    assert rows[1] == (3, "skipped", "1 field where the header has 2: too few.")
    assert rows[2] == (4, "skipped", "The same as line 2: imported once.")
    assert JobRow.objects.get(line=2).page_id == live_pages_ids(job)[0]


def live_pages_ids(job: Job) -> list[str]:
    return list(JobRow.objects.filter(job=job, outcome="added").values_list("page_id", flat=True))


def test_notion_overloaded_pauses_the_job_and_nothing_is_lost(importing, fake_notion):
    fake_notion.fail_like_notion(
        "POST", "/v1/pages$", 529, "service_overload", "Overloaded.", after=1, times=3
    )

    job = importing()

    assert (job.state, job.done) == ("paused", 1)
    assert job.step.startswith("Paused after 1 of 3 rows: Notion is overloaded")
    assert not JobRow.objects.filter(job=job, outcome="added", line=3).exists()


def test_a_paused_job_goes_on_from_the_row_it_stopped_at(importing, fake_notion):
    fake_notion.fail_like_notion(
        "POST", "/v1/pages$", 529, "service_overload", "Overloaded.", after=1, times=3
    )
    job = importing()

    assert jobs.resume_job(job)

    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 3)
    assert len(live_pages(fake_notion, job)) == 3


def test_a_lost_answer_is_looked_for_at_once_and_the_row_not_sent_again(importing, fake_notion):
    fake_notion.fail("POST", "/v1/pages$", error=httpx.ReadTimeout, after=1)

    job = importing()

    assert (job.state, job.done) == ("done", 3)
    assert len(live_pages(fake_notion, job)) == 3
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 3
    assert len(fake_notion.sent("POST", "/query$")) == 1


def test_answers_lost_again_and_again_pause_the_job_with_the_row_pending(importing, fake_notion):
    fake_notion.fail("POST", "/v1/pages$", status=502, body=b"Bad gateway", after=1, times=99)

    job = importing()

    assert job.step.startswith("Paused after 1 of 3 rows: Line 3 may have been added")
    assert len(fake_notion.sent("POST", "/v1/pages$")) == 1 + LOST_ANSWERS + 1
    assert len(fake_notion.sent("POST", "/query$")) == LOST_ANSWERS
    assert JobRow.objects.get(job=job, line=3).outcome == "pending"
    fake_notion.faults.clear()

    jobs.resume_job(job)

    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 3)
    assert len(live_pages(fake_notion, job)) == 3


def test_after_too_many_pauses_in_a_row_the_job_fails_and_says_how_to_resume(
    importing, fake_notion, settings
):
    fake_notion.fail_like_notion("POST", "/v1/pages$", 529, "service_overload", "Overloaded.", times=99)
    job = importing()
    for _ in range(jobs.PAUSES):
        jobs.resume_job(job)

    job.refresh_from_db()
    assert job.state == "failed"
    assert f"Notion did not answer {jobs.PAUSES} times in a row." in job.result["hint"]
    assert f"import_csv --resume {job.pk}" in job.result["hint"]
    assert len(fake_notion.sent("POST", "/v1/pages$")) == (jobs.PAUSES + 1) * settings.NOTION_MAX_ATTEMPTS


def test_a_paused_job_cancelled_ends_at_once_with_its_counts(importing, fake_notion):
    fake_notion.fail_like_notion(
        "POST", "/v1/pages$", 529, "service_overload", "Overloaded.", after=1, times=3
    )
    job = importing()

    jobs.cancel_job(job)

    job.refresh_from_db()
    assert job.state == "cancelled"
    assert job.result["hint"] == "Cancelled: 1 of 3 rows added, 1 not known, 1 not sent."


def test_undo_moves_every_page_and_the_database_it_made_to_the_trash(importing, fake_notion):
    job = importing()

    undo = jobs.start_undo_job(user=job.owner, job=job)

    undo.refresh_from_db()
    job.refresh_from_db()
    assert (undo.state, undo.done, undo.total) == ("done", 3, 3)
    assert undo.progress["database_trashed"] is True
    assert (
        undo.result["hint"]
        == f"3 pages of import job {job.pk} moved to Notion's trash, and the database it made."
    )
    assert job.state == "undone"
    assert live_pages(fake_notion, job) == []
    assert fake_notion.sandbox.store.get(job.input["database_id"])["in_trash"] is True
    deleted = {request.url.path.rsplit("/", 1)[1] for request in fake_notion.sent("DELETE", "/v1/blocks/")}
    trashed = JobRow.objects.filter(job=job, outcome="trashed").values_list("page_id", flat=True)
    assert deleted == {*trashed, job.input["database_id"]}
    operations = NotionRequestLog.objects.filter(correlation_id=undo.correlation_id).values_list(
        "operation", flat=True
    )
    assert list(operations) == ["blocks.delete"] * 4


def test_an_undo_that_fails_can_be_started_again_and_trashes_no_page_twice(importing, fake_notion):
    job = importing()
    fake_notion.fail_like_notion(
        "DELETE", "/v1/blocks/", 401, "unauthorized", "API token is invalid.", after=1
    )

    first = jobs.start_undo_job(user=job.owner, job=job)
    first.refresh_from_db()
    assert first.state == "failed"
    assert first.result["hint"].startswith(f"1 page of import job {job.pk} moved to Notion's trash.")

    second = jobs.start_undo_job(user=job.owner, job=Job.objects.get(pk=job.pk))

    second.refresh_from_db()
    assert second.state == "done"
    assert Job.objects.get(pk=job.pk).state == "undone"
    deletes = [request.url.path for request in fake_notion.sent("DELETE", "/v1/blocks/")]
    assert len(deletes) == 5 and len(set(deletes)) == 4  # the refused one once more, no other twice
    assert live_pages(fake_notion, job) == []


def test_a_page_already_in_the_trash_counts_as_undone(importing, fake_notion):
    job = importing()
    first_page = JobRow.objects.filter(job=job).first().page_id
    fake_notion.sandbox.store.put({**fake_notion.sandbox.store.get(first_page), "in_trash": True})

    undo = jobs.start_undo_job(user=job.owner, job=job)

    undo.refresh_from_db()
    assert undo.state == "done"
    assert JobRow.objects.filter(job=job, outcome="trashed").count() == 3


@pytest.mark.parametrize("state", ["running", "queued", "undone"])
def test_an_import_that_is_not_finished_or_already_undone_cant_be_undone(importing, state):
    job = importing()
    Job.objects.filter(pk=job.pk).update(state=state)
    job.refresh_from_db()

    with pytest.raises(ValueError, match="can't be undone now"):
        jobs.start_undo_job(user=job.owner, job=job)
    assert not Job.objects.filter(kind=Job.Kind.UNDO).exists()


def test_an_import_being_undone_cant_be_undone_twice(importing, fake_notion):
    job = importing()
    fake_notion.fail_like_notion("DELETE", "/v1/blocks/", 401, "unauthorized", "Bad token.")
    Job.objects.filter(pk=job.pk).update(progress={**job.progress, "undo_job": 999})
    job.refresh_from_db()

    with pytest.raises(ValueError, match="being undone by job 999"):
        jobs.start_undo_job(user=job.owner, job=job)


def test_the_job_page_of_a_finished_import_offers_undo_and_starts_it(importing, client):
    job = importing()
    browser = owner_browser(client, job)

    page = browser.get(f"/jobs/{job.pk}/").content.decode()
    assert "Undo the import" in page
    assert "Moves the 3 pages it added, and the database it made, to Notion's trash" in page

    response = browser.post(f"/jobs/{job.pk}/undo/", {"confirm": "yes"})

    undo = Job.objects.get(kind=Job.Kind.UNDO)
    assert response.status_code == 302 and response.url == f"/jobs/{undo.pk}/"
    assert "moved to Notion&#x27;s trash" in browser.get(response.url).content.decode()
    assert "Undo the import" not in browser.get(f"/jobs/{job.pk}/").content.decode()


def test_the_job_page_lists_the_rows_not_added_with_their_lines(importing, client):
    job = importing("Title,Pages\nDune,412\nEmma\n")

    page = owner_browser(client, job).get(f"/jobs/{job.pk}/").content.decode()

    assert "<td>3</td><td></td><td>1 field where the header has 2: too few.</td>" in page


def test_a_paused_import_can_be_tried_again_from_its_page(importing, fake_notion, client):
    fake_notion.fail_like_notion(
        "POST", "/v1/pages$", 529, "service_overload", "Overloaded.", after=1, times=3
    )
    job = importing()
    browser = owner_browser(client, job)
    assert "Try again now" in browser.get(f"/jobs/{job.pk}/").content.decode()

    response = browser.post(f"/jobs/{job.pk}/resume/")

    job.refresh_from_db()
    assert response.status_code == 302
    assert (job.state, job.done) == ("done", 3)


def test_a_finished_import_cant_be_resumed_and_the_page_says_why(importing, client):
    job = importing()

    response = owner_browser(client, job).post(f"/jobs/{job.pk}/resume/")

    assert response.status_code == 409
    assert "This job is done: it can&#x27;t be resumed." in response.content.decode()


def test_another_user_cant_undo_an_import(importing, client):
    job = importing()
    client.force_login(UserFactory())

    assert client.post(f"/jobs/{job.pk}/undo/").status_code == 404
    assert not Job.objects.filter(kind=Job.Kind.UNDO).exists()


def test_the_job_list_shows_the_users_own_jobs_newest_first(importing, client):
    first, second = importing(), importing("Title\nMiddlemarch\n")
    someone_else = UserFactory()
    Job.objects.create(kind=Job.Kind.IMPORT, owner=someone_else, input={"name": "theirs.csv"})
    client.force_login(first.owner)

    page = client.get("/jobs/").content.decode()

    assert page.index(f'href="/jobs/{second.pk}/"') < page.index(f'href="/jobs/{first.pk}/"')
    assert "theirs.csv" not in page
    assert "Import of books.csv" in page


def test_staff_see_an_imports_rows_in_the_admin_read_only(importing, staff_browser):
    job = importing("Title,Pages\nDune,412\nEmma\n")
    url = staff_browser.get(f"/admin/integration/job/{job.pk}/change/").content.decode()
    assert f"/admin/integration/jobrow/?job__id__exact={job.pk}" in url

    page = staff_browser.get(f"/admin/integration/jobrow/?job__id__exact={job.pk}").content.decode()

    assert "1 field where the header has 2: too few." in page
    assert JobRow.objects.get(job=job, line=2).page_id in page
    first_row = JobRow.objects.first().pk
    assert staff_browser.post(f"/admin/integration/jobrow/{first_row}/delete/").status_code == 403


def test_in_the_sandbox_an_undone_import_shows_in_the_trash(settings, client, tmp_path):
    settings.NOTION_KEY = ""
    settings.IMPORTS_DIR = tmp_path / "imports"
    path = tmp_path / "books.csv"
    path.write_text(BOOKS)
    StaffFactory(username="admin")
    call_command("import_csv", str(path), stdout=StringIO())
    job = Job.objects.get()
    client.force_login(job.owner)
    database = f"/sandbox/{job.input['database_id']}/"
    assert "Ulysses" in client.get(database).content.decode()

    jobs.start_undo_job(user=job.owner, job=job)

    page = client.get(database).content.decode()
    assert "In the trash" in page
    assert "Ulysses" not in page
