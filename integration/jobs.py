"""Background jobs: work for Notion done by a `db_worker` process, with its progress on record.

`start_content_job` queues content too long to send within a web request; `run_job` is the task
a worker runs; `cancel_job` stops a job before its next request to Notion. Workers beat while
they live (`record_beat`); the running jobs of a worker not heard from lately go back in the
queue (`requeue_orphans`) and the next worker goes on where it stopped, never resending a part
that may have reached Notion.
"""

import logging
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskContext, default_task_backend, task

from integration import attachments
from integration.imports import csvfile
from integration.masking import mask_json
from integration.models import AuditContext, Job, JobRow, NotionRequestLog, Source, WorkerBeat
from integration.notion import content
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.errors import MAYBE_DONE, NotionError
from integration.notion.files import LocalFile, upload_file, upload_status
from integration.notion.pages import create_page, move_to_trash
from integration.notion.selectors import find_page_by_text
from integration.notion.workspace import workspace

logger = logging.getLogger(__name__)

State = Job.State


def start_content_job(
    *,
    user: Any,
    page_id: str,
    text: str,
    text_format: str,
    parts: int,
    correlation_id: Any,
    files: list[LocalFile] | None = None,
) -> Job:
    """Queue content of `parts` requests for `page_id`; its requests go under `correlation_id`.

    `files` (copies the job owns, removed when it finishes) are uploaded by the job first.
    """
    with transaction.atomic():  # a job is queued, or there is none
        job = Job.objects.create(
            kind=Job.Kind.CONTENT,
            owner=user,
            total=parts,
            correlation_id=correlation_id,
            # The token never reaches the database, even typed into the content by mistake.
            input=mask_json(
                {
                    "page_id": page_id,
                    "content": text,
                    "format": text_format,
                    "files": [attachments.file_dict(file) for file in files or []],
                }
            ),
            step="Waiting for a worker",
        )
        run_job.enqueue(job.pk)
    return job


def cancel_job(job: Job) -> None:
    """Stop `job`: at once if it is not running, else before its next request to Notion."""
    now = timezone.now()
    waiting = Job.objects.filter(pk=job.pk, state__in=(State.QUEUED, State.PAUSED))
    if waiting.update(state=State.CANCELLED, cancel_requested=True, updated_at=now):
        job.refresh_from_db()
        if job.kind == Job.Kind.IMPORT:
            _finish_import(job, State.CANCELLED)
        elif job.kind == Job.Kind.UNDO:
            _finish_undo(job, Job.objects.get(pk=job.input["import_job"]), State.CANCELLED)
        else:
            _finish(
                job,
                State.CANCELLED,
                hint=f"Cancelled before it started: none of its {job.total} parts was sent.",
            )
        return
    Job.objects.filter(pk=job.pk).exclude(state__in=Job.FINISHED).update(
        cancel_requested=True, updated_at=now
    )


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> None:
    worker_ids = context.task_result.worker_ids
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state__in=(State.QUEUED, State.PAUSED)).update(
        state=State.RUNNING,
        worker_id=worker_ids[-1] if worker_ids else "",
        started_at=Coalesce("started_at", now),
        updated_at=now,
    )
    if not claimed:  # cancelled before it started, or taken by another worker
        return
    job = Job.objects.select_related("owner").get(pk=job_id)
    try:
        RUNNERS[job.kind](job)
    except (OperationalError, InterfaceError):  # the database went away: the worker waits, then requeues it
        raise
    except Exception:
        logger.exception("Background job %s failed (error %s)", job.pk, job.correlation_id)
        hint = (
            f"Something went wrong in this app, not in Notion; it was logged as error {job.correlation_id}."
        )
        if job.kind == Job.Kind.IMPORT:
            _finish_import(job, State.FAILED, hint=hint)
            return
        if job.kind == Job.Kind.UNDO:
            _finish_undo(job, Job.objects.get(pk=job.input["import_job"]), State.FAILED, hint=hint)
            return
        _finish(
            job,
            State.FAILED,
            failed=1,
            hint=hint + content.parts_report(job.done + 1, job.total, maybe_done=True),
        )


def _save(job: Job, *fields: str) -> None:
    job.updated_at = timezone.now()
    job.save(update_fields=[*fields, "updated_at"])


