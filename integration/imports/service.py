"""Importing a CSV file, as the browser and `manage.py import_csv` both do it.

`read_file` reads a file once for all it needs (its header, its columns' types and decimal
separators guessed, its rows counted, its digest, its first rows); `make_plan` takes what the
person chose (a type per column or skip, the title column, the decimal separator);
`match_data_source` lines the columns up with an existing data source's properties, by name, case
included as Notion compares them, and says what does not fit; `check_rows` converts the rows as
the job will (every row of a file of up to IMPORT_CHECK_ROWS records, else that many first ones)
and says which would be refused; the start_* functions queue the import job, into a new database
under a page or into an existing data source, and refuse an import of which no row would go in.
The same file into the same data source is one import: started again, its earlier job goes on
where it stopped (never adding a row twice) instead of a new one.

Nothing is sent to Notion before every check has passed: no database is made, no property added
and no job queued for a file none of whose rows can be imported.

A relation column names pages of another data source (`relations`): into a new database it is
created pointing at the data source the plan names; into an existing data source it goes into a
relation property of its name, pointing where that property points. Either way the related data
source must be readable, and the property its values are matched against one Notion filters.
"""

import hashlib
import itertools
import shutil
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from integration import jobs
from integration.imports import csvfile, merge
from integration.imports.job import start_import_job
from integration.imports.merge import ADD_ONLY, IMPORT_KEY, KEY_TYPES, MERGE, MODES, UPDATE_ONLY
from integration.imports.relations import Lookup, Relation, RelationError, read_target
from integration.imports.state import ImportInput
from integration.models import AuditContext, Job
from integration.notion import databases, selectors
from integration.notion.client import notion_client
from integration.notion.columns import RELATION, Column, ColumnError, check_names
from integration.notion.database_views import DatabaseView, ViewError, check_views
from integration.notion.errors import NotionError
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
    RELATION: "Relation",  # with the data source it relates to: ImportPlan.relations
}
PREVIEW_ROWS = 5
BAD_ROWS_SHOWN = 100  # bad rows (and changes) a dry run lists; its counts have them all
# The decimal separator of every number column: as found in each column's values, or one for all.
DECIMALS = {"": "As found in each column", ".": "A point (1234.5)", ",": "A comma (1234,5)"}
CHECK_PROBLEMS_KEPT = 100  # refused cells listed by a check; its count has them all


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
    decimal: str = "."  # its numbers' decimal separator, found in its values
    reason: str = ""  # why it is not the type most of its values fit (csvfile.ColumnGuess)


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
    first_lines: tuple[int, ...] = ()  # the line each of `first_rows` starts on

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
                {
                    "name": c.name,
                    "type": c.type,
                    "options": list(c.options),
                    "samples": list(c.samples),
                    "decimal": c.decimal,
                    "reason": c.reason,
                }
                for c in self.columns
            ],
            "total": self.total,
            "digest": self.digest,
            "first_rows": [list(row) for row in self.first_rows],
            "first_lines": list(self.first_lines),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, path: Path, name: str) -> "CsvFile":
        return cls(
            path=path,
            name=name,
            delimiter=data["delimiter"],
            columns=tuple(
                CsvColumn(
                    c["name"],
                    c["type"],
                    tuple(c["options"]),
                    tuple(c["samples"]),
                    decimal=c.get("decimal") or csvfile.decimal_separator(data["delimiter"]),
                    reason=c.get("reason", ""),
                )
                for c in data["columns"]
            ),
            total=data["total"],
            digest=data["digest"],
            first_rows=tuple(tuple(row) for row in data["first_rows"]),
            first_lines=tuple(data.get("first_lines") or ()),
        )


