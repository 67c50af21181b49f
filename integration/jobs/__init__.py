"""Background jobs: work for Notion done by a `db_worker` process, with its progress on record.

A job comes in kinds (`Job.Kind`), each a `base.JobKind` listed in `base.KIND_CLASSES`: content
(`content.py`), the CSV import (`integration/imports/job.py`) and its undoing (`undo.py`). The queue
(`queue.py`: the task `run_job`, users' jobs taking turns, cancelling, resuming, pausing while
Notion is away, the workers' heartbeat) dispatches through that table; `progress.py` draws the job
page's figures.

What views, commands and tests use is importable from here.
"""

from integration.jobs.base import KINDS, JobKind
from integration.jobs.content import start_content_job
from integration.jobs.progress import job_status, job_summary, seconds_left
from integration.jobs.queue import (
    PAUSES,
    cancel_job,
    record_beat,
    requeue_jobs_of,
    requeue_orphans,
    resume_job,
    run_job,
    worker_seen_lately,
)
from integration.jobs.undo import start_undo_job, undo_summary

__all__ = [
    "KINDS",
    "PAUSES",
    "JobKind",
    "cancel_job",
    "job_status",
    "job_summary",
    "record_beat",
    "requeue_jobs_of",
    "requeue_orphans",
    "resume_job",
    "run_job",
    "seconds_left",
    "start_content_job",
    "start_undo_job",
    "undo_summary",
    "worker_seen_lately",
]
