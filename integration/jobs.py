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
from django.db import transaction
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskContext, task

from integration.http.audit import AuditContext
from integration.http.masking import mask_json
from integration.imports import csvfile
from integration.models import Job, NotionRequestLog, Source, WorkerBeat
from integration.notion import content
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.errors import MAYBE_DONE, NotionError
from integration.notion.pages import create_page
from integration.notion.selectors import find_page_by_text
from integration.notion.workspace import workspace

logger = logging.getLogger(__name__)

State = Job.State


def start_content_job(
    *, user: Any, page_id: str, text: str, text_format: str, parts: int, correlation_id: Any
) -> Job:
    """Queue content of `parts` requests for `page_id`; its requests go under `correlation_id`."""
    with transaction.atomic():  # a job is queued, or there is none
        job = Job.objects.create(
            kind=Job.Kind.CONTENT,
            owner=user,
            total=parts,
            correlation_id=correlation_id,
            # The token never reaches the database, even typed into the content by mistake.
            input=mask_json({"page_id": page_id, "content": text, "format": text_format}),
            step="Waiting for a worker",
        )
        run_job.enqueue(job.pk)
    return job


def cancel_job(job: Job) -> None:
    """Stop `job`: at once if it has not started, else before its next request to Notion."""
    now = timezone.now()
    queued = Job.objects.filter(pk=job.pk, state=State.QUEUED)
    if queued.update(
        state=State.CANCELLED,
        cancel_requested=True,
        skipped=job.total - job.done,
        step="",
        result={"hint": f"Cancelled before it started: none of its {job.total} parts was sent."},
        finished_at=now,
        updated_at=now,
    ):
        return
    Job.objects.filter(pk=job.pk).exclude(state__in=Job.FINISHED).update(
        cancel_requested=True, updated_at=now
    )


@task(takes_context=True)
def run_job(context: TaskContext, job_id: int) -> None:
    worker_ids = context.task_result.worker_ids
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=State.QUEUED).update(
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
    except Exception:
        logger.exception("Background job %s failed (error %s)", job.pk, job.correlation_id)
        if job.kind == Job.Kind.IMPORT:
            _finish_import(
                job,
                State.FAILED,
                hint=f"Something went wrong in this app, not in Notion; it was logged as error "
                f"{job.correlation_id}.",
            )
            return
        _finish(
            job,
            State.FAILED,
            failed=1,
            hint=f"Something went wrong in this app, not in Notion; it was logged as error "
            f"{job.correlation_id}." + content.parts_report(job.done + 1, job.total, maybe_done=True),
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
        progress["ids"] = {str(ref): block_id for ref, block_id in ids.items()}
        if number == 1 and results and isinstance(results[0], dict):
            progress["first_block"] = results[0].get("id", "")
        _save(job, "done", "progress")

    if cancelled():
        _cancelled(job)
        return
    mark_started()
    page_id = job.input["page_id"]
    context = AuditContext(
        correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
    )
    try:
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
        )
    except NotionError as error:
        if error.code == "client_gone":  # keep_going() said stop: the job was cancelled
            _cancelled(job)
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


def start_import_job(*, user: Any, file: Path, total: int, input: dict[str, Any], correlation_id: Any) -> Job:
    """Queue the import of the `total` rows of the CSV `file` (a copy kept for the job) as `input` says:
    `data_source_id`, `database_id`, `url`, `header`, `schema` (csvfile.schema), `delimiter`, `source`
    (for the rows' keys)."""
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


def _import_rows(job: Job) -> None:
    """Create a page for each row of the job's file, from the first row not yet handled.

    `progress` holds `next` (records handled), `bad` (rows skipped, as [line, column, message]),
    `failed` (rows Notion refused) and `pending`, the key of a row whose page may have been made
    (its request went out, no answer came back): that key is looked for before the row is sent again.
    """
    progress = job.progress
    progress.setdefault("next", 0)
    progress.setdefault("bad", [])
    progress.setdefault("failed", [])
    spec = job.input
    source_id, schema = spec["data_source_id"], spec["schema"]
    header_names = spec["header"]  # a JSON object's keys keep no order in PostgreSQL
    title_name = next(name for name, prop in schema.items() if prop["type"] == "title")
    title_index = header_names.index(title_name)
    context = AuditContext(
        correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
    )
    seen: dict[str, int] = {}  # key → the line of the row that has it

    def cancelled() -> bool:
        return Job.objects.filter(pk=job.pk, cancel_requested=True).exists()

    def skip(bad: csvfile.BadRow) -> None:
        progress["bad"].append([bad.line, bad.column, bad.message])

    def handled() -> None:
        progress["next"] += 1
        job.step = f"{progress['next']}/{job.total} rows"
        _save(job, "done", "progress", "step")

    def already_there(key: str) -> bool:
        with notion_client(context) as client:
            return find_page_by_text(client, source_id, IMPORT_KEY, key) is not None

    with open(spec["file"], "rb") as file:
        reader = csvfile.read_csv(file, delimiter=spec["delimiter"])
        if list(reader.header) != header_names:
            raise ValueError(f"The file of job {job.pk} no longer has the columns it was imported with.")
        for index, row in enumerate(reader):
            key = None
            if isinstance(row, csvfile.Row):
                key = csvfile.import_key(reader.header, row.values, source=spec["source"])
            if index < progress["next"]:  # handled by an earlier run
                if key is not None:
                    seen.setdefault(key, row.line)
                continue
            if cancelled():
                return _finish_import(job, State.CANCELLED)
            if isinstance(row, csvfile.BadRow):
                skip(row)
                handled()
                continue
            assert key is not None
            if key in seen:
                skip(csvfile.BadRow(row.line, None, f"The same as line {seen[key]}: imported once."))
                handled()
                continue
            seen[key] = row.line
            values = csvfile.convert_row(reader.header, row, schema, decimal=reader.decimal)
            if isinstance(values, list):
                for bad in values:
                    skip(bad)
                handled()
                continue
            if progress.get("pending") == key:
                try:
                    found = already_there(key)
                except NotionError as error:  # still unknown: the key stays pending
                    return _finish_import(
                        job,
                        State.FAILED,
                        hint=f"Line {row.line} may have been added, and looking for it failed: {error.hint}"
                        + _resume_hint(job),
                        error=error.as_dict(),
                    )
                if found:
                    job.done += 1
                    progress.pop("pending")
                    handled()
                    continue
            try:
                progress["pending"] = key
                _save(job, "progress")
                values.pop(title_name, None)
                create_page(
                    data_source_id=source_id,
                    title=row.values[title_index].strip(),
                    values={**values, IMPORT_KEY: {"rich_text": rich_text(key)}},
                    context=context,
                )
            except NotionError as error:
                if error.maybe_done:
                    _save(job, "progress")
                    return _finish_import(
                        job,
                        State.FAILED,
                        hint=f"Line {row.line} may have been added: {error.hint.removesuffix(MAYBE_DONE)}"
                        + _resume_hint(job),
                        error=error.as_dict(),
                    )
                progress.pop("pending", None)
                if error.status == 400:  # Notion refused this row only
                    progress["failed"].append([row.line, None, error.hint])
                    handled()
                    continue
                return _finish_import(job, State.FAILED, hint=error.hint, error=error.as_dict())
            job.done += 1
            progress.pop("pending", None)
            handled()
    _finish_import(job, State.DONE)


def _resume_hint(job: Job) -> str:
    return (
        f" Resume the job (manage.py import_csv --resume {job.pk}): it looks for that row in the "
        "data source before adding it again."
    )


def _finish_import(job: Job, state: str, *, hint: str = "", **result: Any) -> None:
    progress = job.progress
    bad, failed = progress.get("bad", []), progress.get("failed", [])
    left = job.total - progress.get("next", 0) - (1 if progress.get("pending") else 0)
    counts = f"{job.done} of {job.total} rows added"
    if bad:
        counts += f", {len(bad)} skipped"
    if failed:
        counts += f", {len(failed)} refused by Notion"
    if left and state != State.DONE:
        counts += f", {left} not sent"
    summary = counts + "." + (f" {hint}" if hint else "")
    if state == State.CANCELLED:
        summary = f"Cancelled: {summary}"
    _finish(
        job,
        state,
        failed=len(failed) + (1 if progress.get("pending") else 0),
        skipped=len(bad),
        hint=summary,
        bad_rows=(bad + failed)[:BAD_ROWS_KEPT],
        link=workspace().link(job.input["database_id"], job.input.get("url")).as_dict(),
        **result,
    )


def resume_job(job: Job) -> bool:
    """Queue a failed or cancelled import job again; it goes on from the first row not handled."""
    if job.kind != Job.Kind.IMPORT:
        return False
    with transaction.atomic():
        resumed = Job.objects.filter(pk=job.pk, state__in=(State.FAILED, State.CANCELLED)).update(
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


RUNNERS = {Job.Kind.CONTENT: _send_content, Job.Kind.IMPORT: _import_rows}


def record_beat(worker_id: str) -> None:
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"seen_at": timezone.now()})