def _finish(
    job: Job, state: str, *, failed: int = 0, skipped: int | None = None, hint: str = "", **result: Any
) -> None:
    job.state, job.failed, job.step = state, failed, ""
    job.skipped = max(0, job.total - job.done - failed) if skipped is None else skipped
    job.result = mask_json({"hint": hint.strip(), **result})
    job.finished_at = timezone.now()
    _save(job, "state", "failed", "skipped", "step", "result", "finished_at")
    if job.kind == Job.Kind.CONTENT:
        attachments.remove_kept(_files(job))


def _files(job: Job) -> list[LocalFile]:
    return [attachments.from_dict(one) for one in job.input.get("files", [])]


def _upload_files(job: Job, context: AuditContext) -> dict[str, str]:
    """The upload ID of each of the job's files, uploading those not uploaded yet, and again those
    whose upload expired at Notion (an hour after it was made, if nothing uses it by then)."""
    files = _files(job)
    uploaded: dict[str, str] = dict(job.progress.get("uploads", {}))
    for file in files:
        upload_id = uploaded.get(file.name)
        if upload_id and upload_status(upload_id, context=context).get("status") == "uploaded":
            continue
        job.step = f"Uploading {file.name}" + (" again: its upload had expired" if upload_id else "")
        _save(job, "step")
        uploaded[file.name] = upload_file(file, context=context)
        job.progress["uploads"] = uploaded
        _save(job, "progress")
    return uploaded


def _may_have_gone_since(job: Job, moment: str) -> bool:
    """Whether any request of `job` went out since `moment`: each has its history row first."""
    since = datetime.fromisoformat(moment)
    return NotionRequestLog.objects.filter(correlation_id=job.correlation_id, created_at__gte=since).exists()


def _send_content(job: Job) -> None:
    progress = job.progress
    started = progress.get("started", 0)
    if started > job.done and _may_have_gone_since(job, progress["started_at"]):
        _finish(
            job,
            State.FAILED,
            failed=1,
            hint=f"The worker sending this job stopped while part {started} was on its way to Notion."
            + content.parts_report(started, job.total, maybe_done=True),
        )
        return
    ids = {int(ref): block_id for ref, block_id in progress.get("ids", {}).items()}

    def mark_started() -> None:
        progress.update(started=job.done + 1, started_at=timezone.now().isoformat())
        job.step = f"Sending part {job.done + 1} of {job.total}"
        _save(job, "progress", "step")

    def cancelled() -> bool:
        return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()

    def keep_going() -> bool:
        if cancelled():
            return False
        mark_started()
        return True

    def on_part(number: int, results: list) -> None:
        job.done = number
        progress.pop("pauses", None)
        progress["ids"] = {str(ref): block_id for ref, block_id in ids.items()}
        if number == 1 and results and isinstance(results[0], dict):
            progress["first_block"] = results[0].get("id", "")
        _save(job, "done", "progress")

    if cancelled():
        _cancelled(job)
        return
    page_id = job.input["page_id"]
    context = AuditContext(
        correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
    )
    files = _files(job)
    try:
        uploaded = _upload_files(job, context)
        mark_started()
        added = content.append_content(
            page_id=page_id,
            content=job.input["content"],
            text_format=job.input.get("format") or content.PLAIN,
            context=context,
            max_requests=settings.NOTION_CONTENT_MAX_REQUESTS,
            keep_going=keep_going,
            done=job.done,
            ids=ids,
            on_part=on_part,
            files=[(file.name, file.content_type) for file in files],
            uploaded=uploaded,
        )
    except NotionError as error:
        if error.code == "client_gone":  # keep_going() said stop: the job was cancelled
            _cancelled(job)
        elif _is_outage(error) and not error.maybe_done:  # Notion did nothing: try again later
            progress["started"] = job.done
            _pause(job, error.hint, error)
        else:
            _finish(job, State.FAILED, failed=1, hint=error.hint, error=error.as_dict())
        return
    count = added.count
    _finish(
        job,
        State.DONE,
        hint=f"{count} block{'s' if count != 1 else ''} added in {job.total} parts.",
        ids=[["First block ID", progress.get("first_block", "")], ["Page ID", page_id]],
        link=workspace().link(page_id).as_dict(),
    )


def _cancelled(job: Job) -> None:
    _finish(
        job,
        State.CANCELLED,
        hint=f"Cancelled: {job.done} of {job.total} parts were added; the rest were not sent.",
    )


