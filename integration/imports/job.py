"""The import job: a page for each row of a CSV file, added, or updated where the data source holds
it already (imports/merge.py decides), by a worker from the first row not yet handled, resumable
without adding a row twice.

Each handled row has its JobRow, written with the job's counts in one transaction. A row whose
request went out has a `pending` JobRow until Notion's answer is in: if none came back, the row's
key (kept in the page's "Import key" column) is looked for in the data source before the row is
sent again. The pages a row's relation cells name are looked up before its page is made
(integration.imports.relations), the answers kept for the rest of the run.
"""

from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count

from integration.imports import csvfile, merge
from integration.imports.merge import IMPORT_KEY
from integration.imports.relations import Lookup, RelationError
from integration.imports.state import ImportInput, ImportProgress
from integration.jobs.base import JobKind, cancel_requested, end, save
from integration.jobs.queue import gave_up, is_outage, made_progress, pause, queue_job, turn_over
from integration.models import AuditContext, Job, JobRow, Source
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.errors import MAYBE_DONE, NotionError
from integration.notion.pages import create_page, update_page
from integration.notion.selectors import find_page_by_text, query_pages
from integration.notion.workspace import workspace

State = Job.State
Outcome = JobRow.Outcome

# The rows that went in as the file has them (and those an undo took out again since).
GONE_IN = (
    Outcome.ADDED,
    Outcome.UPDATED,
    Outcome.UNCHANGED,
    Outcome.LEFT_OUT,
    Outcome.TRASHED,
    Outcome.RESTORED,
)
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
        counts = f"{self.handled(job)} of {job.total} rows read: {job.done} in the data source"
        if job.skipped or job.failed:
            counts += f", {job.skipped} skipped, {job.failed} failed"
        return counts

    def how_to_resume(self, job: Job) -> str:
        return _resume_hint(job)

    def state_label(self, job: Job) -> str:
        """ "Done" only when every row went in; else what was left out, as "Done with 2 rows skipped,
        1 refused by Notion"."""
        if job.state != State.DONE or not (job.skipped or job.failed):
            return super().state_label(job)
        left_out = []
        if job.skipped:
            left_out.append(f"{job.skipped} row{'s' if job.skipped != 1 else ''} skipped")
        if job.failed:
            rows = "" if job.skipped else f" row{'s' if job.failed != 1 else ''}"
            left_out.append(f"{job.failed}{rows} refused by Notion")
        return "Done with " + ", ".join(left_out)

    def page_facts(self, job: Job) -> dict[str, Any]:
        undo_job = ImportProgress.from_dict(job.progress).undo_job
        can_undo = job.finished and job.state != State.UNDONE and not undo_job
        counts = outcome_counts(job) if can_undo else {}
        return {
            **super().page_facts(job),
            "can_undo": can_undo,
            "undo_job": undo_job,
            "created_database": ImportInput.from_dict(job.input).created_database,
            "pages_added": counts.get(Outcome.ADDED, 0),
            "pages_updated": counts.get(Outcome.UPDATED, 0),
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
        self.context = AuditContext(
            correlation_id=job.correlation_id, username=job.owner.get_username(), source=Source.JOB
        )
        decimal = csvfile.decimal_separator(self.spec.delimiter)
        self.lookup = Lookup(self.spec.relations, context=self.context, decimal=decimal)

    def run(self) -> None:
        job = self.job
        count_rows(job)  # what earlier runs did; each row handled from here adds to it
        with open(self.spec.file, "rb") as file:
            reader = csvfile.CsvReader(file, delimiter=self.spec.delimiter)
            if list(reader.header) != self.spec.header:
                raise ValueError(f"The file of job {job.pk} no longer has the columns it was imported with.")
            # A database the import made holds only the pages its rows record: nothing to look up.
            find = None if self.spec.created_database else self.find
            taken = 0  # rows handled in this turn
            try:
                for decision in merge.decisions(
                    reader, self.spec, start=self.progress.next, find=find, lookup=self.lookup
                ):
                    if cancel_requested(job):
                        return finish_import(job, State.CANCELLED)
                    if taken and turn_over(job):  # another user's turn: on from here on the next
                        return None
                    if not self.take(decision):
                        return None
                    taken += 1
            except _Paused as paused:  # looking the rows' pages up failed
                self.wait_for_notion(paused)
                return None
            except NotionError as error:  # looking up the pages relation cells name failed
                if is_outage(error):
                    self.wait_for_notion(_Paused(f"Looking up related pages failed: {error.hint}", error))
                else:
                    finish_import(job, State.FAILED, hint=error.hint, error=error.as_dict())
                return None
            except RelationError as error:
                finish_import(job, State.FAILED, hint=f"A relation column can't be looked up: {error}")
                return None
        finish_import(job, State.DONE)

    def take(self, decision: merge.Decision) -> bool:
        """Do what the decision says of one record of the file; False if the job stopped on it
        (paused or failed)."""
        if isinstance(decision, merge.Bad):
            self.handled(*(self.skipped(bad.line, bad.column, bad.message) for bad in decision.problems))
            return True
        earlier = JobRow.objects.filter(job=self.job, key=decision.key).first()
        if earlier is not None and earlier.line != decision.line:
            if self.spec.key_column:
                message = (
                    f"{self.spec.key_column} is the same as on line {earlier.line}: the row was left out."
                )
            else:
                message = f"The same as line {earlier.line}: imported once."
            self.handled(self.skipped(decision.line, self.spec.key_column or None, message))
            return True
        if isinstance(decision, merge.Add):
            record = earlier or JobRow(
                job=self.job, line=decision.line, key=decision.key, outcome=Outcome.PENDING
            )
            return self.add(record, decision.title, decision.values)
        if isinstance(decision, merge.Change):
            record = earlier or JobRow(
                job=self.job,
                line=decision.line,
                key=decision.key,
                outcome=Outcome.PENDING,
                before=decision.before,
            )
            return self.change(record, decision)
        if isinstance(decision, merge.LeftOut):
            record = JobRow(job=self.job, line=decision.line, key=decision.key, outcome=Outcome.LEFT_OUT)
            record.message = decision.message
            self.handled(record)
            return True
        # Same: the page shows the row, perhaps because a request whose answer was lost went through.
        record = earlier or JobRow(job=self.job, line=decision.line, key=decision.key)
        if earlier is not None and earlier.outcome == Outcome.PENDING:
            record.outcome = Outcome.UPDATED if earlier.before is not None else Outcome.ADDED
        else:
            record.outcome = Outcome.LEFT_OUT if decision.left_out else Outcome.UNCHANGED
        record.page_id, record.message = decision.page_id, decision.left_out
        self.handled(record)
        return True

    def find(self, query: dict) -> list[dict]:
        """The pages of the data source matching `query`; _Paused if Notion is away."""
        try:
            with notion_client(self.context) as client:
                return list(query_pages(client, self.spec.data_source_id, query))
        except NotionError as error:
            if is_outage(error):
                raise _Paused(f"Looking up rows' pages failed: {error.hint}", error) from error
            raise

    def add(self, record: JobRow, title: str, values: dict[str, Any]) -> bool:
        """Add the row's page and record it; False if the job stopped (paused or failed)."""
        try:
            record.page_id = self.send(record, title, values)
        except _Paused as paused:
            self.wait_for_notion(paused)
            return False
        except NotionError as error:
            return self.refused(record, error)
        record.outcome, record.message = Outcome.ADDED, ""
        made_progress(self.job)
        self.handled(record)
        return True

    def change(self, record: JobRow, decision: merge.Change) -> bool:
        """Set the changed properties of the row's page; its `before` is saved first, for undo.
        Sending an update again is harmless: a lost answer only pauses the job."""
        record.page_id = decision.page_id
        if record.pk is None:
            record.save()
        try:
            update_page(page_id=decision.page_id, values=decision.values, context=self.context)
        except NotionError as error:
            if is_outage(error):
                self.wait_for_notion(_Paused(error.hint.removesuffix(MAYBE_DONE), error))
                return False
            return self.refused(record, error)
        record.outcome, record.message = Outcome.UPDATED, "Changed: " + ", ".join(decision.columns)
        made_progress(self.job)
        self.handled(record)
        return True

    def refused(self, record: JobRow, error: NotionError) -> bool:
        if error.status == 400:  # Notion refused this row only
            record.outcome, record.message = Outcome.REFUSED, error.hint
            self.handled(record)
            return True
        if record.pk is not None and not record.message and record.before is None:  # nothing was made
            record.delete()
        finish_import(self.job, State.FAILED, hint=error.hint, error=error.as_dict())
        return False

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
        if not self.spec.key_column:
            values = {**values, IMPORT_KEY: {"rich_text": rich_text(record.key)}}
        try:
            page = create_page(
                data_source_id=self.spec.data_source_id,
                title=title,
                values=values,
                template=self.spec.template,
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
        if self.spec.key_column:
            return None  # the row's pages were looked up just before: a page found made it a Same
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
        if outcome == Outcome.REFUSED:
            job.failed += 1
        elif outcome == Outcome.SKIPPED:
            job.skipped += 1
        else:
            job.done += 1
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


def outcome_counts(job: Job) -> dict[str, int]:
    """How many of the job's rows ended each way (a row skipped for several cells counts once)."""
    counts = dict(
        JobRow.objects.filter(job=job)
        .exclude(outcome=Outcome.SKIPPED)
        .values_list("outcome")
        .annotate(n=Count("id"))
        .values_list("outcome", "n")
    )
    counts[Outcome.SKIPPED] = (
        JobRow.objects.filter(job=job, outcome=Outcome.SKIPPED).values("line").distinct().count()
    )
    return counts


def count_rows(job: Job, counts: dict[str, int] | None = None) -> None:
    """Set the job's counts from its rows (their `outcome_counts`, if already read)."""
    counts = outcome_counts(job) if counts is None else counts
    job.done = sum(counts.get(outcome, 0) for outcome in GONE_IN)
    job.failed = counts.get(Outcome.REFUSED, 0)
    job.skipped = counts[Outcome.SKIPPED]


def _counts_text(job: Job, counts: dict[str, int]) -> str:
    added = counts.get(Outcome.ADDED, 0) + counts.get(Outcome.TRASHED, 0)
    updated = counts.get(Outcome.UPDATED, 0) + counts.get(Outcome.RESTORED, 0)
    parts = [f"{added} of {job.total} rows added"]
    if updated:
        parts.append(f"{updated} updated")
    if counts.get(Outcome.UNCHANGED):
        parts.append(f"{counts[Outcome.UNCHANGED]} already as they are")
    if counts.get(Outcome.LEFT_OUT):
        parts.append(f"{counts[Outcome.LEFT_OUT]} left out")
    if job.skipped:
        parts.append(f"{job.skipped} skipped")
    if job.failed:
        parts.append(f"{job.failed} refused by Notion")
    return ", ".join(parts)


def finish_import(job: Job, state: str, *, hint: str = "", **result: Any) -> None:
    """End the import with its summary: rows added, updated, left as they are, skipped, refused,
    not known, not sent."""
    counts = outcome_counts(job)
    count_rows(job, counts)
    pending = counts.get(Outcome.PENDING, 0) > 0
    left = job.total - ImportProgress.from_dict(job.progress).next - (1 if pending else 0)
    counts_text = _counts_text(job, counts)
    if pending:
        counts_text += ", 1 not known"
    if left and state != State.DONE:
        counts_text += f", {left} not sent"
    written = counts.get(Outcome.ADDED, 0) + counts.get(Outcome.UPDATED, 0)
    if state == State.DONE and not written and not job.skipped and not job.failed:
        counts_text = f"Nothing to do: every row is in the data source already ({counts_text})"
    summary = counts_text + "." + (f" {hint}" if hint else "")
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
        counts={
            "added": counts.get(Outcome.ADDED, 0),
            "updated": counts.get(Outcome.UPDATED, 0),
            "unchanged": counts.get(Outcome.UNCHANGED, 0),
            "left_out": counts.get(Outcome.LEFT_OUT, 0),
        },
        **result,
    )
    save(job, "progress")
    if state == State.DONE:
        spec.remove_file()
