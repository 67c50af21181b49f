"""What a kind of job is to the queue, and the table from each `Job.Kind` to its class.

The queue knows a job only through its kind: it runs it, finishes one it will not run (cancelled
before a worker took it, or stopped by an error of the app's own), and asks which stopped states
may be resumed. A new kind is a module with a `JobKind` subclass and one entry in `KIND_CLASSES`,
loaded on first use (as Django loads `SESSION_ENGINE`), so the queue imports no kind.
"""

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any, ClassVar

from django.utils import timezone
from django.utils.module_loading import import_string

from integration.masking import mask_json
from integration.models import Job

State = Job.State

PACE_SAMPLES = 30  # (time, handled) samples a running job keeps, for its estimate of the time left
PACE_SPACING = 1.0  # seconds at least between two kept samples (the newest is replaced meanwhile)

KIND_CLASSES: dict[str, str] = {
    Job.Kind.CONTENT: "integration.jobs.content.ContentJob",
    Job.Kind.IMPORT: "integration.imports.job.ImportJob",
    Job.Kind.UNDO: "integration.jobs.undo.UndoJob",
}


class JobKind:
    """One kind of job: how a worker runs it, how it ends, and what its page says of it."""

    unit: ClassVar[str] = "parts"  # what `Job.total` counts, in the words of the job page
    resumable: ClassVar[tuple[str, ...]] = (State.PAUSED,)  # the states `resume_job` queues again

    def run(self, job: Job) -> None:
        """Do the job, from where an earlier run stopped, and finish it (or pause it)."""
        raise NotImplementedError

    def finish(self, job: Job, state: str, *, hint: str = "") -> None:
        """End a job the queue will not run on: cancelled before a worker took it (`hint` empty), or
        failed by an error of the app's own (`hint` says so)."""
        raise NotImplementedError

    def handled(self, job: Job) -> int:
        """How far the job got, in `unit`."""
        return job.done

    def state_label(self, job: Job) -> str:
        """The job's state as its page and the list of jobs name it."""
        return job.get_state_display()

    def counts_text(self, job: Job) -> str:
        """The job page's line of counts."""
        raise NotImplementedError

    def how_to_resume(self, job: Job) -> str:
        """What a person does to resume a paused job when no worker tries it again by itself."""
        return ""

    def page_facts(self, job: Job) -> dict[str, Any]:
        """What the job page offers besides the progress: undo, and the jobs it is linked to."""
        return {"can_undo": False, "undo_job": None, "undo_of": None, "created_database": False}


class _Kinds(Mapping[str, JobKind]):
    """KIND_CLASSES with each class made once, when a job of its kind is first met."""

    def __getitem__(self, kind: str) -> JobKind:
        return _load(kind)

    def __iter__(self) -> Iterator[str]:
        return iter(KIND_CLASSES)

    def __len__(self) -> int:
        return len(KIND_CLASSES)


@cache
def _load(kind: str) -> JobKind:
    return import_string(KIND_CLASSES[kind])()


KINDS: Mapping[str, JobKind] = _Kinds()


def save(job: Job, *fields: str) -> None:
    """Save `fields` of `job`, and when it last changed; with its progress or its count saved, the
    sample of its pace too (`note_pace`)."""
    job.updated_at = timezone.now()
    if "progress" in fields or "done" in fields:
        note_pace(job)
        fields = tuple(dict.fromkeys((*fields, "progress")))
    job.save(update_fields=[*fields, "updated_at"])


def note_pace(job: Job) -> None:
    """Keep in `job.progress["pace"]` how far a running job got when (`[[epoch seconds, handled],
    ...]`, the last PACE_SAMPLES, PACE_SPACING apart): the estimate of the time left reads its
    recent pace there. A job that is not running (paused, finished) keeps none: the time it waits
    is not counted once it runs again."""
    if job.state != State.RUNNING:
        job.progress["pace"] = []
        return
    samples = list(job.progress.get("pace") or [])
    sample = [round(job.updated_at.timestamp(), 3), KINDS[job.kind].handled(job)]
    if len(samples) >= 2 and sample[0] - samples[-2][0] < PACE_SPACING:
        samples[-1] = sample
    else:
        samples.append(sample)
    job.progress["pace"] = samples[-PACE_SAMPLES:]


def end(
    job: Job, state: str, *, failed: int = 0, skipped: int | None = None, hint: str = "", **result: Any
) -> None:
    """Record the end of `job`: its state, its counts, and the summary its page ends with."""
    job.state, job.failed, job.step = state, failed, ""
    job.skipped = max(0, job.total - job.done - failed) if skipped is None else skipped
    job.result = mask_json({"hint": hint.strip(), **result})
    job.finished_at = timezone.now()
    save(job, "state", "failed", "skipped", "step", "result", "finished_at")


def cancel_requested(job: Job) -> bool:
    return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()
