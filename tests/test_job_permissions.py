"""Another user's job: seen with Django's `view_job` permission, cancelled, resumed or undone only
with `manage_others_jobs` (a superuser has both); being staff alone gives neither."""

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from integration.models import Job
from tests.factories import UserFactory
from tests.test_import_jobs import importing, live_pages  # noqa: F401 (a fixture)


def person(*codenames: str, is_staff: bool = True) -> Client:
    user = UserFactory(is_staff=is_staff)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get("/")
    return client


def post(client: Client, path: str, **data: str):
    return client.post(path, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value, **data})


@pytest.fixture
def paused(importing, fake_notion) -> Job:  # noqa: F811
    """Another user's import, paused while Notion is overloaded after its first row."""
    fake_notion.fail_like_notion("POST", "/v1/pages$", 529, "service_overload", "Busy.", after=1, times=3)
    job = importing()
    assert job.state == "paused"
    return job


def test_staff_without_permissions_cannot_undo_another_users_import(importing, fake_notion):  # noqa: F811
    job = importing()
    sent = len(fake_notion.received)

    response = post(person(), f"/jobs/{job.pk}/undo/", confirm="yes")

    assert response.status_code == 404
    assert not Job.objects.filter(kind=Job.Kind.UNDO).exists()
    assert len(live_pages(fake_notion, job)) == 3
    assert len(fake_notion.received) == sent


@pytest.mark.parametrize("action", ["cancel", "resume"])
def test_staff_without_permissions_cannot_cancel_or_resume_another_users_job(paused, fake_notion, action):
    sent = len(fake_notion.received)

    response = post(person(), f"/jobs/{paused.pk}/{action}/")

    assert response.status_code == 404
    assert Job.objects.get(pk=paused.pk).state == "paused"
    assert len(fake_notion.received) == sent


def test_staff_without_permissions_cannot_see_another_users_job(paused):
    browser = person()

    assert browser.get(f"/jobs/{paused.pk}/").status_code == 404
    assert browser.get(f"/jobs/{paused.pk}/status/").status_code == 404


def test_the_view_permission_shows_another_users_job_without_its_undo(importing):  # noqa: F811
    job = importing()

    page = person("view_job").get(f"/jobs/{job.pk}/")

    assert page.status_code == 200
    assert "Undo the import" not in page.content.decode()


def test_the_view_permission_alone_cannot_undo_cancel_or_resume(importing, paused, fake_notion):  # noqa: F811
    finished = importing("Title\nMiddlemarch\n")
    browser = person("view_job")
    sent = len(fake_notion.received)

    undo = post(browser, f"/jobs/{finished.pk}/undo/", confirm="yes")
    resume = post(browser, f"/jobs/{paused.pk}/resume/")
    cancel = post(browser, f"/jobs/{paused.pk}/cancel/")

    assert (undo.status_code, resume.status_code, cancel.status_code) == (403, 403, 403)
    assert not Job.objects.filter(kind=Job.Kind.UNDO).exists()
    assert Job.objects.get(pk=paused.pk).state == "paused"
    assert len(fake_notion.received) == sent


def test_the_manage_permission_undoes_another_users_import(importing, fake_notion):  # noqa: F811
    job = importing()
    browser = person("view_job", "manage_others_jobs")

    response = post(browser, f"/jobs/{job.pk}/undo/", confirm="yes")

    undo = Job.objects.get(kind=Job.Kind.UNDO)
    assert response.url == f"/jobs/{undo.pk}/"
    assert live_pages(fake_notion, job) == []


def test_the_manage_permission_cancels_another_users_job(paused):
    browser = person("view_job", "manage_others_jobs")

    post(browser, f"/jobs/{paused.pk}/cancel/")

    assert Job.objects.get(pk=paused.pk).state == "cancelled"


def test_the_view_permission_shows_another_users_running_job_without_its_cancel_button(paused):
    mine = Client()
    mine.force_login(paused.owner)
    assert "Cancel the job" in mine.get(f"/jobs/{paused.pk}/").content.decode()

    page = person("view_job").get(f"/jobs/{paused.pk}/")

    assert page.status_code == 200
    assert "Cancel the job" not in page.content.decode()
