"""django-tasks-db's `db_worker`, beating while it lives, taking over the jobs of dead workers, and
waiting out a database outage.

It takes the place of django_tasks_db's command (integration comes first in INSTALLED_APPS):
same options, same work. A thread records the worker's heartbeat every few seconds, for the job
pages to say whether any worker runs, and puts back in the queue the jobs of workers not heard
from in JOBS_WORKER_TIMEOUT seconds, for this one or another to go on with.

When the database can't be used (SQLite held by another writer past its busy timeout, PostgreSQL
restarting), django-tasks-db's loop raises and the process would exit: this worker logs it once,
waits with a growing pause until the database takes a write again, logs that, and goes on.
"""

import logging
import os
import threading
import time
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from integration import jobs

logger = logging.getLogger(__name__)

# What a database that went away raises through Django (a dropped PostgreSQL connection is an
# InterfaceError once Django has seen it closed).
DATABASE_AWAY = (OperationalError, InterfaceError)
LONGEST_PAUSE = 10.0  # seconds between tries while the database is away


def _why(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())}"


def beat_forever(worker_id: str, every: float) -> None:
    away = False  # logged once per outage
    while True:
        try:
            jobs.record_beat(worker_id)
            requeued = jobs.requeue_orphans()
            if requeued:
                logger.warning("Jobs %s lost their worker: queued again", requeued)
            if away:
                logger.warning("The heartbeat of worker %s is recorded again", worker_id)
                away = False
        except DATABASE_AWAY as error:
            if not away:
                logger.warning(
                    "The heartbeat of worker %s could not be recorded (%s): trying again every %g s",
                    worker_id,
                    _why(error),
                    every,
                )
                away = True
            connection.close()
        except Exception:
            logger.exception("The heartbeat of worker %s could not be recorded", worker_id)
            connection.close()
        threading.Event().wait(every)


class Worker(db_worker.Worker):
    """django-tasks-db's worker, which waits for the database when it goes away rather than exit."""

    def run(self) -> None:
        while True:
            try:
                super().run()
                return
            except DATABASE_AWAY as error:
                self.startup_delay = False
                self.wait_for_database(error)

    def wait_for_database(self, error: BaseException) -> None:
        """Wait until the database takes the write that claiming a job needs, pausing longer each try."""
        started = time.monotonic()
        logger.warning(
            "The database can't be used (%s): waiting for it to take a write, then going on with the queue",
            _why(error),
        )
        pause = 0.5
        while True:
            connections.close_all()
            time.sleep(pause)  # a SIGTERM meanwhile stops the worker at once: it runs no job
            try:
                with exclusive_transaction(DBTaskResult.objects.db):
                    DBTaskResult.objects.exists()
                requeued = jobs.requeue_jobs_of(self.worker_id)
            except DATABASE_AWAY:
                pause = min(pause * 2, LONGEST_PAUSE)
                continue
            logger.warning(
                "The database is back after %.0f s: worker %s goes on",
                time.monotonic() - started,
                self.worker_id,
            )
            if requeued:  # their record says running: they go on from where they are known to be
                logger.warning("Jobs %s were running when the database went away: queued again", requeued)
            return


class Command(db_worker.Command):
    help = (
        "Run a background worker for the app's jobs (django-tasks-db's db_worker, with a heartbeat, "
        "waiting out database outages)"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # With --reload, the work is done in a child process: that one beats.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            every = max(0.2, settings.JOBS_WORKER_TIMEOUT / 4)
            threading.Thread(
                target=beat_forever, args=(options["worker_id"], every), name="heartbeat", daemon=True
            ).start()
        # The parent's handle() makes the worker by this module-level name: ours takes its place.
        db_worker.Worker = Worker  # type: ignore[misc]
        super().handle(*args, **options)
