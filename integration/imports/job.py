"""The import job: a page for each row of a CSV file, added by a worker from the first row not yet
handled, resumable without adding a row twice.

Each handled row has its JobRow, written with the job's counts in one transaction. A row whose
request went out has a `pending` JobRow until Notion's answer is in: if none came back, the row's
key (kept in the page's "Import key" column) is looked for in the data source before the row is
sent again.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count

from integration.imports import csvfile
from integration.imports.state import ImportInput, ImportProgress
from integration.jobs.base import JobKind, cancel_requested, end, save
from integration.jobs.queue import gave_up, is_outage, made_progress, pause, queue_job, turn_over
from integration.models import AuditContext, Job, JobRow, Source
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.errors import MAYBE_DONE, NotionError
from integration.notion.pages import create_page
from integration.notion.selectors import find_page_by_text
from integration.notion.workspace import workspace

State = Job.State
Outcome = JobRow.Outcome

IMPORT_KEY = "Import key"  # the rich_text column each imported page keeps its row's key in
BAD_ROWS_KEPT = 100  # bad rows listed in a job's result; the count has them all
LOST_ANSWERS = 2  # a row whose answer was lost is looked for and sent again this often before a pause


def start_import_job(*, user: User, spec: ImportInput, total: int, correlation_id: Any) -> Job:
    """Queue the import of the `total` rows of `spec.file` (a copy kept for the job) as `spec` says."""
    return queue_job(
        kind=Job.Kind.IMPORT,
        user=user,
        total=total,
        correlation_id=correlation_id,
        input=spec.as_dict(),
    )


class ImportJob(JobKind):
    unit = "rows"
    resumable = (State.FAILED, State.CANCELLED, State.PAUSED)

    def run(self, job: Job) -> None:
        _Importing(job).run()

    def finish(self, job: Job, state: str, *, hint: str = "") -> None:
        finish_import(job, state, hint=hint)

    def handled(self, job: Job) -> int:
        """Rows read, skipped ones too."""
        return ImportProgress.from_dict(job.progress).next

    def counts_text(self, job: Job) -> str:
        counts = f"{self.handled(job)} of {job.total} rows read: {job.done} added"
        if job.skipped or job.failed:
            counts += f", {job.skipped} skipped, {job.failed} failed"
        return counts

    def how_to_resume(self, job: Job) -> str:
        return _resume_hint(job)

    def page_facts(self, job: Job) -> dict[str, Any]:
        undo_job = ImportProgress.from_dict(job.progress).undo_job
        return {
            **super().page_facts(job),
            "can_undo": job.finished and job.state != State.UNDONE and not undo_job,
            "undo_job": undo_job,
            "created_database": ImportInput.from_dict(job.input).created_database,
        }


class _Paused(Exception):
    """Notion stopped answering, or answered that it is overloaded: try the job again later."""

    def __init__(self, hint: str, error: NotionError) -> None:
        super().__init__(hint)
        self.hint, self.error = hint, error


class _AnswerLost(_Paused):
    """A row was sent and no answer came back: it may have been added."""


class _Importing:
    """One run of an import job, from the first record of its file not yet handled."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.spec = ImportInput.from_dict(job.input)
        self.progress = ImportProgress.from_dict(job.progress)
        self.title_name = self.spec.title_name
        self.title_index = self.spec.header.index(self.title_name)
        self.context = AuditContext(
            correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
        )

    def run(self) -> None:
        job = self.job
        count_rows(job)  # what earlier runs did; each row handled from here adds to it
        with open(self.spec.file, "rb") as file:
            reader = csvfile.CsvReader(file, delimiter=self.spec.delimiter)
            if list(reader.header) != self.spec.header:
                raise ValueError(f"The file of job {job.pk} no longer has the columns it was imported with.")
            first = self.progress.next
            for index, row in enumerate(reader):
                if index < first:  # handled by an earlier run
                    continue
                if cancel_requested(job):
                    return finish_import(job, State.CANCELLED)
                if index > first and turn_over(job):  # another user's turn: on from here on the next
                    return None
                if not self.take(reader, row):
                    return None
        finish_import(job, State.DONE)

    def take(self, reader: csvfile.CsvReader, row: csvfile.Row | csvfile.BadRow) -> bool:
        """Handle one record of the file; False if the job stopped on it (paused or failed)."""
        if isinstance(row, csvfile.BadRow):
            self.handled(self.skipped(row.line, row.column, row.message))
            return True
        key = csvfile.import_key(reader.header, row.values, source=self.spec.source)
        earlier = JobRow.objects.filter(job=self.job, key=key).first()
        if earlier is not None and earlier.line != row.line:
            self.handled(self.skipped(row.line, None, f"The same as line {earlier.line}: imported once."))
            return True
        values = csvfile.convert_row(reader.header, row, self.spec.schema, decimal=reader.decimal)
        if isinstance(values, list):
            self.handled(*(self.skipped(bad.line, bad.column, bad.message) for bad in values))
            return True
        record = earlier or JobRow(job=self.job, line=row.line, key=key, outcome=Outcome.PENDING)
        values.pop(self.title_name, None)
        return self.add(record, row.values[self.title_index].strip(), values)

    def add(self, record: JobRow, title: str, values: dict[str, Any]) -> bool:
        """Add the row's page and record it; False if the job stopped (paused or failed)."""
        try:
            record.page_id = self.send(record, title, values)
        except _Paused as paused:
            self.wait_for_notion(paused)
            return False
        except NotionError as error:
            if error.status == 400:  # Notion refused this row only
                record.outcome, record.message = Outcome.REFUSED, error.hint
                self.handled(record)
                return True
            if record.pk is not None and not record.message:  # Notion answered: nothing was made
                record.delete()
            finish_import(self.job, State.FAILED, hint=error.hint, error=error.as_dict())
            return False
        record.outcome, record.message = Outcome.ADDED, ""
        made_progress(self.job)
        self.handled(record)
        return True

    def send(self, record: JobRow, title: str, values: dict[str, Any]) -> str:
        """The ID of the row's page: found, if an earlier request for it went unanswered, or made.

        An unanswered request is looked for at once and the row sent again if Notion has no such
        page, LOST_ANSWERS times at most; then, or when Notion is away, the job pauses (_Paused).
        """
        for _ in range(LOST_ANSWERS):
            try:
                return self.send_once(record, title, values)
            except _AnswerLost:
                continue  # looked for, then sent again
        return self.send_once(record, title, values)

    def send_once(self, record: JobRow, title: str, values: dict[str, Any]) -> str:
        if record.pk is None:
            record.save()  # pending: its request may go out
        else:
            found = self.look_for(record)
            if found:
                return found
        try:
            page = create_page(
                data_source_id=self.spec.data_source_id,
                title=title,
                values={**values, IMPORT_KEY: {"rich_text": rich_text(record.key)}},
                context=self.context,
            )
        except NotionError as error:
            if not is_outage(error):
                raise
            hint = error.hint.removesuffix(MAYBE_DONE)
            if not error.maybe_done:
                raise _Paused(hint, error) from error
            record.message = "Sent, no answer: looked for before it is sent again."
            record.save(update_fields=["message"])
            raise _AnswerLost(f"Line {record.line} may have been added: {hint}", error) from error
        return page["id"]

    def look_for(self, record: JobRow) -> str | None:
        """The ID of the page Notion made for `record` from a request whose answer was lost, if any."""
        try:
            with notion_client(self.context) as client:
                page = find_page_by_text(client, self.spec.data_source_id, IMPORT_KEY, record.key)
        except NotionError as error:
            if is_outage(error):
                raise _Paused(
                    f"Line {record.line} may have been added, and looking for it failed: {error.hint}", error
                ) from error
            raise
        return page["id"] if page else None

    def skipped(self, line: int, column: str | None, message: str) -> JobRow:
        return JobRow(job=self.job, line=line, outcome=Outcome.SKIPPED, column=column or "", message=message)

    def handled(self, *rows: JobRow) -> None:
        """Record the row's end and move on, in one transaction: the counts stay those of the rows."""
        job = self.job
        self.progress.next += 1
        job.progress.update(self.progress.as_dict())
        job.step = f"{self.progress.next}/{job.total} rows"
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
            save(job, "done", "skipped", "failed", "progress", "step")

    def wait_for_notion(self, paused: _Paused) -> None:
        job = self.job
        count_rows(job)
        if not pause(job, paused.hint, paused.error):
            hint = gave_up(paused.hint) + _resume_hint(job)
            finish_import(job, State.FAILED, hint=hint, error=paused.error.as_dict())