IMPORT_KEY = "Import key"  # the rich_text column each imported page keeps its row's key in
BAD_ROWS_KEPT = 100  # bad rows listed in a job's result; the count has them all
PAUSE_FIRST = 30  # seconds before the first try after Notion stopped answering; doubled each time
PAUSE_LONGEST = 600
PAUSES = 6  # tries in a row without progress before the job gives up (about 25 minutes)
LOST_ANSWERS = 2  # a row whose answer was lost is looked for and sent again this often before a pause
Outcome = JobRow.Outcome


def start_import_job(*, user: Any, file: Path, total: int, input: dict[str, Any], correlation_id: Any) -> Job:
    """Queue the import of the `total` rows of the CSV `file` (a copy kept for the job) as `input` says:
    `data_source_id`, `database_id`, `url`, `header`, `schema` (csvfile.schema), `delimiter`, `source`
    (for the rows' keys), `created_database` (whether undoing the import trashes the database too)."""
    with transaction.atomic():
        job = Job.objects.create(
            kind=Job.Kind.IMPORT,
            owner=user,
            total=total,
            correlation_id=correlation_id,
            input=mask_json({**input, "file": str(file)}),
            step="Waiting for a worker",
        )
        run_job.enqueue(job.pk)
    return job


class _Paused(Exception):
    """Notion stopped answering, or answered that it is overloaded: try the job again later."""

    def __init__(self, hint: str, error: NotionError) -> None:
        super().__init__(hint)
        self.hint, self.error = hint, error


# Errors of the app's own, with no status, that no later try can mend: the content itself is refused.
REFUSED_AS_IT_IS = ("unexpected_response", "too_long", "too_deep")


def _is_outage(error: NotionError) -> bool:
    """Whether the error says Notion (or the way to it) is away for now, not that the request is wrong."""
    return (
        error.maybe_done
        or error.status in (409, 429, 529)
        or (error.status or 0) >= 500
        or (error.status is None and error.code not in REFUSED_AS_IT_IS)
    )