@dataclass(frozen=True)
class ImportPlan:
    """What to import: the title column, each other column's type (or SKIP), and the target of
    each relation column (one without is a relation property's, into an existing data source)."""

    title_column: str
    types: dict[str, str]
    relations: dict[str, Relation] = field(default_factory=dict)
    decimals: dict[str, str] = field(default_factory=dict)  # {column: "." or ","}, every column
    views: tuple[DatabaseView, ...] = ()  # those made with a new database, beside its table

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
    key: "Key | None" = None  # the key column and the property holding it; None: the app's row key
    relations: dict[str, Relation] = field(default_factory=dict)  # of the columns going into relations

    @property
    def source_id(self) -> str:
        return str(self.source["id"])

    @property
    def name(self) -> str:
        return plain_text(self.source.get("title")) or "Untitled"

    @property
    def import_key_notice(self) -> str:
        """What starting adds to the data source, said before it is added; "" if nothing."""
        if not self.needs_import_key:
            return ""
        return (
            f"Starting adds a text property “{IMPORT_KEY}” to “{self.name}”: each page keeps its row's "
            "key there, so that the import finds the row's page again and a re-run adds no row twice."
        )


@dataclass(frozen=True)
class RowCheck:
    """The file's rows converted as the job will convert them: how many would be refused, and where."""

    checked: int  # records checked: the file's first ones
    total: int  # records in the file
    refused: int  # of the records checked, those that would not be imported
    problems: tuple[csvfile.BadRow, ...]  # the first CHECK_PROBLEMS_KEPT refused cells or rows

    @property
    def complete(self) -> bool:
        """Whether every row of the file was checked."""
        return self.checked == self.total

    @property
    def nothing_to_import(self) -> bool:
        return self.complete and self.refused == self.checked

    @property
    def lines(self) -> list[int]:
        """The lines of the refused rows listed, each once, in order."""
        return list(dict.fromkeys(problem.line for problem in self.problems))

    def cell_problem(self, line: int, column: str) -> str:
        """Why the cell of `column` on `line` would be refused, or ""; a whole row's problem counts."""
        for problem in self.problems:
            if problem.line == line and problem.column in (column, None):
                return problem.message
        return ""


@dataclass(frozen=True)
class Key:
    """How the rows find their pages: the file's `column`, held by the data source's `property`
    of type `type`, and what to do with what is found (`mode`: merge, update or add)."""

    column: str
    property: str
    type: str
    mode: str = MERGE


@dataclass(frozen=True)
class Started:
    job: Job
    resumed: bool = False
    nothing_to_do: bool = False  # the same file was imported into the same data source before
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
        guesses[0] = csvfile.ColumnGuess(
            header[0], "rich_text", guesses[0].samples, guesses[0].distinct, decimal=guesses[0].decimal
        )
    rows = tuple(row.values for row in sample[:PREVIEW_ROWS])
    return CsvFile(
        path=path,
        name=name,
        delimiter=reader.delimiter,
        columns=tuple(CsvColumn(g.name, g.type, g.options, g.samples, g.decimal, g.reason) for g in guesses),
        total=total,
        digest=digest,
        first_rows=rows,
        first_lines=tuple(row.line for row in sample[:PREVIEW_ROWS]),
    )


def make_plan(
    *,
    file: CsvFile,
    title_column: str = "",
    types: Mapping[str, str] | None = None,
    relations: Mapping[str, Relation] | None = None,
    decimal: str = "",
) -> ImportPlan:
    """The plan for `file`: `title_column` (by default the first), `types` ({column: type or
    SKIP}; a column not named keeps its guessed type), `relations` (the target of each column of
    type relation) and `decimal`, the decimal separator of every number column ("." or ","; ""
    keeps each column's own). CannotImport names a column, type or separator that is not there, or
    a relation given to a column of another type."""
    header = file.header
    if decimal not in DECIMALS:
        raise CannotImport(f"The decimal separator is “.” or “,”, not “{decimal}”.")
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
    plan = ImportPlan(
        title_column=title_column,
        types={
            column.name: chosen.get(column.name, column.type)
            for column in file.columns
            if column.name != title_column
        },
        relations=dict(relations or {}),
        decimals={column.name: decimal or column.decimal for column in file.columns},
    )
    for name in plan.relations:
        if name == title_column:
            raise CannotImport(f"The title column “{name}” can't be a relation: it names each page.")
        if plan.types.get(name) != RELATION:
            raise CannotImport(f"Column “{name}” relates to a data source, but its type is not relation.")
    return plan


