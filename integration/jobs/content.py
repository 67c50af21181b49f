"""The content job: form 3's content too long to send within a web request, sent part by part,
with the files it shows uploaded first (again, for an upload that expired at Notion meanwhile).

Before each part it records which part is on its way, so a worker taking over from a dead one
never sends again a part that may have reached Notion.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from integration import attachments
from integration.jobs.base import JobKind, cancel_requested, end, save
from integration.jobs.queue import gave_up, is_outage, made_progress, pause, queue_job, turn_over
from integration.models import AuditContext, Job, NotionRequestLog, Source
from integration.notion.content import PLAIN, AddedContent, append_content, parts_report
from integration.notion.errors import NotionError
from integration.notion.files import LocalFile, upload_file, upload_status
from integration.notion.workspace import workspace

State = Job.State


@dataclass(frozen=True)
class ContentInput:
    """What a content job sends (`Job.input`): `content` in `format` to `page_id`, with `files`
    (copies the job owns, removed when it finishes)."""

    page_id: str
    content: str
    format: str = PLAIN
    files: tuple[LocalFile, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "page_id": self.page_id,
            "content": self.content,
            "format": self.format,
            "files": [attachments.file_dict(file) for file in self.files],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ContentInput":
        return cls(
            page_id=data.get("page_id", ""),
            content=data.get("content", ""),
            format=data.get("format") or PLAIN,
            files=tuple(attachments.from_dict(one) for one in data.get("files", [])),
        )


@dataclass
class ContentProgress:
    """How far a content job got (its keys in `Job.progress`): the part on its way (`started`, since
    `started_at`), the IDs of the blocks parts made that later parts nest under, the first block
    made, and the upload ID of each file uploaded."""

    started: int = 0
    started_at: str = ""
    ids: dict[int, str] = field(default_factory=dict)
    first_block: str = ""
    uploads: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "started_at": self.started_at,
            "ids": {str(ref): block_id for ref, block_id in self.ids.items()},
            "first_block": self.first_block,
            "uploads": dict(self.uploads),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ContentProgress":
        return cls(
            started=data.get("started", 0),
            started_at=data.get("started_at", ""),
            ids={int(ref): block_id for ref, block_id in data.get("ids", {}).items()},
            first_block=data.get("first_block", ""),
            uploads=dict(data.get("uploads", {})),
        )


def start_content_job(
    *,
    user: User,
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
    spec = ContentInput(page_id=page_id, content=text, format=text_format, files=tuple(files or ()))
    return queue_job(
        kind=Job.Kind.CONTENT,
        user=user,
        total=parts,
        correlation_id=correlation_id,
        input=spec.as_dict(),
    )


class ContentJob(JobKind):
    unit = "parts"

    def run(self, job: Job) -> None:
        _Sending(job).run()

    def finish(self, job: Job, state: str, *, hint: str = "") -> None:
        if state == State.CANCELLED:
            if job.done:  # paused part-way, then cancelled
                hint = f"Cancelled: {job.done} of {job.total} parts were added; the rest were not sent."
            else:
                hint = f"Cancelled before it started: none of its {job.total} parts was sent."
            _end(job, state, hint=hint)
        else:
            report = parts_report(job.done + 1, job.total, maybe_done=True)
            _end(job, state, failed=1, hint=hint + report)

    def counts_text(self, job: Job) -> str:
        counts = f"{job.done} of {job.total} parts added"
        if job.skipped or job.failed:
            counts += f", {job.failed} failed, {job.skipped} not sent"
        return counts


def _end(job: Job, state: str, *, failed: int = 0, hint: str = "", **result: Any) -> None:
    """Finish the job, and remove the copies of its files: it will not send them any more."""
    end(job, state, failed=failed, hint=hint, **result)
    attachments.remove_kept(list(ContentInput.from_dict(job.input).files))


class _Sending:
    """One run of a content job: its files uploaded, then its parts sent from the first not added."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.spec = ContentInput.from_dict(job.input)
        self.progress = ContentProgress.from_dict(job.progress)
        self.context = AuditContext(
            correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
        )
        self.sent = 0  # parts sent in this run
        self.turned_over = False  # the worker went to another user's job: this one goes on later

    def run(self) -> None:
        job, progress = self.job, self.progress
        if progress.started > job.done and _may_have_gone_since(job, progress.started_at):
            hint = (
                f"The worker sending this job stopped while part {progress.started} was on its way to Notion."
            )
            report = parts_report(progress.started, job.total, maybe_done=True)
            _end(job, State.FAILED, failed=1, hint=hint + report)
            return
        if cancel_requested(job):
            self.cancelled()
            return
        try:
            added = self.send()
        except NotionError as error:
            self.stopped(error)
            return
        count = added.count
        _end(
            job,
            State.DONE,
            hint=f"{count} block{'s' if count != 1 else ''} added in {job.total} parts.",
            ids=[["First block ID", progress.first_block], ["Page ID", self.spec.page_id]],
            link=workspace().link(self.spec.page_id).as_dict(),
        )

    def send(self) -> AddedContent:
        uploaded = self.upload_files()
        self.mark_started()
        return append_content(
            page_id=self.spec.page_id,
            content=self.spec.content,
            text_format=self.spec.format,
            context=self.context,
            max_requests=settings.NOTION_CONTENT_MAX_REQUESTS,
            keep_going=self.keep_going,
            done=self.job.done,
            ids=self.progress.ids,
            on_part=self.on_part,
            files=[(file.name, file.content_type) for file in self.spec.files],
            uploaded=uploaded,
        )

    def upload_files(self) -> dict[str, str]:
        """The upload ID of each of the job's files, uploading those not uploaded yet, and again those
        whose upload expired at Notion (an hour after it was made, if nothing uses it by then)."""
        job, uploaded = self.job, self.progress.uploads
        for file in self.spec.files:
            upload_id = uploaded.get(file.name)
            if upload_id and upload_status(upload_id, context=self.context).get("status") == "uploaded":
                continue
            job.step = f"Uploading {file.name}" + (" again: its upload had expired" if upload_id else "")
            save(job, "step")
            uploaded[file.name] = upload_file(file, context=self.context)
            self.save_progress()
        return uploaded

    def save_progress(self, *fields: str) -> None:
        self.job.progress.update(self.progress.as_dict())
        save(self.job, "progress", *fields)

    def mark_started(self) -> None:
        job = self.job
        self.progress.started, self.progress.started_at = job.done + 1, timezone.now().isoformat()
        job.step = f"Sending part {job.done + 1} of {job.total}"
        self.save_progress("step")

    def keep_going(self) -> bool:
        if cancel_requested(self.job):
            return False
        if self.sent and turn_over(self.job):
            self.turned_over = True
            return False
        self.mark_started()
        return True

    def on_part(self, number: int, results: list) -> None:
        self.sent += 1
        self.job.done = number
        made_progress(self.job)
        if number == 1 and results and isinstance(results[0], dict):
            self.progress.first_block = results[0].get("id", "")
        self.save_progress("done")

    def stopped(self, error: NotionError) -> None:
        job = self.job
        if self.turned_over:  # queued again: its next turn sends the next part
            return
        if error.code == "client_gone":  # keep_going() said stop: the job was cancelled
            self.cancelled()
        elif is_outage(error) and not error.maybe_done:  # Notion did nothing: try again later
            self.progress.started = job.done
            job.progress.update(self.progress.as_dict())
            if not pause(job, error.hint, error):
                report = parts_report(job.done + 1, job.total, maybe_done=False)
                _end(job, State.FAILED, failed=1, hint=gave_up(error.hint) + report, error=error.as_dict())
        else:
            _end(job, State.FAILED, failed=1, hint=error.hint, error=error.as_dict())

    def cancelled(self) -> None:
        job = self.job
        hint = f"Cancelled: {job.done} of {job.total} parts were added; the rest were not sent."
        _end(job, State.CANCELLED, hint=hint)


def _may_have_gone_since(job: Job, moment: str) -> bool:
    """Whether any request of `job` went out since `moment`: each has its history row first."""
    since = datetime.fromisoformat(moment)
    return NotionRequestLog.objects.filter(correlation_id=job.correlation_id, created_at__gte=since).exists()
