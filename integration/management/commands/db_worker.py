"""django-tasks-db's `db_worker`, beating while it lives and taking over the jobs of dead workers.

It takes the place of django_tasks_db's command (integration comes first in INSTALLED_APPS):
same options, same work. A thread records the worker's heartbeat every few seconds, for the job
pages to say whether any worker runs, and puts back in the queue the jobs of workers not heard
from in JOBS_WORKER_TIMEOUT seconds, for this one or another to go on with.
"""

import logging
import os
import threading
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from integration import jobs

logger = logging.getLogger(__name__)


def beat_forever(worker_id: str, every: float) -> None:
    while True:
        try:
            jobs.record_beat(worker_id)
            requeued = jobs.requeue_orphans()
            if requeued:
                logger.warning("Jobs %s lost their worker: queued again", requeued)
        except Exception:  # the database is away for a moment: beat again later
            logger.exception("The heartbeat of worker %s could not be recorded", worker_id)
            connection.close()
        threading.Event().wait(every)


class Command(db_worker.Command):
    help = "Run a background worker for the app's jobs (django-tasks-db's db_worker, with a heartbeat)"

    def handle(self, *args: Any, **options: Any) -> None:
        # With --reload, the work is done in a child process: that one beats.
        if not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            every = max(0.2, settings.JOBS_WORKER_TIMEOUT / 4)
            threading.Thread(
                target=beat_forever, args=(options["worker_id"], every), name="heartbeat", daemon=True
            ).start()
        super().handle(*args, **options)