def new_database_columns(*, file: CsvFile, plan: ImportPlan) -> list[Column]:
    """The columns of the new database the plan makes (the title aside), "Import key" last."""
    try:
        columns = []
        for name in plan.imported:
            kind = plan.types[name]
            guess = file.column(name)
            options = guess.options if kind == "select" and guess.type == "select" else ()
            related = plan.relations[name].data_source_id if name in plan.relations else ""
            columns.append(Column(name, kind, options, data_source_id=related))
        columns.append(Column(IMPORT_KEY, "rich_text"))
        check_names(plan.title_column, columns)
        check_views(plan.views, title_property=plan.title_column, columns=columns)
    except (ColumnError, ViewError) as error:
        raise CannotImport(str(error)) from None
    return columns


def _job_schema(title_column: str, properties: Mapping[str, dict]) -> dict[str, dict]:
    return {title_column: {"type": "title", "title": {}}, **properties}


def new_database_schema(*, file: CsvFile, plan: ImportPlan) -> dict[str, dict]:
    """The schema the job converts rows with, into the new database the plan makes."""
    columns = new_database_columns(file=file, plan=plan)
    return _job_schema(
        plan.title_column,
        {one.name: {"type": one.type, **one.schema()} for one in columns if one.name != IMPORT_KEY},
    )


def match_schema(match: Match, plan: ImportPlan) -> dict[str, dict]:
    """The schema the job converts rows with, into the matched data source's properties."""
    properties = properties_of(match.source)
    return _job_schema(plan.title_column, {name: properties[name] for name, _, _ in match.columns[1:]})


def check_rows(*, file: CsvFile, plan: ImportPlan, schema: Mapping[str, dict]) -> RowCheck:
    """The file's rows converted with `schema` and the plan's decimal separators, as the job will:
    every row of a file of up to IMPORT_CHECK_ROWS records, else that many first ones. Nothing is sent.

    A row with a field too many or too few, or a value its column's type can't take, would be
    refused; a row repeated word for word is not counted here (the job imports it once).
    """
    limit = settings.IMPORT_CHECK_ROWS
    checked = refused = 0
    problems: list[csvfile.BadRow] = []
    try:
        with file.path.open("rb") as stream:
            reader = csvfile.CsvReader(stream, delimiter=file.delimiter, limit=settings.IMPORT_MAX_BYTES)
            for row in itertools.islice(reader, limit):
                checked += 1
                if isinstance(row, csvfile.Row):
                    converted = csvfile.convert_row(reader.header, row, dict(schema), decimals=plan.decimals)
                    bad = converted if isinstance(converted, list) else []
                else:
                    bad = [row]
                if bad:
                    refused += 1
                    problems.extend(bad[: CHECK_PROBLEMS_KEPT - len(problems)])
    except OSError as error:
        raise CannotImport(f"Can't read {file.name}: {error.strerror or error}.") from None
    except csvfile.CsvError as error:
        raise CannotImport(f"{file.name}: {error}") from None
    return RowCheck(checked=checked, total=file.total, refused=refused, problems=tuple(problems))


def _refuse_if_nothing_to_import(file: CsvFile, check: RowCheck) -> None:
    """CannotImport when no row of the file would be imported: then nothing is made, nor queued."""
    if not check.nothing_to_import:
        return
    first = check.problems[0]
    where = f"line {first.line}" + (f", “{first.column}”" if first.column else "")
    lines = check.lines
    shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 or check.refused > len(lines) else "")
    raise CannotImport(
        f"None of the {check.total:,} row{'s' if check.total != 1 else ''} of {file.name} can be imported "
        f"(lines {shown}): nothing was sent. The first, {where}: {first.message}"
    )


