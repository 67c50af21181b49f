"""The job page's figures: counts in the words of the job's kind, the time left at its recent pace,
and what the page offers besides (resume, undo, the jobs it is linked to)."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from integration.jobs.base import KINDS
from integration.jobs.queue import worker_seen_lately
from integration.models import Job

PACE_WINDOW = 30  # seconds of a job's latest samples its pace is read from


def seconds_left(job: Job) -> int | None:
    """An estimate of the time a running job still needs, at its pace over its latest PACE_WINDOW
    seconds of samples (`base.note_pace`), at least its last two, all since it last started to run:
    a pause or a wait in the queue is not counted. None when it is not running, or its pace is not
    known yet. A job of an older version, with no samples, is read at its pace since it started."""
    handled = KINDS[job.kind].handled(job)
    if job.state != Job.State.RUNNING or not handled:
        return None
    samples = job.progress.get("pace")
    if samples is None:
        if job.started_at is None:
            return None
        elapsed = (timezone.now() - job.started_at).total_seconds()
        return round(elapsed / handled * (job.total - handled))
    newest = samples[-1][0] if samples else 0
    recent = [sample for sample in samples if sample[0] >= newest - PACE_WINDOW]
    if len(recent) < 2:
        recent = samples[-2:]
    if len(recent) < 2:
        return None
    (start, first), (end, last) = recent[0], recent[-1]
    if last <= first or end <= start:
        return None
    return round((job.total - handled) * (end - start) / (last - first))


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def job_summary(job: Job) -> dict[str, Any]:
    """What the job page offers besides the progress: resume, undo, and the jobs it is linked to."""
    kind = KINDS[job.kind]
    return {
        "can_resume": job.state in kind.resumable,
        **kind.page_facts(job),
        "bad_rows": job.result.get("bad_rows", []) if job.finished else [],
    }


def job_status(job: Job) -> dict[str, Any]:
    """What the job page shows of a job, and its script reads as JSON."""
    kind = KINDS[job.kind]
    left = seconds_left(job)
    return {
        "counts_text": kind.counts_text(job),
        "left_text": f"About {_duration(left)} left" if left is not None else "",
        "state": job.state,
        "state_label": kind.state_label(job),
        "finished": job.finished,
        "total": job.total,
        "done": job.done,
        "handled": kind.handled(job),
        "skipped": job.skipped,
        "failed": job.failed,
        "step": job.step,
        "seconds_left": left,
        "worker_seen": worker_seen_lately(),
        "url": reverse("job", args=[job.pk]),
    }
