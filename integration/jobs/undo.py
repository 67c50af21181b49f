"""The undo job: the pages an import updated put back as they were, the pages it added moved to
Notion's trash, then the database it made; resumable from the first page not yet undone (each
row is marked so).

Its `total` and `done` count pages; the database, if the import made it, is tracked apart, in its
progress. `undo_summary` says beforehand what undoing an import will do, for the person to confirm.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse

from integration.imports.state import ImportInput, ImportProgress
from integration.jobs.base import JobKind, cancel_requested, end, save
from integration.jobs.queue import run_job
from integration.models import AuditContext, Job, JobRow, Source
from integration.notion.errors import MAYBE_DONE, NotionError
from integration.notion.pages import move_to_trash, update_page

State = Job.State
Outcome = JobRow.Outcome


@dataclass(frozen=True)
class UndoInput:
    """The import job an undo job undoes (`Job.input`)."""

    import_job: int

    def as_dict(self) -> dict[str, Any]:
        return {"import_job": self.import_job}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UndoInput":
        return cls(import_job=data["import_job"])


@dataclass
class UndoProgress:
    """Whether the import's database went to the trash (its keys in `Job.progress`)."""

    database_trashed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"database_trashed": self.database_trashed}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "UndoProgress":
        return cls(database_trashed=bool(data.get("database_trashed")))


def check_undoable(job: Job) -> None:
    """Raise ValueError, saying why, for a job that can't be undone (not an import, still running,
    already undone or being undone)."""
    if job.kind != Job.Kind.IMPORT:
        raise ValueError("Only an import can be undone.")
    if not job.finished or job.state == State.UNDONE:
        raise ValueError(f"This import is {job.get_state_display().lower()}: it can't be undone now.")
    undo_job = ImportProgress.from_dict(job.progress).undo_job
    if undo_job:
        raise ValueError(f"This import is being undone by job {undo_job}.")


def undo_summary(job: Job) -> str:
    """What undoing import `job` will do, said before it is done (ValueError if it can't be)."""
    check_undoable(job)
    pages = JobRow.objects.filter(job=job, outcome=Outcome.ADDED).count()
    updated = JobRow.objects.filter(job=job, outcome=Outcome.UPDATED).count()
    spec = ImportInput.from_dict(job.input)
    parts = []
    if updated:
        they = "it was" if updated == 1 else "they were"
        parts.append(f"{updated} page{'s' if updated != 1 else ''} it updated will be put back as {they}")
    if pages or spec.created_database or not updated:
        parts.append(f"{pages} page{'s' if pages != 1 else ''} it added will be moved to Notion's trash")
    summary = ", and ".join(parts)
    if spec.created_database:
        named = f"“{spec.title}” " if spec.title else ""
        summary += f", and then the database {named}it made, with whatever was added to it since"
    return summary[0].upper() + summary[1:] + "."


def start_undo_job(*, user: User, job: Job) -> Job:
    """Queue the undoing of import `job`: its pages to Notion's trash, then its database if it made it.

    Raises ValueError, saying why, for a job that can't be undone (`check_undoable`).
    """
    check_undoable(job)
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        progress = ImportProgress.from_dict(locked.progress)
        if progress.undo_job:
            raise ValueError(f"This import is being undone by job {progress.undo_job}.")
        pages = JobRow.objects.filter(job=job, outcome__in=(Outcome.ADDED, Outcome.UPDATED)).count()
        undo = Job.objects.create(
            kind=Job.Kind.UNDO,
            owner=user,
            total=pages,
            input=UndoInput(import_job=job.pk).as_dict(),
            step="Waiting for a worker",
        )
        progress.undo_job = undo.pk
        locked.progress.update(progress.as_dict())
        save(locked, "progress")
        run_job.enqueue(undo.pk)  # once the import names its undo job: the undo may run at once
    return undo