def match_data_source(
    *,
    file: CsvFile,
    plan: ImportPlan,
    data_source_id: str,
    key_column: str = "",
    mode: str = "",
    context: AuditContext | None = None,
) -> Match:
    """The plan's columns against the data source's properties (read from Notion, kept a minute).

    A column fits a property of its exact name whose type takes its values (its first distinct
    values are tried); the title column goes into the title property, whatever its name. A
    relation property's column names pages of the data source that property relates to (read
    too, to check the property they are matched against).
    `key_column` (see imports/merge.py) must be the title column or an imported one, held by a
    property an `equals` filter finds pages by; without it the app's "Import key" property is
    used, added if the data source has none. `mode`: merge (the default with a key column),
    update (it needs a key column) or add (the default without one).
    """
    source = selectors.data_source_schema(source_id=data_source_id, context=context)
    properties = properties_of(source)
    title_property = selectors.title_property(source)
    matched = [(plan.title_column, title_property, "title")]
    mismatches = []
    relations = {}
    for name in plan.imported:
        problem = _mismatch(file, plan, name, properties, title_property)
        if not problem and properties[name].get("type") == RELATION:
            relation, problem = _relation_fit(name, properties[name], plan.relations.get(name), context)
            if relation is not None:
                relations[name] = relation
        elif not problem and name in plan.relations:
            problem = (
                f"“{name}” goes into a {properties[name].get('type')} property, not a relation: "
                "choose another type for it, or skip it."
            )
        if problem:
            mismatches.append(problem)
        else:
            matched.append((name, name, str(properties[name].get("type"))))
    mode = mode or (MERGE if key_column else ADD_ONLY)
    if mode not in MODES:
        raise CannotImport(f"Unknown way to import “{mode}”: {', '.join(MODES)}.")
    key = None
    if key_column:
        key, problem = _key(plan, key_column, mode, {name: (prop, kind) for name, prop, kind in matched})
        if problem:
            mismatches.append(problem)
    elif mode == UPDATE_ONLY:
        raise CannotImport(
            "Updating only needs a key column: without one, a changed row can't be told from a new one."
        )
    import_key = properties.get(IMPORT_KEY)
    if not key_column and import_key is not None and import_key.get("type") != "rich_text":
        mismatches.append(
            f"The data source has a {import_key.get('type')} property “{IMPORT_KEY}”: the import keeps "
            "each row's key in a text property of that name. Rename that property in Notion, or "
            "choose a key column."
        )
    return Match(
        source=source,
        columns=tuple(matched),
        mismatches=tuple(mismatches),
        needs_import_key=not key_column and import_key is None,
        key=key,
        relations=relations,
    )


def _key(
    plan: ImportPlan, column: str, mode: str, matched: dict[str, tuple[str, str]]
) -> tuple[Key | None, str]:
    """The key column `column` as the data source holds it, or why it can't be the key."""
    if column != plan.title_column and column not in plan.types:
        return None, f"There is no column “{column}” to be the key."
    if column not in matched:
        return (
            None,
            f"The key column “{column}” must go into a property of the data source: "
            "it is skipped, or fits none.",
        )
    property_name, kind = matched[column]
    if kind not in KEY_TYPES:
        return None, (
            f"The key column “{column}” goes into a {kind} property, which can't find a page by its "
            f"value: a key is held by a property of type {', '.join(KEY_TYPES)}."
        )
    return Key(column, property_name, kind, mode), ""


def _relation_fit(
    name: str, prop: Mapping, asked: Relation | None, context: AuditContext | None
) -> tuple[Relation | None, str]:
    """Column `name` into relation property `prop`: the relation its values are looked up by, or why
    they can't be. `asked`, the plan's target if it names one, must be where the property points."""
    config = prop.get(RELATION)
    config = config if isinstance(config, dict) else {}
    related = str(config.get("data_source_id") or "")
    if (
        asked is not None
        and asked.data_source_id
        and asked.data_source_id not in (related, config.get("database_id"))
    ):
        return None, (
            f"“{name}” is a relation to the data source {related}, not to {asked.data_source_id}: "
            "give that one, or none."
        )
    relations, problems = check_relations(
        relations={name: Relation(related, asked.match if asked else "")}, context=context
    )
    return relations.get(name), "".join(problems)


# Notion's answers that say a related data source can't be used (any other error is raised).
_UNREADABLE = ("object_not_found", "not_a_data_source", "ambiguous_database", "restricted_resource")