def _import_rows(job: Job) -> None:
    """Create a page for each row of the job's file, from the first row not yet handled.

    `progress["next"]` counts the records handled; each handled row has its JobRow, written with
    it in one transaction. A row whose request went out has a `pending` JobRow until Notion's
    answer is in: if none came back, its key is looked for in the data source before it is sent again.
    """
    progress = job.progress
    progress.setdefault("next", 0)
    _count_rows(job)  # what earlier runs did; each row handled from here adds to it
    spec = job.input
    source_id, schema = spec["data_source_id"], spec["schema"]
    header_names = spec["header"]  # a JSON object's keys keep no order in PostgreSQL
    title_name = next(name for name, prop in schema.items() if prop["type"] == "title")
    title_index = header_names.index(title_name)
    context = AuditContext(
        correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
    )

    def cancelled() -> bool:
        return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()

    def handled(*rows: JobRow) -> None:
        """Record the row's end and move on, in one transaction: the counts stay those of the rows."""
        progress["next"] += 1
        job.step = f"{progress['next']}/{job.total} rows"
        outcome = rows[0].outcome  # a row skipped for several cells has a record for each
        if outcome == Outcome.ADDED:
            job.done += 1
        elif outcome == Outcome.REFUSED:
            job.failed += 1
        else:
            job.skipped += 1
        with transaction.atomic():
            for row in rows:
                row.save()
            _save(job, "done", "skipped", "failed", "progress", "step")

    def skipped(line: int, column: str | None, message: str) -> JobRow:
        return JobRow(job=job, line=line, outcome=Outcome.SKIPPED, column=column or "", message=message)

    def look_for(key: str, line: int) -> str | None:
        try:
            with notion_client(context) as client:
                page = find_page_by_text(client, source_id, IMPORT_KEY, key)
        except NotionError as error:
            if _is_outage(error):
                raise _Paused(
                    f"Line {line} may have been added, and looking for it failed: {error.hint}", error
                ) from error
            raise
        return page["id"] if page else None

    def send(record: JobRow, line: int, title: str, values: dict[str, Any]) -> str:
        """The ID of the row's page: found, if an earlier request for it went unanswered, or made.

        An unanswered request is looked for at once and the row sent again if Notion has no such
        page, LOST_ANSWERS times at most; then, or when Notion is away, the job pauses (_Paused).
        """
        for _ in range(LOST_ANSWERS + 1):
            if record.pk is not None:
                found = look_for(record.key, line)
                if found:
                    return found
            else:
                record.save()
            try:
                page = create_page(
                    data_source_id=source_id,
                    title=title,
                    values={**values, IMPORT_KEY: {"rich_text": rich_text(record.key)}},
                    context=context,
                )
            except NotionError as error:
                if not _is_outage(error):
                    raise
                hint = error.hint.removesuffix(MAYBE_DONE)
                if not error.maybe_done:
                    raise _Paused(hint, error) from error
                record.message = "Sent, no answer: looked for before it is sent again."
                record.save(update_fields=["message"])
                lost = _Paused(f"Line {line} may have been added: {hint}", error)
                continue
            return page["id"]
        raise lost

    with open(spec["file"], "rb") as file:
        reader = csvfile.read_csv(file, delimiter=spec["delimiter"])
        if list(reader.header) != header_names:
            raise ValueError(f"The file of job {job.pk} no longer has the columns it was imported with.")
        for index, row in enumerate(reader):
            if index < progress["next"]:  # handled by an earlier run
                continue
            if cancelled():
                return _finish_import(job, State.CANCELLED)
            if isinstance(row, csvfile.BadRow):
                handled(skipped(row.line, row.column, row.message))
                continue
            key = csvfile.import_key(reader.header, row.values, source=spec["source"])
            earlier = JobRow.objects.filter(job=job, key=key).first()
            if earlier is not None and earlier.line != row.line:
                handled(skipped(row.line, None, f"The same as line {earlier.line}: imported once."))
                continue
            values = csvfile.convert_row(reader.header, row, schema, decimal=reader.decimal)
            if isinstance(values, list):
                handled(*(skipped(bad.line, bad.column, bad.message) for bad in values))
                continue
            record = earlier or JobRow(job=job, line=row.line, key=key, outcome=Outcome.PENDING)
            values.pop(title_name, None)
            try:
                record.page_id = send(record, row.line, row.values[title_index].strip(), values)
            except _Paused as pause:
                return _pause(job, pause.hint, pause.error)
            except NotionError as error:
                if error.status == 400:  # Notion refused this row only
                    record.outcome, record.message = Outcome.REFUSED, error.hint
                    handled(record)
                    continue
                if record.pk is not None and not record.message:  # Notion answered: nothing was made
                    record.delete()
                return _finish_import(job, State.FAILED, hint=error.hint, error=error.as_dict())
            record.outcome, record.message = Outcome.ADDED, ""
            progress.pop("pauses", None)
            handled(record)
    _finish_import(job, State.DONE)


