"""What becomes of each row of a file imported into a data source that may hold its pages already.

Each row has a key: the value of a key column of the file, matched to a property of the data
source (an ID, an email…), or, without one, the app's own row key, a digest of the row's values
kept in the page's "Import key" property. The rows are taken 100 at a time: the pages holding
their keys are asked for in one query (a compound `or` filter, "Filter data source entries"),
and each row is then decided, in the file's order:

- no page has its key: the page is added (unless the import only updates);
- one page has it: the properties whose values differ are changed, and their values kept, for
  an undo to put back (unless the import only adds); a page showing every value already is left
  as it is, with no request;
- two pages or more have it: the row is bad, naming them.

Without a key column a changed row has a new key: it is added, the older page left as it is.
`decisions` only reads; the import job (imports/job.py) writes what they say, and a dry run
counts them.
"""

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from integration.imports import csvfile
from integration.imports.relations import Lookup
from integration.imports.state import ImportInput
from integration.notion.blocks import rich_text
from integration.notion.compare import COMPARED_TYPES, as_sent, cleared, comparable, same
from integration.notion.shapes import plain_text
from integration.notion.values import parse_number

IMPORT_KEY = "Import key"  # the rich_text property each imported page keeps its row key in
BATCH = 100  # rows whose pages are asked for in one query: conditions in one compound filter
# "merge": update the pages found, add the others; "update": never add; "add": never change.
MERGE, UPDATE_ONLY, ADD_ONLY = "merge", "update", "add"
MODES = (MERGE, UPDATE_ONLY, ADD_ONLY)
# The types a key property may have: those an `equals` filter finds a page by.
KEY_TYPES = ("title", "rich_text", "number", "email", "url", "phone_number", "select")

Finder = Callable[[dict], Iterable[dict]]  # the pages of the data source matching a filter


@dataclass(frozen=True)
class Bad:
    """A row left out: what is wrong with it, cell by cell (or the whole row)."""

    line: int
    problems: tuple[csvfile.BadRow, ...]


@dataclass(frozen=True)
class Add:
    line: int
    key: str
    title: str
    values: dict[str, dict]


@dataclass(frozen=True)
class Change:
    """A page found by the row's key, and the properties to set: `before` is what they held."""

    line: int
    key: str
    page_id: str
    values: dict[str, dict]
    before: dict[str, dict]

    @property
    def columns(self) -> list[str]:
        return list(self.values)


@dataclass(frozen=True)
class Same:
    """A page found by the row's key that is left as it is: it shows the row already, or the
    import only adds (`left_out` then says so)."""

    line: int
    key: str
    page_id: str
    left_out: str = ""


@dataclass(frozen=True)
class LeftOut:
    """A row no page has the key of, in an import that only updates."""

    line: int
    key: str
    message: str


Decision = Bad | Add | Change | Same | LeftOut


@dataclass(frozen=True)
class _Row:
    line: int
    key: str  # the digest JobRow keeps
    lookup: Any  # the key as the filter and the page's property hold it
    title: str
    values: dict[str, dict]


def row_key(spec: ImportInput, header: tuple[str, ...], values: tuple[str, ...], lookup: Any) -> str:
    """The key a JobRow keeps for a row: the app's row key, or a digest of the key column's value."""
    if not spec.key_column:
        return csvfile.import_key(header, values, source=spec.key_source)
    return hashlib.sha256(f"{spec.key_source}\n{lookup!r}".encode()).hexdigest()[:32]


def key_value(kind: str, text: str, *, decimal: str = ".") -> Any:
    """A key cell's text as a property of type `kind` holds it, or None if it can't be one."""
    text = text.strip()
    if not text:
        return None
    if kind == "number":
        number = parse_number(text, decimal)
        return None if number is None else float(number)
    return text


def page_key(kind: str, value: dict) -> Any:
    """A page's key property value, as `key_value` gives a cell's."""
    held = value.get(kind)
    if kind in ("title", "rich_text"):
        return plain_text(held)
    return comparable(kind, held)


def key_condition(property_name: str, kind: str, lookup: Any) -> dict:
    """The filter condition finding the pages whose key property holds `lookup`."""
    return {"property": property_name, kind: {"equals": lookup}}


def decisions(
    reader: csvfile.CsvReader,
    spec: ImportInput,
    *,
    start: int = 0,
    find: Finder | None = None,
    lookup: Lookup | None = None,
) -> Iterator[Decision]:
    """A decision for each record of the file from the `start`th (0: the first), in order.

    `find` answers a query's filter with the pages matching it; without it (a new database) no
    page is there and every good row is added. `lookup` finds the pages relation cells name
    (integration.imports.relations), the batch's values at once.
    """
    batch: list[csvfile.Row | csvfile.BadRow] = []
    for index, row in enumerate(reader):
        if index < start:
            continue
        batch.append(row)
        if len(batch) == BATCH:
            yield from _decide(batch, reader, spec, find, lookup)
            batch = []
    yield from _decide(batch, reader, spec, find, lookup)