def check_relations(
    *, relations: Mapping[str, Relation], context: AuditContext | None = None
) -> tuple[dict[str, Relation], list[str]]:
    """The relations whose data sources can be read and matched against (each by its data source's
    own ID, had a database's been given), and for each other one, what is wrong."""
    checked, problems = {}, []
    for column, relation in relations.items():
        if not relation.data_source_id:
            problems.append(f"“{column}”: name the data source it relates to.")
            continue
        try:
            target = read_target(relation, context=context)
        except NotionError as error:
            if error.code not in _UNREADABLE:
                raise
            problems.append(f"“{column}”: the data source it relates to can't be read: {error.hint}")
        except RelationError as error:
            problems.append(f"“{column}”: {error}")
        else:
            checked[column] = replace(relation, data_source_id=target.source_id)
    return checked, problems


def _mismatch(
    file: CsvFile, plan: ImportPlan, name: str, properties: Mapping[str, dict], title_property: str
) -> str:
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
        converted = csvfile.convert_row(
            (name,), csvfile.Row(0, (value,)), {name: prop}, decimal=file.decimal, decimals=plan.decimals
        )
        if isinstance(converted, list):
            return f"“{name}” can't go into its {kind} property: {converted[0].message}"
    return ""


def copy_into_imports(*, path: Path) -> Path:
    """A copy of the file at `path` under IMPORTS_DIR, for an import job to read."""
    copy = settings.IMPORTS_DIR / f"{uuid.uuid4()}.csv"
    copy.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, copy)
    return copy


def _identity(source_id: str, file: CsvFile, key: Key | None) -> str:
    """What makes two imports one: the data source, the file's bytes, and how rows find pages."""
    return f"{source_id}:{file.digest}" + (f":{key.mode}:{key.column}" if key else "")


def _job_input(
    file: CsvFile,
    plan: ImportPlan,
    *,
    database_id: str,
    source_id: str,
    url: str,
    schema: dict,
    created_database: bool,
    key: Key | None = None,
    relations: dict[str, Relation] | None = None,
    title: str = "",
    template: str = "",
    views: list[dict] | None = None,
) -> ImportInput:
    return ImportInput(
        template=template,
        created_database=created_database,
        name=file.name,
        title=title,
        decimals=dict(plan.decimals),
        database_id=database_id,
        data_source_id=source_id,
        url=url,
        header=list(file.header),
        schema=schema,
        delimiter=file.delimiter,
        source=_identity(source_id, file, key),
        file=str(file.path),
        key_column=key.column if key else "",
        key_property=key.property if key else "",
        key_type=key.type if key else "",
        mode=key.mode if key else ADD_ONLY,
        key_source=source_id,
        relations=relations or {},
        views=views or [],
    )


