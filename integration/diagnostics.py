"""Is everything the app needs there? The checks of `manage.py check_notion` and the Connection page,
and the few behind /healthz (the stores it uses, and a queue no worker empties).

The Notion checks make requests (integration/notion/diagnostics.py), recorded in the history
under the caller's audit context; the others look at the app's own stores.
"""

import logging
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import Error, connection, transaction
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from integration import checks
from integration.jobs import worker_seen_lately
from integration.models import AuditContext, WorkerBeat
from integration.notion.diagnostics import Check, notion_checks
from integration.notion.workspace import workspace

logger = logging.getLogger(__name__)


def target() -> str:
    """What the checks are about: Notion, or the sandbox."""
    if workspace().is_sandbox:
        return "Checking the sandbox: NOTION_KEY is not set, so the app talks to its stand-in for Notion."
    return f"Checking Notion at {settings.NOTION_BASE_URL}."


def pacing_check() -> Check:
    errors = checks.pacing_store_is_reachable()
    if errors:
        return Check("Pacing store", False, errors[0].msg, errors[0].hint or "")
    where = "Redis at REDIS_URL answers" if settings.REDIS_URL else "The pacing table can be read"
    return Check("Pacing store", True, f"{where}: requests to Notion can be paced.")


def queue_check() -> Check:
    fix = "Start a worker: `python manage.py db_worker` (`make run` starts one)."
    if worker_seen_lately():
        seen = WorkerBeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
        ago = round((timezone.now() - seen).total_seconds()) if seen else 0
        return Check("Task queue", True, f"A worker was seen {ago} s ago.")
    return Check(
        "Task queue",
        False,
        f"No worker has been seen in the last {settings.JOBS_WORKER_TIMEOUT:g} s (JOBS_WORKER_TIMEOUT): "
        "background jobs wait.",
        fix,
    )


def database_check() -> Check:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Error as error:
        return Check("Database", False, f"A query failed ({type(error).__name__}).", "Check DATABASE_URL.")
    return Check("Database", True, f"The {connection.display_name} database answers a query.")


def run_checks(*, context: AuditContext) -> list[Check]:
    """Every check, in the order a person reads them: Notion first, then the app's own stores."""
    return [*notion_checks(context=context), pacing_check(), queue_check(), database_check()]


def _usable(name: str, probe: Callable[[], None]) -> bool:
    try:
        probe()
    except Exception as error:
        # Only the kind of error: its text may name hosts or carry a password of a URL.
        logger.warning("Health check: the %s is not usable (%s)", name, type(error).__name__)
        return False
    return True


def _query_database() -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _use_cache() -> None:
    key, value = "notionforms:healthz", uuid.uuid4().hex
    cache.set(key, value, 10)
    if cache.get(key) != value:
        raise LookupError("the cache did not keep a value")


def _read_queue() -> None:
    with transaction.atomic():  # a missing table must not spoil the connection for the next check
        DBTaskResult.objects.exists()


def stalled_queue() -> str:
    """What keeps the queue from moving, for /healthz: jobs due to run and no worker seen lately;
    "" when a worker is alive or nothing waits."""
    if worker_seen_lately():
        return ""
    queued = DBTaskResult.objects.ready().count()
    if not queued:
        return ""
    return f"worker: none seen in {settings.JOBS_WORKER_TIMEOUT:g} s, {queued} job{pluralize(queued)} queued"


def healthy() -> bool:
    """Whether the database, the cache and the task queue's table can be used (for /healthz)."""
    probes = {"database": _query_database, "cache": _use_cache, "task queue": _read_queue}
    return all([_usable(name, probe) for name, probe in probes.items()])