def _count_rows(job: Job) -> None:
    counts = dict(
        JobRow.objects.filter(job=job)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    job.done = counts.get(Outcome.ADDED, 0) + counts.get(Outcome.TRASHED, 0)
    job.failed = counts.get(Outcome.REFUSED, 0)
    job.skipped = JobRow.objects.filter(job=job, outcome=Outcome.SKIPPED).values("line").distinct().count()


def _pause(job: Job, hint: str, error: NotionError) -> None:
    """Stop for now; a worker tries again later, where the job stopped, up to PAUSES times in a row."""
    is_import = job.kind == Job.Kind.IMPORT
    pauses = job.progress.get("pauses", 0) + 1
    deferred = default_task_backend.supports_defer
    if pauses > PAUSES:
        job.progress.pop("pauses", None)
        hint = f"{hint} Notion did not answer {PAUSES} times in a row."
        if is_import:
            return _finish_import(job, State.FAILED, hint=hint + _resume_hint(job), error=error.as_dict())
        report = content.parts_report(job.done + 1, job.total, maybe_done=False)
        return _finish(job, State.FAILED, failed=1, hint=hint + report, error=error.as_dict())
    wait = min(PAUSE_LONGEST, PAUSE_FIRST * 2 ** (pauses - 1))
    until = timezone.now() + timedelta(seconds=wait)
    job.progress.update(
        pauses=pauses, paused={"hint": hint, "until": until.isoformat(), "error": error.as_dict()}
    )
    job.state = State.PAUSED
    if is_import:
        _count_rows(job)
    later = f" Trying again at {timezone.localtime(until):%H:%M:%S}." if deferred else ""
    if not deferred and is_import:
        later = _resume_hint(job)
    unit = "rows" if is_import else "parts"
    job.step = f"Paused after {job.done} of {job.total} {unit}: {hint}{later}"
    with transaction.atomic():
        _save(job, "state", "step", "progress", "done", "skipped", "failed")
        if deferred:
            run_job.using(run_after=until).enqueue(job.pk)


def _resume_hint(job: Job) -> str:
    return (
        f" Resume the job (manage.py import_csv --resume {job.pk}): it looks for a row that may have been "
        "added before adding it again."
    )


def _finish_import(job: Job, state: str, *, hint: str = "", **result: Any) -> None:
    _count_rows(job)
    pending = JobRow.objects.filter(job=job, outcome=Outcome.PENDING).exists()
    left = job.total - job.progress.get("next", 0) - (1 if pending else 0)
    counts = f"{job.done} of {job.total} rows added"
    if job.skipped:
        counts += f", {job.skipped} skipped"
    if job.failed:
        counts += f", {job.failed} refused by Notion"
    if pending:
        counts += ", 1 not known"
    if left and state != State.DONE:
        counts += f", {left} not sent"
    summary = counts + "." + (f" {hint}" if hint else "")
    if state == State.CANCELLED:
        summary = f"Cancelled: {summary}"
    bad = JobRow.objects.filter(job=job, outcome__in=(Outcome.SKIPPED, Outcome.REFUSED))
    job.progress.pop("paused", None)
    _finish(
        job,
        state,
        failed=job.failed + (1 if pending else 0),
        skipped=job.skipped,
        hint=summary,
        bad_rows=[[r.line, r.column or None, r.message] for r in bad[:BAD_ROWS_KEPT]],
        link=workspace().link(job.input["database_id"], job.input.get("url")).as_dict(),
        **result,
    )
    _save(job, "progress")
    if state == State.DONE:
        _remove_file(job)


def _remove_file(job: Job) -> None:
    """The job's copy of its file is kept while the job may be resumed, and no longer."""
    name = job.input.get("file")
    if name:
        Path(name).unlink(missing_ok=True)


def resume_job(job: Job) -> bool:
    """Queue a failed, cancelled or paused import job, or paused content, again at once; it goes on
    from the first row or part not done."""
    if job.kind == Job.Kind.UNDO:
        return False
    states = (State.FAILED, State.CANCELLED, State.PAUSED) if job.kind == Job.Kind.IMPORT else (State.PAUSED,)
    with transaction.atomic():
        resumed = Job.objects.filter(pk=job.pk, state__in=states).update(
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


def start_undo_job(*, user: Any, job: Job) -> Job:
    """Queue the undoing of import `job`: its pages to Notion's trash, then its database if it made it.

    Raises ValueError, saying why, for a job that can't be undone (not an import, still running,
    already undone or being undone).
    """
    if job.kind != Job.Kind.IMPORT:
        raise ValueError("Only an import can be undone.")
    if not job.finished or job.state == State.UNDONE:
        raise ValueError(f"This import is {job.get_state_display().lower()}: it can't be undone now.")
    with transaction.atomic():
        locked = Job.objects.select_for_update().get(pk=job.pk)
        if locked.progress.get("undo_job"):
            raise ValueError(f"This import is being undone by job {locked.progress['undo_job']}.")
        pages = JobRow.objects.filter(job=job, outcome=Outcome.ADDED).count()
        created = bool(job.input.get("created_database"))
        undo = Job.objects.create(
            kind=Job.Kind.UNDO,
            owner=user,
            total=pages + (1 if created else 0),
            input={"import_job": job.pk},
            step="Waiting for a worker",
        )
        locked.progress["undo_job"] = undo.pk
        _save(locked, "progress")
        run_job.enqueue(undo.pk)
    return undo


def _undo_import(job: Job) -> None:
    """Move each page an import added to the trash, then the database it made; resumable."""
    imported = Job.objects.get(pk=job.input["import_job"])
    spec = imported.input
    context = AuditContext(
        correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
    )
    rows = JobRow.objects.filter(job=imported, outcome=Outcome.ADDED).order_by("line")
    try:
        for row in rows.iterator(chunk_size=500):
            if Job.objects.filter(pk=job.pk, cancel_requested=True).exists():
                return _finish_undo(job, imported, State.CANCELLED)
            move_to_trash(object_id=row.page_id, context=context)
            row.outcome = Outcome.TRASHED
            with transaction.atomic():
                row.save(update_fields=["outcome"])
                job.done += 1
                job.step = f"{job.done}/{job.total} moved to the trash"
                _save(job, "done", "step")
        if spec.get("created_database") and not job.progress.get("database_trashed"):
            move_to_trash(object_id=spec["database_id"], what="database", context=context)
            job.progress["database_trashed"] = True
            job.done += 1
            _save(job, "done", "progress")
    except NotionError as error:
        return _finish_undo(
            job, imported, State.FAILED, hint=error.hint.removesuffix(MAYBE_DONE), error=error.as_dict()
        )
    _finish_undo(job, imported, State.DONE)


def _finish_undo(job: Job, imported: Job, state: str, *, hint: str = "", **result: Any) -> None:
    trashed = JobRow.objects.filter(job=imported, outcome=Outcome.TRASHED).count()
    summary = (
        f"{trashed} page{'s' if trashed != 1 else ''} of import job {imported.pk} moved to Notion's trash"
    )
    if job.progress.get("database_trashed"):
        summary += ", and the database it made"
    summary += "."
    if state == State.DONE:
        imported.state = State.UNDONE
        imported.result = {
            **imported.result,
            "hint": f"{imported.result.get('hint', '')} Undone by job {job.pk}.",
        }
        _save(imported, "state", "result")
        _remove_file(imported)
    else:
        imported.progress.pop("undo_job", None)  # it may be undone again, from where this stopped
        _save(imported, "progress")
        summary += " The rest can be undone again from the import's page." + (f" {hint}" if hint else "")
    _finish(
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


RUNNERS = {Job.Kind.CONTENT: _send_content, Job.Kind.IMPORT: _import_rows, Job.Kind.UNDO: _undo_import}


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


def _handled(job: Job) -> int:
    """How far the job got: rows read for an import (skipped ones too), else parts or pages done."""
    return job.progress.get("next", 0) if job.kind == Job.Kind.IMPORT else job.done


def seconds_left(job: Job) -> int | None:
    """An estimate of the time the job still needs, from its pace so far; None before any part."""
    handled = _handled(job)
    if job.finished or not handled or job.started_at is None:
        return None
    elapsed = (timezone.now() - job.started_at).total_seconds()
    return round(elapsed / handled * (job.total - handled))


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def job_summary(job: Job) -> dict[str, Any]:
    """What the job page offers besides the progress: resume, undo, and the jobs it is linked to."""
    is_import = job.kind == Job.Kind.IMPORT
    undo_job = job.progress.get("undo_job") if is_import else None
    return {
        "can_resume": job.state == State.PAUSED
        or (is_import and job.state in (State.FAILED, State.CANCELLED)),
        "can_undo": is_import and job.finished and job.state != State.UNDONE and not undo_job,
        "undo_job": undo_job,
        "undo_of": job.input.get("import_job") if job.kind == Job.Kind.UNDO else None,
        "created_database": is_import and bool(job.input.get("created_database")),
        "bad_rows": job.result.get("bad_rows", []) if job.finished else [],
    }


def job_status(job: Job) -> dict[str, Any]:
    """What the job page shows of a job, and its script reads as JSON."""
    left = seconds_left(job)
    if job.kind == Job.Kind.UNDO:
        counts = f"{job.done} of {job.total} moved to Notion's trash"
    elif job.kind == Job.Kind.IMPORT:
        counts = f"{_handled(job)} of {job.total} rows read: {job.done} added"
        if job.skipped or job.failed:
            counts += f", {job.skipped} skipped, {job.failed} failed"
    else:
        counts = f"{job.done} of {job.total} parts added"
        if job.skipped or job.failed:
            counts += f", {job.failed} failed, {job.skipped} not sent"
    return {
        "counts_text": counts,
        "left_text": f"About {_duration(left)} left" if left is not None else "",
        "state": job.state,
        "state_label": job.get_state_display(),
        "finished": job.finished,
        "total": job.total,
        "done": job.done,
        "handled": _handled(job),
        "skipped": job.skipped,
        "failed": job.failed,
        "step": job.step,
        "seconds_left": seconds_left(job),
        "worker_seen": worker_seen_lately(),
        "url": reverse("job", args=[job.pk]),
    }
