"""Jobs of different users take turns: the job a worker's task runs (round-robin by user, each
user's jobs in order, at most JOBS_PER_USER running per user), a long job giving its worker up to
another user's, and two users' imports on one real db_worker.

The tasks are run one by one in the test's process, as a worker runs them; the last test starts a
real worker."""

from datetime import timedelta
from io import StringIO
from uuid import uuid4

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskContext
from django_tasks_db.models import DBTaskResult

from integration.jobs import start_content_job
from integration.jobs.queue import TURN_WAIT, next_job, run_job, turn_over
from integration.models import Job
from tests.factories import JobFactory, UserFactory
from tests.fake_notion import TOKEN
from tests.test_job_worker import database_queue, notion, start_worker, wait_for  # noqa: F401 (fixtures)

# The tasks are kept in the database, as a worker reads them (not run at once, as in other tests).
pytestmark = pytest.mark.usefixtures("database_queue")

State = Job.State
FIVE_PARTS = "\n\n".join(["paragraph"] * 450)  # five requests of at most 100 paragraphs


def job_of(owner: User, *, state: str = State.QUEUED, age: int = 0, last_turn: int | None = None) -> Job:
    """A job of `owner` made `age` minutes ago, which had its last turn `last_turn` minutes ago."""
    now = timezone.now()
    turn_at = None if last_turn is None else now - timedelta(minutes=last_turn)
    return JobFactory(owner=owner, state=state, created_at=now - timedelta(minutes=age), turn_at=turn_at)


def run_next_task(worker_id: str = "worker-1") -> bool:
    """Run the next task due, as a db_worker does; False if none is due."""
    result = DBTaskResult.objects.ready().first()
    if result is None:
        return False
    result.claim(worker_id)
    task_result = result.task_result
    run_job.call(TaskContext(task_result=task_result), *task_result.args)
    result.set_successful(None)
    return True


def test_users_take_turns_by_their_last_turn_each_users_jobs_in_order(settings):
    settings.JOBS_PER_USER = 1
    ann, bob, cat, dan = UserFactory.create_batch(4)
    job_of(ann, state=State.DONE, age=60, last_turn=5)
    ann_first, ann_second = job_of(ann, age=50), job_of(ann, age=40)
    job_of(bob, state=State.DONE, age=60, last_turn=30)
    bob_job = job_of(bob, age=10)
    cat_job = job_of(cat, age=1)  # cat never had a turn: hers comes first
    job_of(dan, state=State.RUNNING, age=60, last_turn=1)
    job_of(dan, age=59)  # dan runs a job already: his next one waits

    picked = []
    while (job := next_job()) is not None:
        picked.append(job)
        Job.objects.filter(pk=job.pk).update(state=State.DONE, turn_at=timezone.now())

    assert picked == [cat_job, bob_job, ann_first, ann_second]


def test_among_users_who_never_had_a_turn_the_oldest_job_goes_first():
    ann, bob = UserFactory.create_batch(2)
    bob_job = job_of(bob, age=2)
    job_of(ann, age=1)

    assert next_job() == bob_job


def test_a_higher_jobs_per_user_lets_a_user_run_several_jobs_at_once(settings):
    settings.JOBS_PER_USER = 2
    ann = UserFactory()
    job_of(ann, state=State.RUNNING, last_turn=1)
    waiting = job_of(ann)

    assert next_job() == waiting


@pytest.fixture
def content_for(fake_notion):
    """Queue a content job of five parts of `user` into a page of its own; the page's ID with it."""

    def queue(user: User) -> tuple[Job, str]:
        page = fake_notion.sandbox.add_page(f"{user.username}'s notes")
        job = start_content_job(
            user=user,
            page_id=page["id"],
            text=FIVE_PARTS,
            text_format="plain",
            parts=5,
            correlation_id=uuid4(),
        )
        return job, page["id"]

    return queue


def test_a_users_second_job_waits_while_the_first_runs_and_its_task_runs_another_users(
    content_for, settings, fake_notion
):
    settings.JOBS_PER_USER = 1
    ann, bob = UserFactory.create_batch(2)
    first = JobFactory(owner=ann, state=State.RUNNING, worker_id="worker-2", turn_at=timezone.now())
    second, _ = content_for(ann)
    other, _ = content_for(bob)

    assert run_next_task()  # the task queued for ann's second job: bob's runs
    second.refresh_from_db()
    other.refresh_from_db()
    assert (second.state, other.state) == (State.QUEUED, State.DONE)

    run_next_task()  # bob's task: none ann may run; it comes back a little later
    second.refresh_from_db()
    assert second.state == State.QUEUED
    later = DBTaskResult.objects.filter(status="READY").get()
    assert later.run_after > timezone.now() + timedelta(seconds=TURN_WAIT / 2)

    Job.objects.filter(pk=first.pk).update(state=State.DONE)
    DBTaskResult.objects.filter(pk=later.pk).update(run_after=timezone.now())
    assert run_next_task()
    second.refresh_from_db()
    assert (second.state, second.done) == (State.DONE, 5)


