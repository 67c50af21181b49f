"""The queue, with a real `python manage.py db_worker` process on the test database, sending to
a fake Notion served over HTTP."""

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django_tasks_db.models import DBTaskResult

from integration.models import Job, JobRow, WorkerBeat
from integration.sandbox.engine import NotionSandbox, TokenBucket
from tests.factories import StaffFactory
from tests.fake_notion import TOKEN, served
from tests.processes import stop

ROOT = Path(__file__).resolve().parents[1]
FOUR_PARTS = "\n\n".join(["paragraph"] * 350)  # four requests: more than are sent in a web request


@pytest.fixture
def database_queue(settings) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def notion():
    sandbox = NotionSandbox(token=TOKEN)
    page = sandbox.add_page("Notes")
    arrivals: list[float] = []
    with served(sandbox, arrivals) as url:
        yield url, sandbox, page, arrivals


@pytest.fixture
def start_worker(child_env, notion):
    """Start db_worker processes against the served fake Notion; stopped at the end of the test.
    With `log`, what a worker logs goes to that file."""
    started: list[subprocess.Popen] = []

    def start(log: Path | None = None, **env: str) -> subprocess.Popen:
        worker = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--no-reload",
                "--no-startup-delay",
                "--interval",
                "0.1",
            ],
            cwd=ROOT,
            env=child_env(notion[0], **{"ALLOWED_HOSTS": "127.0.0.1", "JOBS_WORKER_TIMEOUT": "1", **env}),
            stdout=subprocess.DEVNULL,
            stderr=log.open("w") if log else subprocess.DEVNULL,
        )
        started.append(worker)
        return worker

    yield start
    for worker in started:
        stop(worker)


def wait_for(condition: Callable[[], bool], seconds: float = 240) -> None:
    # The bound only turns a hang into a failure that says so, well before pytest-timeout's 300 s.
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)


def job() -> Job | None:
    return Job.objects.first()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_worker_picks_up_a_queued_job_and_finishes_it(database_queue, notion, start_worker, submit):
    _, sandbox, page, _ = notion
    submit("content", page_id=page["id"], content=FOUR_PARTS, format="plain")
    assert job().state == "queued"

    start_worker(NOTION_RATE_LIMIT="0")

    wait_for(lambda: job().finished)
    finished = job()
    assert (finished.state, finished.done, finished.total) == ("done", 4, 4)
    assert len(sandbox.store.children(page["id"])) == 350
    assert WorkerBeat.objects.exists()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_killed_workers_job_is_finished_by_the_next_worker_without_duplicate_parts(
    database_queue, notion, start_worker, submit
):
    _, sandbox, page, arrivals = notion
    submit("content", page_id=page["id"], content=FOUR_PARTS, format="plain")
    paced = {"NOTION_RATE_LIMIT": "1", "NOTION_RATE_BURST": "1"}  # a second between parts
    first = start_worker(**paced)
    wait_for(lambda: job().done >= 1)

    first.send_signal(signal.SIGKILL)  # waiting for its turn to send part 2
    first.wait(timeout=10)
    start_worker(**paced)

    wait_for(lambda: job().finished)
    finished = job()
    assert (finished.state, finished.done) == ("done", 4)
    assert len(arrivals) == 4
    assert DBTaskResult.objects.count() == 2  # queued again for the next worker
    assert len(sandbox.store.children(page["id"])) == 350


@pytest.fixture
def start_import(settings, notion, tmp_path):
    """Queue the import of a CSV file of `rows` rows into a new database, as `import_csv` does."""
    url, _, page, _ = notion
    settings.NOTION_KEY, settings.NOTION_BASE_URL, settings.NOTION_PAGE_ID = TOKEN, url, page["id"]
    settings.NOTION_TRANSPORT = None
    settings.IMPORTS_DIR = tmp_path / "imports"
    StaffFactory(username="admin")

    def start(rows: int, name: str = "rows") -> Job:
        path = tmp_path / f"{name}.csv"
        path.write_text("Title,Number\n" + "".join(f"{name} {n},{n}\n" for n in range(rows)))
        call_command("import_csv", str(path), stdout=StringIO())
        return Job.objects.filter(kind=Job.Kind.IMPORT).latest("pk")

    return start