def _resume_hint(job: Job) -> str:
    return (
        f" Resume the job (manage.py import_csv --resume {job.pk}): it looks for a row that may have been "
        "added before adding it again."
    )


def count_rows(job: Job) -> None:
    """Set the job's counts from its rows."""
    counts = dict(
        JobRow.objects.filter(job=job)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    job.done = counts.get(Outcome.ADDED, 0) + counts.get(Outcome.TRASHED, 0)
    job.failed = counts.get(Outcome.REFUSED, 0)
    job.skipped = JobRow.objects.filter(job=job, outcome=Outcome.SKIPPED).values("line").distinct().count()


def finish_import(job: Job, state: str, *, hint: str = "", **result: Any) -> None:
    """End the import with its summary: rows added, skipped, refused, not known, not sent."""
    count_rows(job)
    pending = JobRow.objects.filter(job=job, outcome=Outcome.PENDING).exists()
    left = job.total - ImportProgress.from_dict(job.progress).next - (1 if pending else 0)
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
    spec = ImportInput.from_dict(job.input)
    job.progress.pop("paused", None)
    end(
        job,
        state,
        failed=job.failed + (1 if pending else 0),
        skipped=job.skipped,
        hint=summary,
        bad_rows=[[r.line, r.column or None, r.message] for r in bad[:BAD_ROWS_KEPT]],
        link=workspace().link(spec.database_id, spec.url).as_dict(),
        **result,
    )
    save(job, "progress")
    if state == State.DONE:
        spec.remove_file()
