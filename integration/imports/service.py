"""Importing a CSV file, as the browser and `manage.py import_csv` both do it.

`read_file` reads a file once for all it needs (its header, its columns' types guessed, its
rows counted, its digest, its first rows); `make_plan` takes what the person chose (a type per
column or skip, the title column); `match_data_source` lines the columns up with an existing
data source's properties, by name, case included as Notion compares them, and says what does
not fit; `start_import` queues the import job, into a new database under a page or into an
existing data source. The same file into the same data source is one import: started again, its
earlier job goes on where it stopped (never adding a row twice) instead of a new one.

Nothing is sent to Notion before every check has passed.
"""

import hashlib
import shutil
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from integration import jobs
from integration.imports import csvfile
from integration.imports.job import IMPORT_KEY, start_import_job
from integration.imports.state import ImportInput
from integration.models import AuditContext, Job
from integration.notion import databases, selectors
from integration.notion.columns import Column, ColumnError, check_names
from integration.notion.shapes import plain_text
from integration.notion.values import properties_of

SKIP = "skip"
# The types a column can be given in a new database, as the guesses name them, with their labels.
IMPORT_TYPES = {
    "rich_text": "Text",
    "number": "Number",
    "date": "Date",
    "checkbox": "Checkbox",
    "select": "Select",
    "multi_select": "Multi-select",
    "email": "Email",
    "url": "URL",
    "phone_number": "Phone",
}
PREVIEW_ROWS = 5