def pages_in(sandbox: NotionSandbox, job: Job) -> list[dict]:
    source_id = job.input["data_source_id"]
    return [
        p for p in sandbox.store.newest_first(("page",)) if p["parent"].get("data_source_id") == source_id
    ]


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_killed_workers_import_is_finished_by_the_next_worker_with_no_row_twice(
    database_queue, notion, start_worker, start_import, child_env
):
    _, sandbox, _, _ = notion
    job = start_import(20)
    paced = {"NOTION_RATE_LIMIT": "8", "NOTION_RATE_BURST": "1"}
    first = start_worker(**paced)
    wait_for(lambda: Job.objects.get(pk=job.pk).done >= 5)

    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    start_worker(**paced)

    wait_for(lambda: Job.objects.get(pk=job.pk).finished)
    job.refresh_from_db()
    assert (job.state, job.done) == ("done", 20)
    pages = pages_in(sandbox, job)
    keys = {page["properties"]["Import key"]["rich_text"][0]["plain_text"] for page in pages}
    assert len(pages) == len(keys) == 20
    assert JobRow.objects.filter(job=job, outcome="added").count() == 20


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_an_import_paused_by_notion_is_queued_again_for_later(
    database_queue, notion, start_worker, start_import
):
    _, sandbox, _, _ = notion
    job = start_import(5)
    sandbox.bucket = TokenBucket(0.001, 1)  # Notion answers 429 from now on
    start_worker(NOTION_RATE_LIMIT="0", NOTION_MAX_ATTEMPTS="1")

    wait_for(lambda: Job.objects.get(pk=job.pk).state == "paused")

    job.refresh_from_db()
    assert "Trying again at" in job.step
    later = DBTaskResult.objects.filter(status="READY").get()
    assert later.args_kwargs["args"] == [job.pk]
    assert 25 <= (later.run_after - job.updated_at).total_seconds() <= 35


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_two_workers_share_the_queue_and_each_import_is_run_once(
    database_queue, notion, start_worker, start_import
):
    _, sandbox, _, arrivals = notion
    imports = [start_import(8, name) for name in ("first", "second", "third")]
    before = len(arrivals)
    # One user's three jobs may all run at once: each worker's task finds a job it may take.
    paced = {"NOTION_RATE_LIMIT": "20", "JOBS_PER_USER": "3"}
    start_worker(**paced)
    start_worker(**paced)

    # A task is recorded as run just after its job's end.
    wait_for(
        lambda: (
            all(Job.objects.get(pk=job.pk).finished for job in imports)
            and not DBTaskResult.objects.running().exists()
        )
    )

    finished = Job.objects.filter(pk__in=[job.pk for job in imports])
    assert {(job.state, job.done) for job in finished} == {("done", 8)}
    assert all(len(pages_in(sandbox, job)) == 8 for job in finished)
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["SUCCESSFUL"] * 3  # one run each
    assert len(arrivals) - before == 3 * 8 + 3  # a page per row, and each data source's schema once


@pytest.fixture
def outage():
    """Make the database unusable for the worker, as an outage would, until `end` is called: on
    SQLite, another writer holds the write lock past the busy timeout; on PostgreSQL, the server
    drops the worker's connections and refuses new ones, as while it restarts."""
    database = connections["default"].settings_dict
    held: list[sqlite3.Connection] = []
    refusing: list[bool] = []

    def allow_connections(allowed: bool) -> None:
        import psycopg  # from the server's own database: a database can't refuse the connection altering it

        server = {"host": database["HOST"], "port": database["PORT"], "user": database["USER"]}
        with psycopg.connect(
            **server, password=database["PASSWORD"], dbname="postgres", autocommit=True
        ) as admin:
            admin.execute(f'ALTER DATABASE "{database["NAME"]}" WITH ALLOW_CONNECTIONS {allowed}')

    def begin() -> None:
        if connections["default"].vendor == "sqlite":
            writer = sqlite3.connect(database["NAME"], isolation_level=None)
            writer.execute("BEGIN IMMEDIATE")
            held.append(writer)
            return
        allow_connections(False)
        refusing.append(True)
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = 'worker'"
            )

    def end() -> None:
        for writer in held:
            writer.rollback()
            writer.close()
        held.clear()
        if refusing:
            allow_connections(True)
            refusing.clear()

    yield begin, end
    end()


def logged(path: Path, text: str) -> Callable[[], bool]:
    return lambda: text in path.read_text()


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_worker_waits_out_a_database_outage_and_then_runs_the_next_job(
    database_queue, notion, start_worker, submit, outage, tmp_path
):
    page = notion[2]
    log = tmp_path / "worker.log"
    begin, end = outage
    worker = start_worker(log, NOTION_RATE_LIMIT="0", **worker_database())
    wait_for(WorkerBeat.objects.exists)

    begin()
    wait_for(logged(log, "The database can't be used"))
    end()
    wait_for(logged(log, "The database is back"))
    submit("content", page_id=page["id"], content=FOUR_PARTS, format="plain")

    wait_for(lambda: job().finished)
    assert worker.poll() is None
    assert (job().state, job().done) == ("done", 4)
    text = log.read_text()
    assert text.count("The database can't be used") == 1  # once per outage, not per try
    assert "Traceback" not in text


def worker_database() -> dict[str, str]:
    """On PostgreSQL, the worker's connections named, for the outage to drop them alone."""
    from tests.conftest import database_url_for_children

    if connections["default"].vendor == "sqlite":
        return {}
    return {"DATABASE_URL": database_url_for_children() + "?application_name=worker"}


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_job_running_when_the_database_goes_away_goes_on_once_it_is_back(
    database_queue, notion, start_worker, submit, outage, tmp_path
):
    _, sandbox, page, arrivals = notion
    sandbox.latency = 1.0  # each part takes a second: the outage begins while one is on its way
    log = tmp_path / "worker.log"
    begin, end = outage
    submit("content", page_id=page["id"], content=FOUR_PARTS, format="plain")
    # Its heartbeat never takes it for dead: only the worker itself can put its job back.
    worker = start_worker(log, NOTION_RATE_LIMIT="0", JOBS_WORKER_TIMEOUT="3600", **worker_database())
    wait_for(lambda: arrivals)

    begin()
    wait_for(logged(log, "The database can't be used"))
    end()
    wait_for(logged(log, "The database is back"))

    wait_for(lambda: job().finished)  # not left "running" by a worker that beats on
    assert worker.poll() is None
    assert f"Jobs [{job().pk}] were running when the database went away: queued again" in log.read_text()
    assert "Background job" not in log.read_text()  # an outage is not the app's error
    finished = job()
    added = len(sandbox.store.children(page["id"]))
    assert added <= 350  # no part twice
    if finished.state == "done":
        assert added == 350
    else:  # the part whose answer could not be recorded may have been added: it is not sent again
        assert finished.state == "failed"
        assert "may have been" in finished.result["hint"]