def test_two_users_long_contents_take_turns_part_by_part(content_for, settings, fake_notion):
    settings.JOBS_TURN_SECONDS = 0
    ann, bob = UserFactory.create_batch(2)
    ann_job, ann_page = content_for(ann)
    bob_job, bob_page = content_for(bob)

    while run_next_task():
        pass

    parts = fake_notion.sent("PATCH", "/children$")
    owners = ["ann" if ann_page.replace("-", "") in r.url.path.replace("-", "") else "bob" for r in parts]
    assert owners == ["ann", "bob"] * 5
    for job, page in ((ann_job, ann_page), (bob_job, bob_page)):
        job.refresh_from_db()
        assert (job.state, job.done) == (State.DONE, 5)
        assert len(fake_notion.sandbox.store.children(page)) == 450  # no part twice


@pytest.fixture
def running() -> Job:
    """Ann's job, running for 11 seconds of its turn."""
    return JobFactory(
        owner=UserFactory(username="ann"),
        state=State.RUNNING,
        worker_id="worker-1",
        turn_at=timezone.now() - timedelta(seconds=11),
    )


def test_a_job_gives_its_worker_up_once_its_turn_lasted_and_another_user_waits(running, settings):
    settings.JOBS_TURN_SECONDS = 10
    job_of(UserFactory())

    assert turn_over(running)

    running.refresh_from_db()
    assert (running.state, running.step, running.worker_id) == (State.QUEUED, "Waiting for its turn", "")
    task = DBTaskResult.objects.ready().get()
    assert task.args_kwargs["args"] == [running.pk]


def test_a_job_keeps_its_worker_while_its_turn_lasts(running, settings):
    settings.JOBS_TURN_SECONDS = 20
    job_of(UserFactory())

    assert not turn_over(running)
    running.refresh_from_db()
    assert running.state == State.RUNNING


def test_a_job_keeps_its_worker_when_only_its_own_users_jobs_wait(running, settings):
    settings.JOBS_TURN_SECONDS = 0
    job_of(running.owner)

    assert not turn_over(running)
    assert not DBTaskResult.objects.exists()


def test_a_job_keeps_its_worker_when_the_waiting_user_runs_as_many_jobs_as_allowed(running, settings):
    settings.JOBS_TURN_SECONDS, settings.JOBS_PER_USER = 0, 1
    bob = UserFactory()
    job_of(bob, state=State.RUNNING)
    job_of(bob)

    assert not turn_over(running)


def paused_content(page_id: str, *, until: timedelta) -> Job:
    job = JobFactory(
        state=State.PAUSED,
        total=1,
        input={"page_id": page_id, "content": "Back again", "format": "plain"},
        progress={"paused": {"hint": "Notion is away.", "until": (timezone.now() + until).isoformat()}},
    )
    run_job.enqueue(job.pk)
    return job


def test_a_paused_job_runs_when_its_time_to_try_again_has_come(fake_notion, parent_page):
    job = paused_content(parent_page["id"], until=timedelta(seconds=-1))

    run_next_task()

    job.refresh_from_db()
    assert (job.state, job.done) == (State.DONE, 1)


def test_a_task_of_a_paused_job_before_its_time_leaves_it_paused(fake_notion, parent_page):
    job = paused_content(parent_page["id"], until=timedelta(minutes=5))

    run_next_task()

    job.refresh_from_db()
    assert job.state == State.PAUSED
    assert fake_notion.received == []


@pytest.fixture
def queue_import(settings, notion, tmp_path):  # noqa: F811
    """Queue `owner`'s import of a CSV file of `rows` rows into a new database, as `import_csv` does."""
    url, _, page, _ = notion
    settings.NOTION_KEY, settings.NOTION_BASE_URL, settings.NOTION_PAGE_ID = TOKEN, url, page["id"]
    settings.NOTION_TRANSPORT = None
    settings.IMPORTS_DIR = tmp_path / "imports"

    def queue(owner: User, rows: int, name: str) -> Job:
        path = tmp_path / f"{name}.csv"
        path.write_text("Title,Number\n" + "".join(f"{name} {n},{n}\n" for n in range(rows)))
        call_command("import_csv", str(path), "--owner", owner.username, stdout=StringIO())
        return Job.objects.filter(kind=Job.Kind.IMPORT).latest("pk")

    return queue


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_another_users_short_import_finishes_while_the_first_users_imports_still_run(
    start_worker,  # noqa: F811
    queue_import,
):
    ann, bob = UserFactory(username="ann"), UserFactory(username="bob")
    anns = [queue_import(ann, 300, f"ann{n}") for n in range(5)]
    bobs = queue_import(bob, 3, "bob")

    start_worker(NOTION_RATE_LIMIT="0", JOBS_TURN_SECONDS="0")
    # Ann's first import takes the first turn; from its second row on, it yields to bob's job, which
    # has the next turn; then they take turns a row each until bob's is done.
    wait_for(lambda: Job.objects.get(pk=bobs.pk).finished)

    bobs.refresh_from_db()
    assert (bobs.state, bobs.done, bobs.total) == (State.DONE, 3, 3)
    first = Job.objects.get(pk=anns[0].pk)
    assert first.started_at < bobs.finished_at  # ann's first import was running
    for job in Job.objects.filter(pk__in=[job.pk for job in anns]):  # and none of ann's was finished
        assert job.finished_at is None or job.finished_at > bobs.finished_at
