import getpass
import hashlib
import json
import logging
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from integration import jobs
from integration.http.audit import AuditContext
from integration.imports import csvfile
from integration.management.arguments import database_title, one_line, parent_page
from integration.models import Job, Source
from integration.notion.columns import Column, ColumnError, check_names
from integration.notion.databases import create_database
from integration.notion.errors import NotionError
from integration.notion.workspace import workspace

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "Import a CSV file into a new Notion database under a page (by default NOTION_PAGE_ID): "
        "its columns are guessed from the file, the first is the title, and a background job "
        "creates one page per row."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="the CSV file (UTF-8, comma or semicolon, a header row)")
        parser.add_argument("--title", default="", help="the database's name (default: the file's name)")
        parser.add_argument(
            "--parent", default="", help="ID or link of the parent page (default: NOTION_PAGE_ID)"
        )
        parser.add_argument(
            "--owner", default="", help="the user who owns the job (default: the first superuser)"
        )
        parser.add_argument(
            "--wait", action="store_true", help="wait for a worker to finish the job, showing its progress"
        )
        parser.add_argument(
            "--resume",
            type=int,
            metavar="JOB",
            help="go on with a failed or cancelled import job, from the first row not added",
        )
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            logging.getLogger("integration").setLevel(logging.WARNING)
        if options["resume"] is not None:
            if options["file"]:
                raise CommandError("Give a FILE to import or --resume JOB, not both.")
            job = self._resume(options["resume"])
        elif not options["file"]:
            raise CommandError("Give the CSV file to import, or --resume JOB.")
        else:
            job = self._start(options)
        if not job.finished and options["wait"]:
            job = self._wait(job, quiet=options["json"])
        self._report(job, options["json"])

    def _resume(self, job_id: int) -> Job:
        job = Job.objects.filter(pk=job_id, kind=Job.Kind.IMPORT).first()
        if job is None:
            raise CommandError(f"--resume: there is no import job {job_id}.")
        if not jobs.resume_job(job):
            raise CommandError(
                f"--resume: job {job_id} is {job.get_state_display().lower()}: "
                "only a failed or cancelled import job can be resumed."
            )
        job.refresh_from_db()
        return job

    def _start(self, options: dict[str, Any]) -> Job:
        path = Path(options["file"])
        title = database_title(options["title"] or path.stem)
        parent = parent_page(options["parent"])
        owner = self._owner(options["owner"])
        reader, guesses, total, digest = self._read(path)
        title_property, columns = guesses[0].name, self._columns(guesses[0].name, guesses[1:])
        copy = settings.IMPORTS_DIR / f"{uuid.uuid4()}.csv"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, copy)
        context = AuditContext(source=Source.COMMAND, username=getpass.getuser())
        try:
            database = create_database(
                title=title,
                parent_page_id=parent,
                title_property=title_property,
                columns=columns,
                context=context,
            )
        except NotionError as error:
            copy.unlink(missing_ok=True)
            raise CommandError(one_line(str(error))) from None
        except BaseException:
            copy.unlink(missing_ok=True)
            raise
        source_id = database["data_sources"][0]["id"]
        job = jobs.start_import_job(
            user=owner,
            file=copy,
            total=total,
            correlation_id=context.correlation_id,
            input={
                "name": path.name,
                "database_id": database["id"],
                "data_source_id": source_id,
                "url": database.get("url") or "",
                "header": list(reader.header),
                "schema": csvfile.schema(guesses),
                "delimiter": reader.delimiter,
                "source": f"{source_id}:{digest}",
                "created_database": True,
            },
        )
        job.refresh_from_db()
        return job

    def _owner(self, username: str) -> Any:
        users = get_user_model().objects
        if username:
            owner = users.filter(username=username).first()
            if owner is None:
                raise CommandError(f"--owner: there is no user {username!r}.")
            return owner
        owner = users.filter(is_superuser=True, is_active=True).order_by("pk").first()
        if owner is None:
            raise CommandError(
                "No user to own the import job: create one with createsuperuser, or name one with --owner."
            )
        return owner

    def _read(self, path: Path) -> tuple[csvfile.CsvReader, list[csvfile.ColumnGuess], int, str]:
        """The file's reader, its columns guessed, its number of rows and its digest; read twice."""
        try:
            with path.open("rb") as file:
                reader = csvfile.read_csv(file)
                guesses = csvfile.infer_columns(reader.header, reader, decimal=reader.decimal)
            with path.open("rb") as file:
                total = sum(1 for _ in csvfile.read_csv(file, delimiter=reader.delimiter))
                file.seek(0)
                digest = hashlib.file_digest(file, "sha256").hexdigest()
        except OSError as error:
            raise CommandError(f"Can't read {str(path)!r}: {error.strerror or error}.") from None
        except csvfile.CsvError as error:
            raise CommandError(one_line(f"{path.name}: {error}")) from None
        if total == 0:
            raise CommandError(f"{path.name}: the file has a header but no rows to import.")
        return reader, guesses, total, digest

    def _columns(self, title_property: str, guesses: list[csvfile.ColumnGuess]) -> list[Column]:
        try:
            columns = [Column(guess.name, guess.type, guess.options) for guess in guesses]
            columns.append(Column(jobs.IMPORT_KEY, "rich_text"))
            check_names(title_property, columns)
        except ColumnError as error:
            raise CommandError(one_line(str(error))) from None
        return columns

    def _wait(self, job: Job, *, quiet: bool) -> Job:
        shown = None
        while not job.finished:
            line = f"{job.progress.get('next', 0)}/{job.total} rows"
            if line != shown and not quiet:
                self.stdout.write(line)
                shown = line
            time.sleep(POLL_SECONDS)
            job.refresh_from_db()
        return job

    def _report(self, job: Job, as_json: bool) -> None:
        spec = job.input
        url = workspace().link(spec["database_id"], spec.get("url")).href
        made = [(name, spec["schema"][name]["type"]) for name in spec["header"]]
        source_id = spec["data_source_id"]
        result = {
            "database_id": spec["database_id"],
            "data_source_id": source_id,
            "url": url,
            "job_id": job.pk,
            "job_url": reverse("job", args=[job.pk]),
            "state": job.state,
            "total": job.total,
            "done": job.done,
            "skipped": job.skipped,
            "failed": job.failed,
            "bad_rows": job.result.get("bad_rows", []),
        }
        if as_json:
            self.stdout.write(json.dumps(result))
        else:
            lines = [
                f"Database ID: {result['database_id']}",
                f"Data source ID: {source_id}",
                f"URL: {url}",
                "Columns: " + ", ".join(f"{name} ({kind})" for name, kind in made),
                f"Job: {result['job_url']}",
            ]
            if job.finished:
                lines.append(f"{job.progress.get('next', 0)}/{job.total} rows")
                lines.extend(
                    f"Line {line}: {f'{column}: ' if column else ''}{message}"
                    for line, column, message in result["bad_rows"]
                )
                lines.append(job.result.get("hint", ""))
            elif job.state == Job.State.QUEUED:
                lines.append("Queued: a worker (manage.py db_worker) will add the rows; see the job page.")
            self.stdout.write("\n".join(lines))
        if job.state == Job.State.PAUSED:
            raise CommandError(one_line(job.step))
        if job.finished and (job.state != Job.State.DONE or job.skipped or job.failed):
            raise CommandError(one_line(job.result.get("hint", "") or f"The import job {job.state}."))