def start_new_database_import(
    *, file: CsvFile, plan: ImportPlan, title: str, parent_page_id: str, user: User, context: AuditContext
) -> Started:
    """Create a database under `parent_page_id` ("" for the default) with the plan's columns, then
    queue the job adding a page per row of `file`, whose path (under IMPORTS_DIR) the job then owns.
    The data sources of relation columns are read first: CannotImport, nothing sent, if one can't be,
    or if no row of the file would be imported."""
    relations, problems = check_relations(relations=plan.relations, context=context)
    if problems:
        count = len(problems)
        raise CannotImport(
            f"{count} relation column{'s' if count != 1 else ''} of {file.name} can't be imported: "
            "nothing was sent.",
            mismatches=tuple(problems),
        )
    plan = replace(plan, relations=relations)
    columns = new_database_columns(file=file, plan=plan)
    schema = new_database_schema(file=file, plan=plan)
    _refuse_if_nothing_to_import(file, check_rows(file=file, plan=plan, schema=schema))
    database = databases.create_database(
        title=title,
        parent_page_id=parent_page_id,
        title_property=plan.title_column,
        columns=columns,
        views=plan.views,
        context=context,
    )
    source_id = database["data_sources"][0]["id"]
    job = start_import_job(
        user=user,
        total=file.total,
        correlation_id=context.correlation_id,
        spec=_job_input(
            file,
            plan,
            database_id=database["id"],
            source_id=source_id,
            url=database.get("url") or "",
            schema=schema,
            created_database=True,
            relations=plan.relations,
            title=title,
            views=database.get(databases.VIEWS_MADE),
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
    *,
    file: CsvFile,
    plan: ImportPlan,
    data_source_id: str,
    user: User,
    context: AuditContext,
    key_column: str = "",
    mode: str = "",
    announce: Callable[[str], None] | None = None,
    template: str = "",
) -> Started:
    """Import `file` into an existing data source, its rows matched to pages by `key_column` (or
    the app's row key) as `mode` says (see `match_data_source`): if this file was imported into it
    the same way before, that job goes on if it stopped, or there is nothing to do if it was done
    (and `file`'s path is deleted); else the columns are matched and the rows checked
    (CannotImport with the mismatches, or if no row would be imported: nothing sent), "Import key"
    is added to the data source if it has none and no key column is given (`announce` told so
    first), and a job is queued, owning `file`'s path; each page it adds is made from `template`
    (a template's ID, "" for none)."""
    match = match_data_source(
        file=file, plan=plan, data_source_id=data_source_id, key_column=key_column, mode=mode, context=context
    )
    source_id = match.source_id
    earlier = earlier_import(source_key=_identity(source_id, file, match.key))
    if earlier is not None:
        return _resume(earlier, file=file, user=user)
    if match.mismatches:
        raise CannotImport(_misfit(file, match), mismatches=match.mismatches)
    _refuse_if_nothing_to_import(file, check_rows(file=file, plan=plan, schema=match_schema(match, plan)))
    if match.needs_import_key:
        if announce is not None:
            announce(match.import_key_notice)
        databases.add_properties(
            data_source_id=source_id, columns=[Column(IMPORT_KEY, "rich_text")], context=context
        )
    job = start_import_job(
        user=user,
        total=file.total,
        correlation_id=context.correlation_id,
        spec=_data_source_input(file, plan, match, template=template),
    )
    job.refresh_from_db()
    return Started(job)


def _data_source_input(file: CsvFile, plan: ImportPlan, match: Match, *, template: str = "") -> ImportInput:
    parent = match.source.get("parent")
    database = parent if isinstance(parent, dict) else {}
    return _job_input(
        file,
        plan,
        database_id=str(database.get("database_id") or match.source_id),
        source_id=match.source_id,
        url=str(match.source.get("url") or ""),
        schema=match_schema(match, plan),
        created_database=False,
        key=match.key,
        relations=match.relations,
        template=template,
    )


@dataclass
class DryRun:
    """What an import would do, row by row, with nothing written: pages to add, pages to update
    (and which columns change), pages already as the file has them, rows left out, bad rows."""

    rows: int = 0  # records looked at
    complete: bool = True  # every record of the file was
    add: int = 0
    update: int = 0
    same: int = 0
    left_out: int = 0
    bad: int = 0
    changed_columns: dict[str, int] = field(default_factory=dict)
    changes: list[tuple[int, str, list[str]]] = field(default_factory=list)  # (line, page ID, columns)
    bad_rows: list[tuple[int, str | None, str]] = field(default_factory=list)
    adds_import_key: bool = False  # the data source gets the "Import key" property

    @property
    def nothing_to_do(self) -> bool:
        return self.complete and not (self.add or self.update or self.bad)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "complete": self.complete,
            "add": self.add,
            "update": self.update,
            "same": self.same,
            "left_out": self.left_out,
            "bad": self.bad,
            "changed_columns": self.changed_columns,
            "changes": [list(change) for change in self.changes],
            "bad_rows": [list(row) for row in self.bad_rows],
            "adds_import_key": self.adds_import_key,
        }


