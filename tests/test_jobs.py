"""Background jobs, with jobs run at once (the immediate backend): long content, its counts,
failures, cancelling, resuming, and the job page."""

from datetime import timedelta
from uuid import uuid4

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from integration import jobs
from integration.models import FormSubmission, Job, NotionRequestLog, WorkerBeat
from tests.factories import JobFactory, NotionRequestLogFactory, UserFactory
from tests.fake_notion import FakeNotion

FIVE_PARTS = "\n\n".join(["paragraph"] * 450)  # five requests of 100 paragraphs (at most 100 a request)


@pytest.fixture
def send_long(fake_notion, submit, parent_page):
    def send(text: str = FIVE_PARTS):
        return submit("content", page_id=parent_page["id"], content=text, format="plain")

    return send


def test_long_content_is_sent_by_a_job_that_adds_every_part(fake_notion, send_long, parent_page):
    send_long()

    job = Job.objects.get()
    assert (job.state, job.total, job.done, job.skipped, job.failed) == ("done", 5, 5, 0, 0)
    assert job.result["hint"] == "450 blocks added in 5 parts."
    assert len(fake_notion.sandbox.store.children(parent_page["id"])) == 450
    assert len(fake_notion.sent("PATCH", "/children$")) == 5


def test_the_form_answers_with_a_link_to_the_job(fake_notion, send_long, browser):
    send_long()

    submission = FormSubmission.objects.get()
    job = Job.objects.get()
    assert submission.result["headline"] == "Sending in the background: see the job"
    assert submission.result["link"]["href"] == f"/jobs/{job.pk}/"
    assert f'href="/jobs/{job.pk}/"' in browser.get("/").content.decode()


def test_every_request_of_a_job_is_in_the_history_under_its_correlation_id(fake_notion, send_long):
    send_long()

    job = Job.objects.get()
    rows = NotionRequestLog.objects.filter(correlation_id=job.correlation_id)
    assert rows.count() == 5
    assert set(rows.values_list("source", flat=True)) == {"job"}


def test_content_of_a_few_requests_is_still_sent_in_the_web_request(fake_notion, send_long):
    send_long("\n\n".join(["paragraph"] * 250))

    assert not Job.objects.exists()
    assert FormSubmission.objects.get().result["headline"].startswith("250 blocks added")


def test_a_part_that_may_have_been_added_fails_the_job_and_is_not_sent_again(fake_notion, send_long):
    fake_notion.fail("PATCH", "/children$", error=httpx.ReadTimeout, after=2)

    send_long()

    job = Job.objects.get()
    assert (job.state, job.done, job.failed, job.skipped) == ("failed", 2, 1, 2)
    assert "Parts 1 to 2 of 5 were added; part 3 may have been added" in job.result["hint"]
    assert len(fake_notion.sent("PATCH", "/children$")) == 3


def test_content_pauses_while_notion_is_overloaded_and_goes_on_from_the_part_it_stopped_at(
    fake_notion, send_long, parent_page
):
    fake_notion.fail_like_notion(
        "PATCH", "/children$", 529, "service_overload", "Overloaded.", after=2, times=3
    )
    send_long()
    job = Job.objects.get()
    assert (job.state, job.done) == ("paused", 2)
    assert job.step.startswith("Paused after 2 of 5 parts: Notion is overloaded")

    assert jobs.resume_job(job)

    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 5)
    assert len(fake_notion.sandbox.store.children(parent_page["id"])) == 450  # each part once