def _live_since() -> datetime:
    return timezone.now() - timedelta(seconds=settings.JOBS_WORKER_TIMEOUT)


def worker_seen_lately() -> bool:
    return WorkerBeat.objects.filter(seen_at__gte=_live_since()).exists()


def requeue_orphans() -> list[int]:
    """Put back in the queue the running jobs of workers not heard from lately; their IDs."""
    alive = WorkerBeat.objects.filter(seen_at__gte=_live_since()).values_list("worker_id", flat=True)
    requeued = []
    for job in Job.objects.filter(state=State.RUNNING).exclude(worker_id__in=list(alive)):
        if Job.objects.filter(pk=job.pk, state=State.RUNNING, worker_id=job.worker_id).update(
            state=State.QUEUED, worker_id="", step="Waiting for a worker: the last one stopped"
        ):
            run_job.enqueue(job.pk)
            requeued.append(job.pk)
    WorkerBeat.objects.filter(seen_at__lt=timezone.now() - timedelta(days=1)).delete()
    return requeued


def seconds_left(job: Job) -> int | None:
    """An estimate of the time the job still needs, from its pace so far; None before any part."""
    if job.finished or not job.done or job.started_at is None:
        return None
    elapsed = (timezone.now() - job.started_at).total_seconds()
    return round(elapsed / job.done * (job.total - job.done))


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


def job_status(job: Job) -> dict[str, Any]:
    """What the job page shows of a job, and its script reads as JSON."""
    left = seconds_left(job)
    unit = "rows" if job.kind == Job.Kind.IMPORT else "parts"
    counts = f"{job.done} of {job.total} {unit} added"
    if job.skipped or job.failed:
        counts += f", {job.failed} failed, {job.skipped} {'skipped' if unit == 'rows' else 'not sent'}"
    return {
        "counts_text": counts,
        "left_text": f"About {_duration(left)} left" if left is not None else "",
        "state": job.state,
        "state_label": job.get_state_display(),
        "finished": job.finished,
        "total": job.total,
        "done": job.done,
        "skipped": job.skipped,
        "failed": job.failed,
        "step": job.step,
        "seconds_left": seconds_left(job),
        "worker_seen": worker_seen_lately(),
        "url": reverse("job", args=[job.pk]),
    }