def dry_run(
    *,
    file: CsvFile,
    plan: ImportPlan,
    data_source_id: str = "",
    key_column: str = "",
    mode: str = "",
    limit: int | None = None,
    context: AuditContext | None = None,
    progress: Callable[[int], None] | None = None,
) -> DryRun:
    """What importing `file` as `plan` says would do (see `start_data_source_import`; without
    `data_source_id`, into a new database: every good row added), its first `limit` records only
    if given. Reads the data source's pages holding the rows' keys, 100 rows a query; writes
    nothing; `progress` is told the count of records looked at after each 100. CannotImport if
    the columns don't fit."""
    if data_source_id:
        match = match_data_source(
            file=file,
            plan=plan,
            data_source_id=data_source_id,
            key_column=key_column,
            mode=mode,
            context=context,
        )
        if match.mismatches:
            raise CannotImport(_misfit(file, match), mismatches=match.mismatches)
        spec = _data_source_input(file, plan, match)
        source_id = match.source_id

        def find(query: dict) -> list[dict]:
            with notion_client(context) as client:
                return list(selectors.query_pages(client, source_id, query))

        finder: merge.Finder | None = None if match.needs_import_key else find
    else:
        relations, problems = check_relations(relations=plan.relations, context=context)
        if problems:
            raise CannotImport(
                f"{file.name}: a relation column can't be imported.", mismatches=tuple(problems)
            )
        schema = new_database_schema(file=file, plan=plan)
        spec = _job_input(
            file,
            plan,
            database_id="",
            source_id="",
            url="",
            schema=schema,
            created_database=True,
            relations=relations,
        )
        finder = None
    report = DryRun(adds_import_key=bool(data_source_id) and match.needs_import_key)
    seen: dict[str, int] = {}  # row key: the line it is first on
    with file.path.open("rb") as opened:
        reader = csvfile.CsvReader(opened, delimiter=file.delimiter)
        lookup = Lookup(spec.relations, context=context, decimal=file.decimal) if spec.relations else None
        decisions = merge.decisions(reader, spec, find=finder, lookup=lookup)
        for decision in itertools.islice(decisions, limit):  # no lookup past the limit
            report.rows += 1
            _count(report, decision, spec, seen)
            if progress is not None and report.rows % merge.BATCH == 0:
                progress(report.rows)
    report.complete = report.rows == file.total
    return report


def _count(report: DryRun, decision: merge.Decision, spec: ImportInput, seen: dict[str, int]) -> None:
    if isinstance(decision, merge.Bad):
        report.bad += 1
        report.bad_rows.extend((bad.line, bad.column, bad.message) for bad in decision.problems)
        del report.bad_rows[BAD_ROWS_SHOWN:]
        return
    first = seen.setdefault(decision.key, decision.line)
    if first != decision.line:
        report.bad += 1
        if len(report.bad_rows) < BAD_ROWS_SHOWN:
            what = (
                f"{spec.key_column} is the same as on line {first}"
                if spec.key_column
                else f"The same as line {first}"
            )
            report.bad_rows.append(
                (decision.line, spec.key_column or None, f"{what}: the row would be left out.")
            )
    elif isinstance(decision, merge.Add):
        report.add += 1
    elif isinstance(decision, merge.Change):
        report.update += 1
        for column in decision.columns:
            report.changed_columns[column] = report.changed_columns.get(column, 0) + 1
        if len(report.changes) < BAD_ROWS_SHOWN:
            report.changes.append((decision.line, decision.page_id, decision.columns))
    elif isinstance(decision, merge.LeftOut) or decision.left_out:
        report.left_out += 1
    else:
        report.same += 1


def _misfit(file: CsvFile, match: Match) -> str:
    count = len(match.mismatches)
    return (
        f"{count} column{'s' if count != 1 else ''} of {file.name} "
        f"{'do' if count != 1 else 'does'} not fit the data source “{match.name}”: nothing was sent."
    )


def _resume(job: Job, *, file: CsvFile, user: User) -> Started:
    if job.owner_id != user.pk and not user.has_perm("integration.manage_others_jobs"):
        raise CannotImport(
            f"This file was imported into this data source by another user's job {job.pk}: "
            "ask them, or someone allowed to manage others' jobs, to resume it."
        )
    if job.state == Job.State.DONE:
        file.path.unlink(missing_ok=True)
        return Started(
            job,
            nothing_to_do=True,
            message=f"Nothing to do: this file was imported into this data source by job {job.pk} "
            f"({job.result.get('hint', '').rstrip('.')}). To import it again, change the file or "
            "choose another target.",
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