class CannotImport(ValueError):
    """An import that can't start, with why; `mismatches` lists each column that does not fit."""

    def __init__(self, message: str, *, mismatches: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.mismatches = mismatches


@dataclass(frozen=True)
class CsvColumn:
    """A column of the file and what its first rows say of it (as if it were not the title)."""

    name: str
    type: str
    options: tuple[str, ...] = ()  # a select's, from the sample
    samples: tuple[str, ...] = ()


@dataclass(frozen=True)
class CsvFile:
    """A file to import, read through once: everything the checks and the job need."""

    path: Path
    name: str  # as the person named it
    delimiter: str
    columns: tuple[CsvColumn, ...]
    total: int  # records after the header, bad ones included
    digest: str  # SHA-256 of the file's bytes
    first_rows: tuple[tuple[str, ...], ...]

    @property
    def header(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def decimal(self) -> str:
        return csvfile.decimal_separator(self.delimiter)

    def column(self, name: str) -> CsvColumn:
        return next(column for column in self.columns if column.name == name)

    def as_dict(self) -> dict[str, Any]:
        """What reading the file found, kept with its upload (`Upload.summary`); its path and name
        are the upload's own."""
        return {
            "delimiter": self.delimiter,
            "columns": [
                {"name": c.name, "type": c.type, "options": list(c.options), "samples": list(c.samples)}
                for c in self.columns
            ],
            "total": self.total,
            "digest": self.digest,
            "first_rows": [list(row) for row in self.first_rows],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, path: Path, name: str) -> "CsvFile":
        return cls(
            path=path,
            name=name,
            delimiter=data["delimiter"],
            columns=tuple(
                CsvColumn(c["name"], c["type"], tuple(c["options"]), tuple(c["samples"]))
                for c in data["columns"]
            ),
            total=data["total"],
            digest=data["digest"],
            first_rows=tuple(tuple(row) for row in data["first_rows"]),
        )


@dataclass(frozen=True)
class ImportPlan:
    """What to import: the title column, and each other column's type (or SKIP)."""

    title_column: str
    types: dict[str, str]

    @property
    def imported(self) -> list[str]:
        """The columns imported, the title column aside, in the file's order."""
        return [name for name, kind in self.types.items() if kind != SKIP]


@dataclass(frozen=True)
class Match:
    """The file's columns against an existing data source: where each goes, and what does not fit."""

    source: dict
    columns: tuple[tuple[str, str, str], ...]  # (column, property, property type), the title first
    mismatches: tuple[str, ...]
    needs_import_key: bool  # the "Import key" property is to be added

    @property
    def source_id(self) -> str:
        return str(self.source["id"])

    @property
    def name(self) -> str:
        return plain_text(self.source.get("title")) or "Untitled"


@dataclass(frozen=True)
class Started:
    job: Job
    resumed: bool = False
    message: str = ""


def read_file(*, path: Path, name: str = "", limit: int | None = None) -> CsvFile:
    """The CSV file at `path` (named `name`, by default its own name), read in one pass; at most
    `limit` bytes (by default IMPORT_MAX_BYTES), IMPORT_MAX_COLUMNS columns, checked on the header
    before any row is read, and IMPORT_MAX_ROWS rows, the reading stopped at the first one more.

    Raises CannotImport with csvfile's message if it can't be read, or if it has no rows or too many.
    """
    name = name or path.name
    max_rows = settings.IMPORT_MAX_ROWS
    try:
        with path.open("rb") as file:
            reader = csvfile.CsvReader(
                file, limit=limit or settings.IMPORT_MAX_BYTES, max_columns=settings.IMPORT_MAX_COLUMNS
            )
            sample: list[csvfile.Row] = []  # the good rows the types are guessed from
            total = 0
            for row in reader:
                total += 1
                if total > max_rows:
                    raise CannotImport(
                        f"{name}: the file has more than {max_rows:,} rows, the most one import takes "
                        f"(IMPORT_MAX_ROWS): split it into files of at most {max_rows:,} rows."
                    )
                if isinstance(row, csvfile.Row) and len(sample) < csvfile.SAMPLE_ROWS:
                    sample.append(row)
            file.seek(0)
            digest = hashlib.file_digest(file, "sha256").hexdigest()
    except OSError as error:
        raise CannotImport(f"Can't read {str(path)!r}: {error.strerror or error}.") from None
    except csvfile.CsvError as error:
        raise CannotImport(f"{name}: {error}") from None
    if total == 0:
        raise CannotImport(f"{name}: the file has a header but no rows to import.")
    header = reader.header
    guesses = csvfile.infer_columns(header, sample, decimal=reader.decimal)
    if len(header) > 1:  # the first column's own type, should another be the title
        guesses[0] = csvfile.infer_columns(header, sample, title=1, decimal=reader.decimal)[0]
    else:
        guesses[0] = csvfile.ColumnGuess(header[0], "rich_text", guesses[0].samples, guesses[0].distinct)
    rows = tuple(row.values for row in sample[:PREVIEW_ROWS])
    return CsvFile(
        path=path,
        name=name,
        delimiter=reader.delimiter,
        columns=tuple(CsvColumn(g.name, g.type, g.options, g.samples) for g in guesses),
        total=total,
        digest=digest,
        first_rows=rows,
    )


def make_plan(*, file: CsvFile, title_column: str = "", types: Mapping[str, str] | None = None) -> ImportPlan:
    """The plan for `file`: `title_column` (by default the first) and `types` ({column: type or
    SKIP}; a column not named keeps its guessed type). CannotImport names a column or type that
    is not there."""
    header = file.header
    title_column = title_column or header[0]
    if title_column not in header:
        raise CannotImport(f"There is no column “{title_column}” to be the title.")
    chosen = dict(types or {})
    for name, kind in chosen.items():
        if name not in header:
            raise CannotImport(f"The file has no column “{name}” (its columns: {', '.join(header)}).")
        if kind not in IMPORT_TYPES and kind != SKIP:
            raise CannotImport(
                f"Column “{name}”: unknown type “{kind}”; the types are {', '.join(IMPORT_TYPES)}, or {SKIP}."
            )
    if chosen.get(title_column, "") == SKIP:
        raise CannotImport(f"The title column “{title_column}” can't be skipped: every page needs a title.")
    return ImportPlan(
        title_column=title_column,
        types={
            column.name: chosen.get(column.name, column.type)
            for column in file.columns
            if column.name != title_column
        },
    )


def new_database_columns(*, file: CsvFile, plan: ImportPlan) -> list[Column]:
    """The columns of the new database the plan makes (the title aside), "Import key" last."""
    try:
        columns = []
        for name in plan.imported:
            kind = plan.types[name]
            guess = file.column(name)
            options = guess.options if kind == "select" and guess.type == "select" else ()
            columns.append(Column(name, kind, options))
        columns.append(Column(IMPORT_KEY, "rich_text"))
        check_names(plan.title_column, columns)
    except ColumnError as error:
        raise CannotImport(str(error)) from None
    return columns


def _job_schema(title_column: str, properties: Mapping[str, dict]) -> dict[str, dict]:
    return {title_column: {"type": "title", "title": {}}, **properties}


def match_data_source(
    *, file: CsvFile, plan: ImportPlan, data_source_id: str, context: AuditContext | None = None
) -> Match:
    """The plan's columns against the data source's properties (read from Notion, kept a minute).

    A column fits a property of its exact name whose type takes its values (its first distinct
    values are tried); the title column goes into the title property, whatever its name.
    """
    source = selectors.data_source_schema(source_id=data_source_id, context=context)
    properties = properties_of(source)
    title_property = selectors.title_property(source)
    matched = [(plan.title_column, title_property, "title")]
    mismatches = []
    for name in plan.imported:
        problem = _mismatch(file, name, properties, title_property)
        if problem:
            mismatches.append(problem)
        else:
            matched.append((name, name, str(properties[name].get("type"))))
    key = properties.get(IMPORT_KEY)
    if key is not None and key.get("type") != "rich_text":
        mismatches.append(
            f"The data source has a {key.get('type')} property “{IMPORT_KEY}”: the import keeps "
            "each row's key in a text property of that name. Rename that property in Notion."
        )
    return Match(
        source=source,
        columns=tuple(matched),
        mismatches=tuple(mismatches),
        needs_import_key=key is None,
    )


def _mismatch(file: CsvFile, name: str, properties: Mapping[str, dict], title_property: str) -> str:
    """Why column `name` can't go into the data source, or ""."""
    if name == IMPORT_KEY:
        return f"“{name}”: the import keeps each row's key in a property of that name; skip this column."
    if name == title_property:
        return f"“{name}” is the data source's title property: choose it as the title column, or skip it."
    prop = properties.get(name)
    if prop is None:
        near = [other for other in properties if other.casefold() == name.casefold()]
        also = f" (it has “{near[0]}”: names must match exactly, case included)" if near else ""
        return f"“{name}”: the data source has no property of that name{also}; skip it or rename it."
    kind = prop.get("type")
    for value in file.column(name).samples:
        converted = csvfile.convert_row((name,), csvfile.Row(0, (value,)), {name: prop}, decimal=file.decimal)
        if isinstance(converted, list):
            return f"“{name}” can't go into its {kind} property: {converted[0].message}"
    return ""


def copy_into_imports(*, path: Path) -> Path:
    """A copy of the file at `path` under IMPORTS_DIR, for an import job to read."""
    copy = settings.IMPORTS_DIR / f"{uuid.uuid4()}.csv"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy)
    return copy


def _job_input(
    file: CsvFile, *, database_id: str, source_id: str, url: str, schema: dict, created_database: bool
) -> ImportInput:
    return ImportInput(
        created_database=created_database,
        name=file.name,
        database_id=database_id,
        data_source_id=source_id,
        url=url,
        header=list(file.header),
        schema=schema,
        delimiter=file.delimiter,
        source=f"{source_id}:{file.digest}",
        file=str(file.path),
    )


def start_new_database_import(
    *, file: CsvFile, plan: ImportPlan, title: str, parent_page_id: str, user: User, context: AuditContext
) -> Started:
    """Create a database under `parent_page_id` ("" for the default) with the plan's columns, then
    queue the job adding a page per row of `file`, whose path (under IMPORTS_DIR) the job then owns."""
    columns = new_database_columns(file=file, plan=plan)
    database = databases.create_database(
        title=title,
        parent_page_id=parent_page_id,
        title_property=plan.title_column,
        columns=columns,
        context=context,
    )
    source_id = database["data_sources"][0]["id"]
    schema = _job_schema(
        plan.title_column,
        {one.name: {"type": one.type, **one.schema()} for one in columns if one.name != IMPORT_KEY},
    )
    job = start_import_job(
        user=user,
        total=file.total,
        correlation_id=context.correlation_id,
        spec=_job_input(
            file,
            database_id=database["id"],
            source_id=source_id,
            url=database.get("url") or "",
            schema=schema,
            created_database=True,
        ),
    )
    job.refresh_from_db()
    return Started(job)


def earlier_import(*, source_key: str) -> Job | None:
    """The newest import job of this file into this data source (`source`: "{data source ID}:{digest}")
    whose pages are still there: an import undone may be made again."""
    jobs_of_file = Job.objects.filter(kind=Job.Kind.IMPORT, input__source=source_key)
    return jobs_of_file.exclude(state=Job.State.UNDONE).order_by("-pk").first()


def start_data_source_import(
    *, file: CsvFile, plan: ImportPlan, data_source_id: str, user: User, context: AuditContext
) -> Started:
    """Import `file` into an existing data source: if this file was imported into it before and
    that job stopped, that job goes on (and `file`'s path is deleted); else the columns are matched
    (CannotImport with the mismatches, nothing sent), "Import key" is added to the data source if
    it has none, and a job is queued, owning `file`'s path."""
    match = match_data_source(file=file, plan=plan, data_source_id=data_source_id, context=context)
    source_id = match.source_id
    earlier = earlier_import(source_key=f"{source_id}:{file.digest}")
    if earlier is not None:
        return _resume(earlier, file=file, user=user)
    if match.mismatches:
        count = len(match.mismatches)
        raise CannotImport(
            f"{count} column{'s' if count != 1 else ''} of {file.name} "
            f"{'do' if count != 1 else 'does'} not fit the data source “{match.name}”: nothing was sent.",
            mismatches=match.mismatches,
        )
    source = match.source
    if match.needs_import_key:
        source = databases.add_properties(
            data_source_id=source_id, columns=[Column(IMPORT_KEY, "rich_text")], context=context
        )
    properties = properties_of(source)
    schema = _job_schema(plan.title_column, {name: properties[name] for name, _, _ in match.columns[1:]})
    parent = source.get("parent")
    database = parent if isinstance(parent, dict) else {}
    job = start_import_job(
        user=user,
        total=file.total,
        correlation_id=context.correlation_id,
        spec=_job_input(
            file,
            database_id=str(database.get("database_id") or source_id),
            source_id=source_id,
            url=str(source.get("url") or ""),
            schema=schema,
            created_database=False,
        ),
    )
    job.refresh_from_db()
    return Started(job)


def _resume(job: Job, *, file: CsvFile, user: User) -> Started:
    if job.owner_id != user.pk and not user.has_perm("integration.manage_others_jobs"):
        raise CannotImport(
            f"This file was imported into this data source by another user's job {job.pk}: "
            "ask them, or someone allowed to manage others' jobs, to resume it."
        )
    if job.state == Job.State.DONE:
        raise CannotImport(
            f"This file was already imported into this data source by job {job.pk} "
            f"({job.done} of {job.total} rows added): nothing to do. To import it again, "
            "change the file or choose another target."
        )
    if not jobs.resume_job(job):
        raise CannotImport(
            f"Job {job.pk} is importing this file into this data source now "
            f"({job.get_state_display().lower()}): see its page."
        )
    file.path.unlink(missing_ok=True)
    job.refresh_from_db()
    return Started(
        job,
        resumed=True,
        message=f"This file was imported into this data source before, by job {job.pk}, which had "
        "stopped: it goes on from the first row not added, and adds no row twice.",
    )