def _decide(
    batch: list[csvfile.Row | csvfile.BadRow],
    reader: csvfile.CsvReader,
    spec: ImportInput,
    find: Finder | None,
    lookup: Lookup | None,
) -> Iterator[Decision]:
    if lookup is not None and spec.relations:
        lookup.prefetch(
            dict(zip(reader.header, row.values, strict=True)) for row in batch if isinstance(row, csvfile.Row)
        )
    rows: list[_Row | Bad] = [_prepare(row, reader, spec, lookup) for row in batch]
    wanted = [row for row in rows if isinstance(row, _Row)]
    found = _pages_by_key(wanted, spec, find) if find and wanted else {}
    for row in rows:
        if isinstance(row, Bad):
            yield row
        else:
            yield _decide_row(row, found.get(row.lookup, []), spec)


def _prepare(
    row: csvfile.Row | csvfile.BadRow, reader: csvfile.CsvReader, spec: ImportInput, lookup: Lookup | None
) -> "_Row | Bad":
    if isinstance(row, csvfile.BadRow):
        return Bad(row.line, (row,))
    header = reader.header
    values = csvfile.convert_row(header, row, spec.schema, decimal=reader.decimal, decimals=spec.decimals)
    if isinstance(values, list):
        return Bad(row.line, tuple(values))
    if lookup is not None and spec.relations:
        references = lookup.references(row.line, dict(zip(header, row.values, strict=True)))
        if isinstance(references, list):
            return Bad(row.line, tuple(references))
        values.update(references)
    title = row.values[header.index(spec.title_name)].strip()
    values.pop(spec.title_name, None)
    if spec.key_column:
        text = row.values[header.index(spec.key_column)]
        lookup = key_value(spec.key_type, text, decimal=spec.decimals.get(spec.key_column, reader.decimal))
        if lookup is None:
            problem = (
                "is empty" if not text.strip() else f"“{text.strip()[:50]}” can't be a {spec.key_type} key"
            )
            return Bad(row.line, (csvfile.BadRow(row.line, spec.key_column, f"The key {problem}."),))
    else:
        lookup = None
    key = row_key(spec, header, row.values, lookup)
    return _Row(row.line, key, key if lookup is None else lookup, title, values)


def _pages_by_key(rows: list[_Row], spec: ImportInput, find: Finder) -> dict[Any, list[dict]]:
    property_name, kind = (spec.key_property, spec.key_type) if spec.key_column else (IMPORT_KEY, "rich_text")
    lookups = list(dict.fromkeys(row.lookup for row in rows))
    conditions = [key_condition(property_name, kind, lookup) for lookup in lookups]
    query = conditions[0] if len(conditions) == 1 else {"or": conditions}
    found: dict[Any, list[dict]] = {}
    for page in find(query):
        value = page.get("properties", {}).get(property_name)
        if isinstance(value, dict):
            found.setdefault(page_key(kind, value), []).append(page)
    return found


def _decide_row(row: _Row, pages: list[dict], spec: ImportInput) -> Decision:
    if len(pages) > 1:
        ids = ", ".join(page["id"] for page in pages[:5])
        shown = spec.key_column or IMPORT_KEY
        return Bad(
            row.line,
            (
                csvfile.BadRow(
                    row.line,
                    spec.key_column or None,
                    f"{shown} “{_shown(row.lookup)}” is held by {len(pages)} pages ({ids}): "
                    "the row can't tell which to update.",
                ),
            ),
        )
    if not pages:
        if spec.mode == UPDATE_ONLY:
            return LeftOut(
                row.line, row.key, f"No page has {spec.key_column} “{_shown(row.lookup)}”: not added."
            )
        return Add(row.line, row.key, row.title, row.values)
    page = pages[0]
    if not spec.key_column:  # the app's key is a digest of the values: the page shows them
        return Same(row.line, row.key, page["id"])
    if spec.mode == ADD_ONLY:
        return Same(row.line, row.key, page["id"], left_out="Already in the data source: left as it is.")
    changed, before = changes(page, row.title, row.values, spec)
    if not changed:
        return Same(row.line, row.key, page["id"])
    return Change(row.line, row.key, page["id"], changed, before)


def changes(page: dict, title: str, values: dict[str, dict], spec: ImportInput) -> tuple[dict, dict]:
    """The properties of `page` to set for it to show the row (`title`, `values` by column;
    an empty cell empties its property), and what they hold now."""
    held = page.get("properties", {})
    wanted: dict[str, tuple[str, Any]] = {}
    for name, prop in held.items():
        if isinstance(prop, dict) and prop.get("type") == "title":
            wanted[name] = ("title", rich_text(title))
    for name, schema in spec.schema.items():
        kind = schema.get("type", "")
        if name == spec.title_name or kind not in COMPARED_TYPES or kind == "title":
            continue
        value = values.get(name)
        wanted[name] = (kind, value[kind] if value is not None else cleared(kind))
    changed, before = {}, {}
    for name, (kind, content) in wanted.items():
        current = held.get(name, {}).get(kind) if isinstance(held.get(name), dict) else None
        if not same(kind, current, content):
            changed[name] = {kind: content}
            before[name] = {kind: as_sent(kind, current)}
    return changed, before


def _shown(lookup: Any) -> str:
    if isinstance(lookup, float) and lookup.is_integer():
        return str(int(lookup))
    return str(lookup)[:50]
