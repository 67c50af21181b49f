"""The queue: the task a `db_worker` runs, jobs of different users taking turns, cancelling and
resuming, pausing while Notion is away, and the workers' heartbeat with the jobs of dead workers
taken over.

Each job waiting to run has one `run_job` task, but a task is a turn of a worker rather than an
order to run its own job: the worker runs the job whose turn it is (`next_job`). Users take turns
round-robin, each user's jobs in order, and no user runs more than JOBS_PER_USER jobs at once; a
long job gives its worker up to another user's waiting job between two rows or parts
(`turn_over`) and goes on from there on its next turn.

It knows each job only through its kind (`base.KINDS`). Workers beat while they live
(`record_beat`); the running jobs of a worker not heard from lately go back in the queue
(`requeue_orphans`) and the next worker goes on where it stopped, never resending a part that may
have reached Notion.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django_tasks import TaskContext, default_task_backend, task

from integration.jobs.base import KINDS, save
from integration.masking import mask_json
from integration.models import Job, WorkerBeat
from integration.notion.errors import NotionError

logger = logging.getLogger(__name__)

State = Job.State

PAUSE_FIRST = 30  # seconds before the first try after Notion stopped answering; doubled each time
PAUSE_LONGEST = 600
PAUSES = 6  # tries in a row without progress before the job gives up (about 25 minutes)

CLAIM_TRIES = 3  # jobs tried in turn when other workers take the job chosen first
TURN_WAIT = 2  # seconds before a task that found no job it may run (all at their user's cap) tries again

# Errors of the app's own, with no status, that no later try can mend: the content itself is refused.
REFUSED_AS_IT_IS = ("unexpected_response", "too_long", "too_deep")


def queue_job(*, kind: str, user: User, total: int, input: dict[str, Any], correlation_id: Any = None) -> Job:
    """A new job of `kind` for a worker to run: queued, or not made at all. Its `input` is kept with
    secrets masked: the token never reaches the database, even typed into the content by mistake."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            owner=user,
            total=total,
            input=mask_json(input),
            step="Waiting for a worker",
            **({"correlation_id": correlation_id} if correlation_id is not None else {}),
        )
        run_job.enqueue(job.pk)
    return job


def cancel_job(job: Job) -> None:
    """Stop `job`: at once if it is not running, else before its next request to Notion."""
    now = timezone.now()
    waiting = Job.objects.filter(pk=job.pk, state__in=(State.QUEUED, State.PAUSED))
    if waiting.update(state=State.CANCELLED, cancel_requested=True, updated_at=now):
        job.refresh_from_db()
        KINDS[job.kind].finish(job, State.CANCELLED)
        return
    Job.objects.filter(pk=job.pk).exclude(state__in=Job.FINISHED).update(
        cancel_requested=True, updated_at=now
    )


def resume_job(job: Job) -> bool:
    """Queue `job` again at once if its kind resumes it from its state; it goes on from the first
    row or part not done. False if it can't be resumed (or already runs)."""
    with transaction.atomic():
        resumed = Job.objects.filter(pk=job.pk, state__in=KINDS[job.kind].resumable).update(
            state=State.QUEUED,
            cancel_requested=False,
            failed=0,
            step="Waiting for a worker",
            finished_at=None,
            updated_at=timezone.now(),
        )
        if resumed:
            run_job.enqueue(job.pk)
    return bool(resumed)


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> None:
    """A worker's turn: run the job whose turn it is (`next_job`), which need not be `job_id`, the
    job the task was queued for; that one, if paused, is ready again first. With no job it may run
    while some wait (their users at JOBS_PER_USER), the turn is queued again for a little later.
    An error of the app's own fails the job, logged."""
    worker_ids = context.task_result.worker_ids
    _wake_if_due(job_id)
    job = _claim_next(worker_ids[-1] if worker_ids else "")
    if job is not None:
        _run(job)
    elif default_task_backend.supports_defer and Job.objects.filter(state=State.QUEUED).exists():
        run_job.using(run_after=timezone.now() + timedelta(seconds=TURN_WAIT)).enqueue(job_id)


