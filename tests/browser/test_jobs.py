"""A job's page in a real browser: its progress is put in place as the job goes, under the CSP."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from integration import jobs
from integration.models import Job
from tests.factories import JobFactory


def test_the_job_page_follows_the_job_in_place_and_shows_its_summary_at_the_end(js_page, person):
    refused = []
    js_page.on(
        "console", lambda message: refused.append(message.text) if "Content Security" in message.text else 0
    )
    job = JobFactory(owner=person, state="running", done=1, started_at=timezone.now() - timedelta(seconds=10))
    jobs.record_beat("alive")
    js_page.goto(f"/jobs/{job.pk}/")
    expect(js_page.locator("[data-job=counts_text]")).to_have_text("1 of 5 parts added")

    Job.objects.filter(pk=job.pk).update(done=3, step="Sending part 4 of 5")

    expect(js_page.locator("progress")).to_have_attribute("value", "3")
    expect(js_page.get_by_text("Sending part 4 of 5")).to_be_visible()
    Job.objects.filter(pk=job.pk).update(
        done=5, state="done", result={"hint": "500 blocks added in 5 parts."}
    )
    expect(js_page.get_by_text("500 blocks added in 5 parts.")).to_be_visible()
    expect(js_page.get_by_role("button", name="Cancel the job")).to_have_count(0)
    assert refused == []
