import getpass
import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from integration import jobs
from integration.ids import parse_notion_id
from integration.imports import service
from integration.imports.relations import Relation
from integration.management.arguments import (
    data_source_id,
    database_title,
    full_address,
    one_line,
    parent_page,
)
from integration.models import AuditContext, Job, Source
from integration.notion.database_views import ViewError, ViewMade, parse_view
from integration.notion.errors import NotionError
from integration.notion.templates import UnknownTemplate, find_template, list_templates
from integration.notion.workspace import workspace

POLL_SECONDS = 1.0
# `NAME:relation=DATA_SOURCE[@PROPERTY]`, the data source an ID or a link (which may hold a colon).
_RELATION_SPEC = re.compile(r"(?P<name>.*):\s*relation\s*=(?P<target>.*)", re.IGNORECASE | re.DOTALL)


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
            "skip to leave it out, or title for the title column (default: the first); repeatable. "
            "A relation names the data source its values are pages of, by ID or link: "
            "NAME:relation=DATA_SOURCE, each cell's comma-separated values matched against that "
            "data source's page titles, or NAME:relation=DATA_SOURCE@PROPERTY to match them against "
            "that property (text, number, email, URL, phone, select or unique ID). Into an existing "
            "data source, a column going into a relation property needs none: it relates where the "
            "property does, matched by title, or NAME:relation=DATA_SOURCE@PROPERTY by that property",
        )
        parser.add_argument(
            "--key",
            default="",
            metavar="COLUMN",
            help="with --data-source: match each row to the page whose property of this column's name "
            "(or the title, for the title column) holds its value; pages found are updated where they "
            "differ, the others added (default: the app's own row key, which only adds)",
        )
        modes = parser.add_mutually_exclusive_group()
        modes.add_argument(
            "--update-only", action="store_true", help="with --key: update the pages found, add no page"
        )
        modes.add_argument(
            "--add-only", action="store_true", help="add the rows no page holds, change no page"
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what the import would do (pages added, updated, left as they are, bad rows), "
            "writing nothing",
        )
        parser.add_argument(
            "--decimal",
            choices=[".", ","],
            default="",
            help="the decimal separator of every number column (default: found in each column's values; "
            'a column whose values read both ways takes "," in a semicolon-delimited file, else ".")',
        )
        parser.add_argument(
            "--template",
            default="",
            metavar="NAME_OR_ID",
            help="with --data-source: make each new page from this template of the data source (its "
            "name or ID); Notion applies it in the background",
        )
        parser.add_argument(
            "--view",
            action="append",
            default=[],
            metavar="KIND[:COLUMN]",
            help=(
                "a view of the new database beside its table, repeatable: 'board:Status' (a select "
                "column), 'calendar:Due' (a date column); without a column, the first that fits"
            ),
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
            started = self._start(options)
            if started is None:  # a dry run, or nothing to do: said already
                return
            job = started
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

    def _start(self, options: dict[str, Any]) -> Job | None:
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
        title_column, types, relations = self._properties(options["property"])
        key_column, mode = options["key"].strip(), self._mode(options)
        if options["view"] and target:
            raise CommandError("--view adds views to the database the import makes: give no --data-source.")
        try:
            views = tuple(parse_view(spec) for spec in options["view"])
        except ViewError as error:
            raise CommandError(one_line(f"--view: {error}")) from None
        if (key_column or mode) and not target:
            raise CommandError(
                "--key, --update-only and --add-only match rows to the pages of an existing data source: "
                "give --data-source."
            )
        if options["template"] and not target:
            raise CommandError("--template makes pages from a data source's template: give --data-source.")
        context = AuditContext(source=Source.COMMAND, username=getpass.getuser())
        try:
            template = self._template(source_id, options["template"], context) if options["template"] else ""
            file = service.read_file(path=path)
            plan = service.make_plan(
                file=file,
                title_column=title_column,
                types=types,
                relations=relations,
                decimal=options["decimal"],
            )
            plan = replace(plan, views=views)
            if not target:
                service.new_database_columns(file=file, plan=plan)  # checked before the file is copied
            if options["dry_run"]:
                report = service.dry_run(
                    file=file,
                    plan=plan,
                    data_source_id=source_id,
                    key_column=key_column,
                    mode=mode,
                    context=context,
                    progress=None if options["json"] else self._looked_at(file.total),
                )
                self._report_dry_run(file, report, options["json"])
                return None
        except service.CannotImport as error:
            raise CommandError(one_line(" ".join((error.message, *error.mismatches)))) from None
        except NotionError as error:
            raise CommandError(one_line(str(error))) from None
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
                    key_column=key_column,
                    mode=mode,
                    announce=self.stderr.write,
                    template=template,
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
        if started.nothing_to_do:
            self.stdout.write(started.message)
            return None
        if started.message:
            self.stderr.write(started.message)
        return started.job

    @staticmethod
    def _template(source_id: str, wanted: str, context: AuditContext) -> str:
        """The ID of the data source's template `wanted` names; CommandError, nothing sent, if none."""
        try:
            return find_template(list_templates(data_source_id=source_id, context=context), wanted).id
        except UnknownTemplate as unknown:
            raise CommandError(one_line(f"Nothing was sent. {unknown}")) from None

    @staticmethod
    def _mode(options: dict[str, Any]) -> str:
        if options["update_only"]:
            return service.UPDATE_ONLY
        return service.ADD_ONLY if options["add_only"] else ""

    def _looked_at(self, total: int) -> Callable[[int], None]:
        """A dry run's progress on stderr, a line each 100 rows, for a long one to show it moves."""

        def show(rows: int) -> None:
            self.stderr.write(f"{rows}/{total} rows looked at")
            self.stderr.flush()

        return show

    def _report_dry_run(self, file: service.CsvFile, report: service.DryRun, as_json: bool) -> None:
        """What the import would do; exit 1 if a row would be left out as bad."""
        if as_json:
            self.stdout.write(json.dumps(report.as_dict()))
        else:
            scope = (
                f"{report.rows} rows" if report.complete else f"the first {report.rows} of {file.total} rows"
            )
            lines = [
                f"Dry run of {file.name}, {scope}; nothing was written.",
                f"Pages to add: {report.add}",
                f"Pages to update: {report.update}"
                + (
                    " ("
                    + ", ".join(f"{name}: {count}" for name, count in report.changed_columns.items())
                    + ")"
                    if report.changed_columns
                    else ""
                ),
                f"Pages already as the file has them: {report.same}",
            ]
            if report.left_out:
                lines.append(f"Rows left out: {report.left_out}")
            lines.append(f"Bad rows: {report.bad}")
            lines.extend(
                f"Line {line}: {page_id}: {', '.join(columns)}" for line, page_id, columns in report.changes
            )
            lines.extend(
                f"Line {line}: {f'{column}: ' if column else ''}{message}"
                for line, column, message in report.bad_rows
            )
            if report.adds_import_key:
                lines.append(
                    f"The import would add a text property “{service.IMPORT_KEY}” to the data source, "
                    "to find each row's page again (--key COLUMN uses a column of yours instead)."
                )
            if report.nothing_to_do:
                lines.append("Nothing to do: every row is in the data source already.")
            self.stdout.write("\n".join(lines))
        if report.bad:
            raise CommandError(f"{report.bad} row{'s' if report.bad != 1 else ''} would be left out as bad.")

    def _properties(self, specs: list[str]) -> tuple[str, dict[str, str], dict[str, Relation]]:
        """The title column (NAME:title), the types (NAME:TYPE or NAME:skip) and the relations'
        targets (NAME:relation=DATA_SOURCE[@PROPERTY]) of `--property`."""
        title_column, types, relations = "", {}, {}
        for spec in specs:
            relation = _RELATION_SPEC.fullmatch(spec)
            if relation:
                name = relation["name"].strip()
                if not name:
                    raise CommandError(f"--property “{spec}” is not NAME:TYPE.")
                if name in types or name == title_column:
                    raise CommandError(f"--property names column “{name}” twice.")
                types[name] = service.RELATION
                relations[name] = self._relation(spec, relation["target"])
                continue
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
            elif kind == service.RELATION:
                types[name] = kind  # into an existing data source's relation property, by title
            elif kind in service.IMPORT_TYPES or kind == service.SKIP:
                types[name] = kind
            else:
                raise CommandError(
                    f"--property “{spec}”: unknown type “{kind}”; the types are title, "
                    f"{', '.join(service.IMPORT_TYPES)}, or {service.SKIP}."
                )
        return title_column, types, relations

    def _relation(self, spec: str, target: str) -> Relation:
        """The relation of `NAME:relation=DATA_SOURCE[@PROPERTY]`, its target `DATA_SOURCE[@PROPERTY]`."""
        source, at, match = target.partition("@")
        source_id = parse_notion_id(source)
        if source_id is None:
            raise CommandError(
                f"--property “{spec}”: the data source it relates to is neither a Notion ID nor a "
                f"Notion link: {source.strip()!r}."
            )
        if at and not match.strip():
            raise CommandError(f"--property “{spec}”: name the property to match after the “@”.")
        return Relation(source_id, match.strip())

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
        if spec.get("views"):
            result["views"] = spec["views"]
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
                *(f"View: {ViewMade.from_dict(one).describe()}" for one in spec.get("views") or []),
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