def _wake_if_due(job_id: int) -> None:
    """Queue the paused job again once its time to try again has come. Another of its tasks (a turn
    that ran another job first) may come before that time: the pause holds."""
    paused = Job.objects.filter(pk=job_id, state=State.PAUSED).first()
    if paused is None:
        return
    until = paused.progress.get("paused", {}).get("until")
    if until and datetime.fromisoformat(until) > timezone.now():
        return
    Job.objects.filter(pk=job_id, state=State.PAUSED).update(
        state=State.QUEUED, step="Waiting for a worker", updated_at=timezone.now()
    )


def _run(job: Job) -> None:
    kind = KINDS[job.kind]
    try:
        kind.run(job)
    except (OperationalError, InterfaceError):  # the database went away: the worker waits, then requeues it
        raise
    except Exception:
        logger.exception("Background job %s failed (error %s)", job.pk, job.correlation_id)
        hint = (
            f"Something went wrong in this app, not in Notion; it was logged as error {job.correlation_id}."
        )
        kind.finish(job, State.FAILED, hint=hint)


def ready_jobs() -> QuerySet[Job]:
    """The queued jobs a worker may take: those of users running fewer than JOBS_PER_USER jobs."""
    at_cap = (
        Job.objects.filter(state=State.RUNNING)
        .order_by()
        .values("owner")
        .annotate(running=Count("pk"))
        .filter(running__gte=settings.JOBS_PER_USER)
        .values("owner")
    )
    return Job.objects.filter(state=State.QUEUED).exclude(owner__in=at_cap)


def next_job() -> Job | None:
    """The job whose turn it is, if any is ready: of the user whose last turn is the oldest (a user
    who never had one first), that user's oldest queued job."""
    last_turn = Job.objects.filter(owner=OuterRef("owner"), turn_at__isnull=False).order_by("-turn_at")
    return (
        ready_jobs()
        .alias(last_turn=Subquery(last_turn.values("turn_at")[:1]))
        .order_by(F("last_turn").asc(nulls_first=True), "created_at", "pk")
        .first()
    )


def _claim_next(worker_id: str) -> Job | None:
    """The job whose turn it is, claimed for `worker_id`; the next one if another worker took it."""
    for _ in range(CLAIM_TRIES):
        job = next_job()
        if job is None:
            return None
        if _claim(job, worker_id):
            return Job.objects.select_related("owner").get(pk=job.pk)
    return None


def _claim(job: Job, worker_id: str) -> bool:
    now = timezone.now()
    with transaction.atomic():
        # Claims for one user wait for each other, so that two workers can't both take their last place.
        User.objects.select_for_update().filter(pk=job.owner_id).exists()
        if Job.objects.filter(owner=job.owner_id, state=State.RUNNING).count() >= settings.JOBS_PER_USER:
            return False
        claimed = Job.objects.filter(pk=job.pk, state=State.QUEUED).update(
            state=State.RUNNING,
            worker_id=worker_id,
            started_at=Coalesce("started_at", now),
            turn_at=now,
            updated_at=now,
        )
    return bool(claimed)


def turn_over(job: Job) -> bool:
    """Whether the running `job` gave its worker up to another user's job: once its turn has lasted
    JOBS_TURN_SECONDS and a job of another user is ready, it is queued again, its progress kept, and
    goes on from where it stopped on its next turn. The caller stops at once when it did; it calls
    this between two rows or parts, after at least one of its turn, so that every turn gets on.

    A backend that runs tasks at once (the tests') has no queue to give the worker up to."""
    if not default_task_backend.supports_defer:
        return False
    if job.turn_at and timezone.now() - job.turn_at < timedelta(seconds=settings.JOBS_TURN_SECONDS):
        return False
    if not ready_jobs().exclude(owner=job.owner_id).exists():
        return False
    with transaction.atomic():
        waiting = Job.objects.filter(pk=job.pk, state=State.RUNNING).update(
            state=State.QUEUED, worker_id="", step="Waiting for its turn", updated_at=timezone.now()
        )
        if waiting:
            run_job.enqueue(job.pk)
    return bool(waiting)