class CancelledAfterTwoParts(FakeNotion):
    """Notion, while the job's owner presses Cancel once two parts have gone."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if len(self.sent("PATCH", "/children$")) == 2:
            jobs.cancel_job(Job.objects.get())
        return response


def test_a_running_job_cancelled_stops_before_its_next_request(fake_notion, send_long, settings, parent_page):
    settings.NOTION_TRANSPORT = CancelledAfterTwoParts(fake_notion.sandbox)

    send_long()

    job = Job.objects.get()
    assert (job.state, job.done, job.skipped) == ("cancelled", 2, 3)
    assert job.result["hint"] == "Cancelled: 2 of 5 parts were added; the rest were not sent."
    assert len(fake_notion.sandbox.store.children(parent_page["id"])) == 200


def test_a_queued_job_cancelled_never_starts(browser, user):
    job = JobFactory(owner=user)
    browser.get("/")

    response = browser.post(
        f"/jobs/{job.pk}/cancel/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    )

    job.refresh_from_db()
    assert response.status_code == 302
    assert (job.state, job.skipped) == ("cancelled", 5)


def test_cancelling_needs_the_csrf_token(browser, user):
    job = JobFactory(owner=user)

    assert browser.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    assert Job.objects.get().state == "queued"


def test_another_users_job_cannot_be_cancelled(browser):
    job = JobFactory(owner=UserFactory())
    browser.get("/")

    response = browser.post(
        f"/jobs/{job.pk}/cancel/", {"csrfmiddlewaretoken": browser.cookies["csrftoken"].value}
    )

    assert response.status_code == 404
    assert Job.objects.get().state == "queued"


def resumable_job(parent_page: dict, **progress) -> Job:
    return JobFactory(
        state="running",
        worker_id="dead-worker",
        done=2,
        started_at=timezone.now() - timedelta(seconds=10),
        progress=progress,
        input={"page_id": parent_page["id"], "content": FIVE_PARTS, "format": "plain"},
    )


def test_a_job_whose_worker_died_between_parts_goes_on_from_the_first_part_not_added(
    fake_notion, parent_page
):
    started_at = timezone.now() - timedelta(seconds=5)
    job = resumable_job(parent_page, started=3, started_at=started_at.isoformat())

    assert jobs.requeue_orphans() == [job.pk]

    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 5)
    assert len(fake_notion.sent("PATCH", "/children$")) == 3  # parts 3 to 5


def test_a_job_whose_worker_died_sending_a_part_reports_it_instead_of_sending_it_again(
    fake_notion, parent_page
):
    started_at = timezone.now() - timedelta(seconds=5)
    job = resumable_job(parent_page, started=3, started_at=started_at.isoformat())
    NotionRequestLogFactory(correlation_id=job.correlation_id, created_at=started_at + timedelta(seconds=1))

    jobs.requeue_orphans()

    job.refresh_from_db()
    assert (job.state, job.done, job.failed, job.skipped) == ("failed", 2, 1, 2)
    assert "part 3 may have been added: look at the page" in job.result["hint"]
    assert not fake_notion.sent("PATCH")


def test_the_jobs_of_a_worker_heard_from_lately_stay_with_it(fake_notion, parent_page):
    job = resumable_job(parent_page, started=3, started_at=timezone.now().isoformat())
    jobs.record_beat("dead-worker")

    assert jobs.requeue_orphans() == []
    assert Job.objects.get(pk=job.pk).state == "running"


@pytest.fixture
def running_job(user) -> Job:
    return JobFactory(owner=user, state="running", done=2, started_at=timezone.now() - timedelta(seconds=20))


def test_the_job_page_shows_its_progress_to_its_owner(browser, running_job):
    page = browser.get(f"/jobs/{running_job.pk}/").content.decode()

    assert '<progress max="5" value="2">' in page
    assert "2 of 5 parts added" in page
    assert "About 30 s left" in page


def test_the_job_page_refreshes_itself_without_javascript_while_the_job_runs(browser, running_job):
    page = browser.get(f"/jobs/{running_job.pk}/").content.decode()

    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in page


def test_a_finished_job_page_shows_its_summary_and_does_not_refresh(browser, user):
    job = JobFactory(owner=user, state="done", done=5, result={"hint": "500 blocks added in 5 parts."})

    page = browser.get(f"/jobs/{job.pk}/").content.decode()

    assert "500 blocks added in 5 parts." in page
    assert "http-equiv" not in page


def test_the_progress_endpoint_gives_counts_and_the_estimate(browser, running_job):
    status = browser.get(f"/jobs/{running_job.pk}/status/").json()

    assert (status["state"], status["done"], status["total"], status["seconds_left"]) == ("running", 2, 5, 30)


def test_another_user_cannot_see_a_job_or_its_progress(running_job):
    other = Client()
    other.force_login(UserFactory())

    assert other.get(f"/jobs/{running_job.pk}/").status_code == 404
    assert other.get(f"/jobs/{running_job.pk}/status/").status_code == 404


def test_staff_see_every_users_job(staff_browser, running_job):
    assert staff_browser.get(f"/jobs/{running_job.pk}/").status_code == 200
    assert staff_browser.get(f"/jobs/{running_job.pk}/status/").json()["done"] == 2


def test_the_job_page_says_when_no_worker_has_been_seen_lately(browser, running_job, settings):
    WorkerBeat.objects.create(worker_id="old", seen_at=timezone.now() - timedelta(minutes=5))

    page = browser.get(f"/jobs/{running_job.pk}/").content.decode()

    assert "No worker has been seen lately" in page
    assert "data-job-no-worker hidden" not in page
    assert browser.get(f"/jobs/{running_job.pk}/status/").json()["worker_seen"] is False


def test_the_job_page_keeps_the_notice_hidden_while_a_worker_beats(browser, running_job):
    jobs.record_beat("alive")

    page = browser.get(f"/jobs/{running_job.pk}/").content.decode()

    assert "data-job-no-worker hidden" in page


def test_staff_see_jobs_in_the_admin_read_only(staff_browser, running_job):
    listing = staff_browser.get("/admin/integration/job/")
    detail = staff_browser.get(f"/admin/integration/job/{running_job.pk}/change/")

    assert listing.status_code == 200
    assert "2 / 0 / 0 of 5" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()


def test_markdown_nested_deeper_than_notion_takes_is_built_by_a_job_on_the_new_blocks_ids(
    fake_notion, submit, parent_page
):
    nested = "- a\n  - b\n    - c\n      - d\n        - e\n          - f\n            - g"

    submit("content", page_id=parent_page["id"], content=nested, format="markdown")

    job = Job.objects.get()
    assert (job.state, job.done, job.total) == ("done", job.total, job.total)
    store = fake_notion.sandbox.store
    parent, depth = parent_page["id"], 0
    while children := store.children(parent):
        [parent] = children
        depth += 1
    assert depth == 7


def test_the_job_page_asks_a_visitor_to_log_in(running_job):
    response = Client().get(f"/jobs/{running_job.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_content_job_whose_markdown_is_nested_too_deep_fails_at_once_instead_of_pausing(
    fake_notion, parent_page, user
):
    # Content queued before the form refused such Markdown: no later try can send it.
    deep = "\n".join("  " * level + "- item" for level in range(40))

    job = jobs.start_content_job(
        user=user,
        page_id=parent_page["id"],
        text=deep,
        text_format="markdown",
        parts=1,
        correlation_id=uuid4(),
    )

    job.refresh_from_db()
    assert job.state == "failed"
    assert "nested" in job.result["hint"]
    assert fake_notion.received == []


def test_a_paused_job_cancelled_says_how_many_parts_were_added(fake_notion, send_long, parent_page):
    fake_notion.fail_like_notion(
        "PATCH", "/children$", 529, "service_overload", "Overloaded.", after=2, times=3
    )
    send_long()
    job = Job.objects.get()
    assert (job.state, job.done) == ("paused", 2)

    jobs.cancel_job(job)

    job.refresh_from_db()
    assert job.state == "cancelled"
    assert job.result["hint"] == "Cancelled: 2 of 5 parts were added; the rest were not sent."