class UndoJob(JobKind):
    unit = "pages"
    resumable = ()  # undone again from the import's page instead, by a new undo job

    def run(self, job: Job) -> None:
        imported = _imported(job)
        spec = ImportInput.from_dict(imported.input)
        progress = UndoProgress.from_dict(job.progress)
        context = AuditContext(
            correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
        )
        try:
            if not _restore_pages(job, imported, context) or not _trash_pages(job, imported, context):
                return _finish_undo(job, imported, State.CANCELLED)
            if spec.created_database and not progress.database_trashed:
                move_to_trash(object_id=spec.database_id, what="database", context=context)
                progress.database_trashed = True
                job.progress.update(progress.as_dict())
                save(job, "progress")
        except NotionError as error:
            hint = error.hint.removesuffix(MAYBE_DONE)
            return _finish_undo(job, imported, State.FAILED, hint=hint, error=error.as_dict())
        _finish_undo(job, imported, State.DONE)

    def finish(self, job: Job, state: str, *, hint: str = "") -> None:
        _finish_undo(job, _imported(job), state, hint=hint)

    def counts_text(self, job: Job) -> str:
        pages = f"{job.done} of {job.total} page{'s' if job.total != 1 else ''}"
        counts = f"{pages} undone (put back as they were, or moved to Notion's trash)"
        if not JobRow.objects.filter(
            job=_imported(job), outcome__in=(Outcome.UPDATED, Outcome.RESTORED)
        ).exists():
            counts = f"{pages} moved to Notion's trash"
        if ImportInput.from_dict(_imported(job).input).created_database:
            trashed = UndoProgress.from_dict(job.progress).database_trashed
            counts += "; the database: " + ("moved to the trash" if trashed else "not yet")
        return counts

    def page_facts(self, job: Job) -> dict[str, Any]:
        return {**super().page_facts(job), "undo_of": UndoInput.from_dict(job.input).import_job}


def _imported(job: Job) -> Job:
    return Job.objects.get(pk=UndoInput.from_dict(job.input).import_job)


def _restore_pages(job: Job, imported: Job, context: AuditContext) -> bool:
    """Put back the properties the import changed, in line order; False if cancelled first.
    Sending them again after a lost answer is harmless."""
    return _undo_rows(
        job,
        imported,
        Outcome.UPDATED,
        Outcome.RESTORED,
        lambda row: update_page(page_id=row.page_id, values=row.before or {}, context=context),
    )


def _trash_pages(job: Job, imported: Job, context: AuditContext) -> bool:
    """Move each page the import added to the trash, in line order; False if cancelled first."""
    return _undo_rows(
        job,
        imported,
        Outcome.ADDED,
        Outcome.TRASHED,
        lambda row: move_to_trash(object_id=row.page_id, context=context),
    )


def _undo_rows(job: Job, imported: Job, was: str, undone: str, undo: Callable[[JobRow], object]) -> bool:
    """`undo` each row of the import that ended `was`, in line order, marking it `undone` with the
    job's count in one transaction; False if the job was cancelled first."""
    rows = JobRow.objects.filter(job=imported, outcome=was).order_by("line")
    for row in rows.iterator(chunk_size=500):
        if cancel_requested(job):
            return False
        undo(row)
        row.outcome = undone
        with transaction.atomic():
            row.save(update_fields=["outcome"])
            job.done += 1
            job.step = f"{job.done}/{job.total} pages undone"
            save(job, "done", "step")
    return True


def _finish_undo(job: Job, imported: Job, state: str, *, hint: str = "", **result: Any) -> None:
    trashed = JobRow.objects.filter(job=imported, outcome=Outcome.TRASHED).count()
    restored = JobRow.objects.filter(job=imported, outcome=Outcome.RESTORED).count()
    summary = (
        f"{trashed} page{'s' if trashed != 1 else ''} of import job {imported.pk} moved to Notion's trash"
    )
    if restored:
        summary += f", {restored} page{'s' if restored != 1 else ''} it updated put back as they were"
    if UndoProgress.from_dict(job.progress).database_trashed:
        summary += ", and the database it made"
    summary += "."
    if state == State.DONE:
        imported.state = State.UNDONE
        imported.result = {
            **imported.result,
            "hint": f"{imported.result.get('hint', '')} Undone by job {job.pk}.",
        }
        save(imported, "state", "result")
        ImportInput.from_dict(imported.input).remove_file()
    else:
        progress = ImportProgress.from_dict(imported.progress)
        progress.undo_job = None  # it may be undone again, from where this stopped
        imported.progress.update(progress.as_dict())
        save(imported, "progress")
        summary += " The rest can be undone again from the import's page." + (f" {hint}" if hint else "")
    end(
        job,
        state,
        skipped=0,
        failed=1 if state == State.FAILED else 0,
        hint=("Cancelled: " if state == State.CANCELLED else "") + summary,
        link={
            "href": reverse("job", args=[imported.pk]),
            "label": f"Import job {imported.pk}",
            "external": False,
        },
        **result,
    )