def is_outage(error: NotionError) -> bool:
    """Whether the error says Notion (or the way to it) is away for now, not that the request is wrong."""
    return (
        error.maybe_done
        or error.status in (409, 429, 529)
        or (error.status or 0) >= 500
        or (error.status is None and error.code not in REFUSED_AS_IT_IS)
    )


@dataclass(frozen=True)
class Pause:
    """Why a job waits for Notion, and until when (in `Job.progress["paused"]`)."""

    hint: str
    until: datetime
    error: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"hint": self.hint, "until": self.until.isoformat(), "error": self.error}


def pause(job: Job, hint: str, error: NotionError) -> bool:
    """Stop `job` for now; a worker tries again later, where it stopped. False, with nothing done
    but the count of pauses cleared, once it has paused PAUSES times in a row: then the kind
    finishes it as failed, with `gave_up(hint)`."""
    pauses = job.progress.get("pauses", 0) + 1
    if pauses > PAUSES:
        job.progress.pop("pauses", None)
        return False
    deferred = default_task_backend.supports_defer
    wait = min(PAUSE_LONGEST, PAUSE_FIRST * 2 ** (pauses - 1))
    until = timezone.now() + timedelta(seconds=wait)
    job.progress.update(pauses=pauses, paused=Pause(hint, until, error.as_dict()).as_dict())
    job.state = State.PAUSED
    kind = KINDS[job.kind]
    trying = f" Trying again at {timezone.localtime(until):%H:%M:%S}."
    later = trying if deferred else kind.how_to_resume(job)
    job.step = f"Paused after {job.done} of {job.total} {kind.unit}: {hint}{later}"
    with transaction.atomic():
        save(job, "state", "step", "progress", "done", "skipped", "failed")
        if deferred:
            run_job.using(run_after=until).enqueue(job.pk)
    return True


def gave_up(hint: str) -> str:
    """A paused job's hint once Notion has not answered PAUSES times in a row."""
    return f"{hint} Notion did not answer {PAUSES} times in a row."


def made_progress(job: Job) -> None:
    """A request went through: the count of pauses in a row starts again (saved with the job)."""
    job.progress.pop("pauses", None)


def record_beat(worker_id: str) -> None:
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": timezone.now()})


def _live_since() -> datetime:
    return timezone.now() - timedelta(seconds=settings.JOBS_WORKER_TIMEOUT)


def worker_seen_lately() -> bool:
    return WorkerBeat.objects.filter(seen_at__gte=_live_since()).exists()


def requeue_orphans() -> list[int]:
    """Put back in the queue the running jobs of workers not heard from lately; their IDs."""
    alive = WorkerBeat.objects.filter(seen_at__gte=_live_since()).values_list("worker_id", flat=True)
    orphans = Job.objects.filter(state=State.RUNNING).exclude(worker_id__in=list(alive))
    requeued = _requeue(orphans, "Waiting for a worker: the last one stopped")
    WorkerBeat.objects.filter(seen_at__lt=timezone.now() - timedelta(days=1)).delete()
    return requeued


def requeue_jobs_of(worker_id: str) -> list[int]:
    """Put back in the queue the jobs `worker_id` was running when the database went away under
    them: it beats on, so no other worker would take them, and it runs none of them any more."""
    running = Job.objects.filter(state=State.RUNNING, worker_id=worker_id)
    return _requeue(running, "Waiting for a worker: the database was away")


def _requeue(running: QuerySet[Job], step: str) -> list[int]:
    requeued = []
    for job in running:
        if Job.objects.filter(pk=job.pk, state=State.RUNNING, worker_id=job.worker_id).update(
            state=State.QUEUED, worker_id="", step=step
        ):
            run_job.enqueue(job.pk)
            requeued.append(job.pk)
    return requeued
