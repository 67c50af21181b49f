"""The job page's figures: counts in the words of the job's kind, the time left at its pace so far,
and what the page offers besides (resume, undo, the jobs it is linked to)."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from integration.jobs.base import KINDS
from integration.jobs.queue import worker_seen_lately
from integration.models import Job


def seconds_left(job: Job) -> int | None:
    """An estimate of the time the job still needs, from its pace so far; None before any part."""
    handled = KINDS[job.kind].handled(job)
    if job.finished or not handled or job.started_at is None:
        return None
    elapsed = (timezone.now() - job.started_at).total_seconds()
    return round(elapsed / handled * (job.total - handled))


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
        "state_label": job.get_state_display(),
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
