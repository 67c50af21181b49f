"""Each kind of job has its class in the queue's table, and is resumed from exactly the states it
declares: by `resume_job`, and on its page."""

import pytest

from integration import jobs
from integration.imports.state import ImportInput
from integration.models import Job
from tests.factories import JobFactory

RESUMED_FROM = {
    Job.Kind.CONTENT: {"paused"},
    Job.Kind.IMPORT: {"failed", "cancelled", "paused"},
    Job.Kind.UNDO: set(),  # a stopped undo is started again from the import's page, as a new job
}

INPUTS = {
    Job.Kind.CONTENT: {"page_id": "", "content": "", "format": "plain"},
    Job.Kind.IMPORT: ImportInput(
        database_id="db",
        data_source_id="ds",
        header=["Name"],
        schema={"Name": {"type": "title", "title": {}}},
        delimiter=",",
        source="ds:digest",
        file="",
    ).as_dict(),
    Job.Kind.UNDO: {"import_job": 1},
}


@pytest.fixture
def queue_only(settings):
    """Jobs are queued for a worker and not run (django-tasks' dummy backend)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def test_every_kind_of_job_has_its_class_in_the_table():
    assert set(jobs.KINDS) == set(Job.Kind.values)
    assert all(isinstance(jobs.KINDS[kind], jobs.JobKind) for kind in Job.Kind.values)


@pytest.mark.parametrize("kind", Job.Kind.values)
def test_each_kind_declares_the_states_it_is_resumed_from(kind):
    assert set(jobs.KINDS[kind].resumable) == RESUMED_FROM[kind]


@pytest.mark.parametrize("state", Job.State.values)
@pytest.mark.parametrize("kind", Job.Kind.values)
def test_a_job_is_resumed_exactly_from_the_states_its_kind_declares_and_its_page_offers_it(
    kind, state, queue_only
):
    job = JobFactory(kind=kind, state=state, input=INPUTS[kind])

    offered = jobs.job_summary(job)["can_resume"]
    resumed = jobs.resume_job(job)

    assert resumed == offered == (state in RESUMED_FROM[kind])
    assert Job.objects.get(pk=job.pk).state == ("queued" if resumed else state)
