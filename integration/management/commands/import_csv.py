import getpass
import json
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from integration import jobs
from integration.imports import service
from integration.management.arguments import (
    data_source_id,
    database_title,
    full_address,
    one_line,
    parent_page,
)
from integration.models import AuditContext, Job, Source
from integration.notion.errors import NotionError
from integration.notion.workspace import workspace

POLL_SECONDS = 1.0


class Command(BaseCommand):
    help = (
        "Import a CSV file into a new Notion database under a page (by default NOTION_PAGE_ID), "
        "or into an existing data source: its columns are guessed from the file, the first is the "
        "title, and a background job creates one page per row."
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
        parser.add_argument(
            "--data-source",
            default="",
            metavar="ID",
            help="ID or link of an existing data source (or database) to import into, "
            "its properties matched to the columns by name",
        )
        parser.add_argument(
            "--property",
            action="append",
            default=[],
            metavar="NAME:TYPE",
            help=f"a column's type instead of the guessed one ({', '.join(service.IMPORT_TYPES)}), "
            "skip to leave it out, or title for the title column (default: the first); repeatable",
        )
        parser.add_argument(
            "--decimal",
            choices=[".", ","],
            default="",
            help="the decimal separator of every number column (default: found in each column's values; "
            'a column whose values read both ways takes "," in a semicolon-delimited file, else ".")',
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
        target = options["data_source"]
        if target and (options["title"] or options["parent"]):
            raise CommandError(
                "--data-source imports into an existing data source: give no --title or --parent."
            )
        source_id = data_source_id(target) if target else ""
        title = "" if target else database_title(options["title"] or path.stem)
        parent = parent_page(options["parent"])
        owner = self._owner(options["owner"])
        title_column, types = self._properties(options["property"])
        context = AuditContext(source=Source.COMMAND, username=getpass.getuser())
        try:
            file = service.read_file(path=path)
            plan = service.make_plan(
                file=file, title_column=title_column, types=types, decimal=options["decimal"]
            )
            if not target:
                service.new_database_columns(file=file, plan=plan)  # checked before the file is copied
        except service.CannotImport as error:
            raise CommandError(one_line(error.message)) from None
        copy = service.copy_into_imports(path=path)
        file = replace(file, path=copy)
        try:
            if target:
                started = service.start_data_source_import(
                    file=file,
                    plan=plan,
                    data_source_id=source_id,
                    user=owner,
                    context=context,
                    announce=self.stderr.write,
                )
            else:
                started = service.start_new_database_import(
                    file=file, plan=plan, title=title, parent_page_id=parent, user=owner, context=context
                )
        except service.CannotImport as error:
            copy.unlink(missing_ok=True)
            raise CommandError(one_line(" ".join((error.message, *error.mismatches)))) from None
        except NotionError as error:
            copy.unlink(missing_ok=True)
            raise CommandError(one_line(str(error))) from None
        except BaseException:
            copy.unlink(missing_ok=True)
            raise
        if started.message:
            self.stderr.write(started.message)
        return started.job

    def _properties(self, specs: list[str]) -> tuple[str, dict[str, str]]:
        """The title column (NAME:title) and the types (NAME:TYPE or NAME:skip) of `--property`."""
        title_column, types = "", {}
        for spec in specs:
            name, colon, kind = spec.rpartition(":")
            name, kind = name.strip(), kind.strip().lower()
            if not colon or not name:
                raise CommandError(f"--property “{spec}” is not NAME:TYPE.")
            if name in types or name == title_column:
                raise CommandError(f"--property names column “{name}” twice.")
            if kind == "title":
                if title_column:
                    raise CommandError(f"--property: two title columns, “{title_column}” and “{name}”.")
                title_column = name
            elif kind in service.IMPORT_TYPES or kind == service.SKIP:
                types[name] = kind
            else:
                raise CommandError(
                    f"--property “{spec}”: unknown type “{kind}”; the types are title, "
                    f"{', '.join(service.IMPORT_TYPES)}, or {service.SKIP}."
                )
        return title_column, types

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

    def _wait(self, job: Job, *, quiet: bool) -> Job:
        """Follow `job` to its end. Its progress goes to stderr, a line each time the count
        changes: stdout holds the summary alone, for a script that reads it."""
        shown = None
        while True:
            line = f"{job.progress.get('next', 0)}/{job.total} rows"
            if line != shown and not quiet:
                self.stderr.write(line)
                self.stderr.flush()
                shown = line
            if job.finished:
                return job
            time.sleep(POLL_SECONDS)
            job.refresh_from_db()

    def _report(self, job: Job, as_json: bool) -> None:
        spec = job.input
        url = full_address(workspace().link(spec["database_id"], spec.get("url")).href)
        made = [(name, spec["schema"][name]["type"]) for name in spec["header"] if name in spec["schema"]]
        source_id = spec["data_source_id"]
        result = {
            "database_id": spec["database_id"],
            "data_source_id": source_id,
            "url": url,
            "job_id": job.pk,
            "job_url": full_address(reverse("job", args=[job.pk])),
            "state": job.state,
            "total": job.total,
            "done": job.done,
            "skipped": job.skipped,
            "failed": job.failed,
            "bad_rows": job.result.get("bad_rows", []),
        }
        failure = ""
        if job.state == Job.State.PAUSED:
            failure = one_line(job.step)
        elif job.finished and (job.state != Job.State.DONE or job.skipped or job.failed):
            failure = one_line(job.result.get("hint", "") or f"The import job {job.state}.")
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
                if not failure:  # else it is the error line, on stderr
                    lines.append(job.result.get("hint", ""))
            elif job.state == Job.State.QUEUED:
                lines.append("Queued: a worker (manage.py db_worker) will add the rows; see the job page.")
            self.stdout.write("\n".join(lines))
        if failure:
            raise CommandError(failure)
