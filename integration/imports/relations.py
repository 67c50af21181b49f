"""Relation columns of a CSV import: each cell names pages of another data source, found there.

A cell holds one value or several, comma-separated (each stripped, empty ones dropped, at most 100,
Notion's limit of pages in one relation): the titles of pages of the related data source, or "by
key" the values one of its properties holds (a text, number, email, URL, phone, select or unique
ID property: those Notion filters with `equals`). Matching is exact, as the value is written; a
title holding a comma can't be named.

`Lookup`, one per run of an import job, finds the pages: it asks Notion only for the values it has
not asked for yet, up to 100 of them in one query (an `or` of `equals` conditions, every page of the
answer read), and keeps what it found. A value no page has, or two pages have, makes its row a bad
row naming it. Notion's errors are not caught: the caller's request policy applies.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from integration.imports.csvfile import BadRow
from integration.models import AuditContext
from integration.notion import selectors
from integration.notion.client import notion_client
from integration.notion.limits import ARRAY_LIMIT
from integration.notion.shapes import plain_text
from integration.notion.values import parse_number, properties_of, relation_value

# The property types a value can be matched against: those with an `equals` filter ("Filter data
# source entries": text, number, select and unique ID conditions).
MATCH_TYPES = ("title", "rich_text", "number", "email", "url", "phone_number", "select", "unique_id")
# Values looked up in one query: the conditions of its `or` (the app's choice, under the 100
# elements Notion takes in any array).
BATCH = ARRAY_LIMIT
IDS_SHOWN = 5  # of the pages an ambiguous value matches
_UNIQUE_ID = re.compile(r"(?:[A-Za-z][A-Za-z0-9]*-)?(\d+)")


class RelationError(ValueError):
    """A relation whose related data source can't be matched against as asked; says why."""


@dataclass(frozen=True)
class Relation:
    """A relation column's target: the data source its values name pages of, and the property of
    that data source they are matched against ("": its title property)."""

    data_source_id: str
    match: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"data_source_id": self.data_source_id, "match": self.match}

    @classmethod
    def from_dict(cls, data: Any) -> "Relation":
        data = data if isinstance(data, dict) else {}
        return cls(str(data.get("data_source_id") or ""), str(data.get("match") or ""))


@dataclass(frozen=True)
class Target:
    """A relation's data source as Notion describes it: its ID, its name, and the property matched."""

    source_id: str
    name: str
    property: str
    kind: str
    by_title: bool


def read_target(relation: Relation, *, context: AuditContext | None = None) -> Target:
    """The data source `relation` relates to (its schema read from Notion, kept a minute).

    Raises NotionError if it can't be read, RelationError if it has no such property to match, or
    one of a type that can't be matched."""
    source = selectors.data_source_schema(source_id=relation.data_source_id, context=context)
    name = plain_text(source.get("title")) or "Untitled"
    matched = relation.match or selectors.title_property(source)
    prop = properties_of(source).get(matched)
    if prop is None:
        raise RelationError(
            f"the data source “{name}” has no property “{matched}” to match the values against."
        )
    kind = str(prop.get("type"))
    if kind not in MATCH_TYPES:
        raise RelationError(
            f"“{matched}” of the data source “{name}” is a {kind} property; values can be matched "
            f"against a property of type {', '.join(MATCH_TYPES)} only."
        )
    return Target(str(source.get("id") or relation.data_source_id), name, matched, kind, kind == "title")


def split_values(cell: str) -> list[str]:
    """The values of a relation cell: comma-separated, each stripped, empty ones and repeats dropped."""
    return list(dict.fromkeys(part.strip() for part in cell.split(",") if part.strip()))


def _filter_value(kind: str, value: str, decimal: str) -> Any:
    """`value` as an `equals` condition on a property of type `kind` takes it; None if it can't be one."""
    if kind == "number":
        plain = parse_number(value, decimal)
        if plain is None:
            return None
        number = float(plain)
        return int(number) if number.is_integer() else number
    if kind == "unique_id":  # "12", or "TASK-12" as Notion shows it with its prefix
        found = _UNIQUE_ID.fullmatch(value)
        return int(found[1]) if found else None
    return value


def _held_value(kind: str, value: Any) -> Any:
    """What a page's property value holds, as `_filter_value` gives it."""
    held = value.get(kind) if isinstance(value, dict) else None
    if kind in ("title", "rich_text"):
        return plain_text(held)
    if kind == "select":
        return held.get("name") if isinstance(held, dict) else None
    if kind == "unique_id":
        return held.get("number") if isinstance(held, dict) else None
    if isinstance(held, bool):
        return None
    return held


class Lookup:
    """The pages named in relation cells, for one run of an import: what Notion was asked is kept.

    `relations`: each relation column's Relation; `decimal`: the file's decimal separator (a number
    property matched). Each related data source's schema is read when one of its values is first
    looked up.
    """

    def __init__(
        self, relations: Mapping[str, Relation], *, context: AuditContext | None = None, decimal: str = "."
    ) -> None:
        self.relations = dict(relations)
        self.context = context
        self.decimal = decimal
        self._targets: dict[str, Target] = {}
        self._found: dict[tuple[str, str], dict[Any, list[str]]] = {}  # by data source and property

    def target(self, column: str) -> Target:
        if column not in self._targets:
            self._targets[column] = read_target(self.relations[column], context=self.context)
        return self._targets[column]

    def resolve(self, column: str, values: Iterable[str]) -> dict[str, list[str]]:
        """The IDs of the pages each of `values` names in `column`'s data source (none, one or more).

        Values asked for before are answered from what was found; the others are asked for in one
        query per BATCH of them."""
        target = self.target(column)
        found = self._found.setdefault((target.source_id, target.property), {})
        wanted = {value: _filter_value(target.kind, value, self.decimal) for value in values}
        new = [value for value in dict.fromkeys(wanted.values()) if value is not None and value not in found]
        if new:
            with notion_client(self.context) as client:
                for start in range(0, len(new), BATCH):
                    batch = new[start : start + BATCH]
                    found.update({value: [] for value in batch})
                    conditions = [
                        {"property": target.property, target.kind: {"equals": value}} for value in batch
                    ]
                    for page in selectors.query_pages(client, target.source_id, {"or": conditions}):
                        held = _held_value(target.kind, page.get("properties", {}).get(target.property))
                        if held in batch and page["id"] not in found[held]:
                            found[held].append(page["id"])
        return {value: list(found.get(key, [])) if key is not None else [] for value, key in wanted.items()}

    def prefetch(self, rows: Iterable[Mapping[str, str]]) -> None:
        """Look up every value of several rows' relation cells ({column: cell} each) at once: one query
        per BATCH of values not known yet, per column."""
        wanted: dict[str, list[str]] = {}
        for cells in rows:
            for column in self.relations.keys() & cells.keys():
                values = split_values(cells[column])
                if len(values) <= ARRAY_LIMIT:
                    wanted.setdefault(column, []).extend(values)
        for column, values in wanted.items():
            self.resolve(column, values)

    def references(self, line: int, cells: Mapping[str, str]) -> dict[str, dict] | list[BadRow]:
        """The relation values of the row at `line` ({column: cell}: its relation cells, the other
        cells are left alone), or a BadRow for each value that names no page or several."""
        values: dict[str, dict] = {}
        bad: list[BadRow] = []
        for column, cell in cells.items():
            if column not in self.relations:
                continue
            names = split_values(cell)
            if len(names) > ARRAY_LIMIT:
                bad.append(
                    BadRow(line, column, f"{len(names)} values: Notion relates at most {ARRAY_LIMIT} pages.")
                )
                continue
            if not names:
                continue
            target = self.target(column)
            found = self.resolve(column, names)
            pages = []
            for name in names:
                if not found[name]:
                    bad.append(BadRow(line, column, _not_found(target, name)))
                elif len(found[name]) > 1:
                    bad.append(BadRow(line, column, _ambiguous(found[name], name)))
                else:
                    pages.extend(found[name])
            value = relation_value(pages)
            if value is not None:
                values[column] = value
        return bad or values


def _not_found(target: Target, value: str) -> str:
    if target.by_title:
        return f"No page “{value}” in “{target.name}”."
    return f"No page of “{target.name}” has “{value}” as its {target.property}."


def _ambiguous(pages: list[str], value: str) -> str:
    shown = ", ".join(pages[:IDS_SHOWN]) + (", …" if len(pages) > IDS_SHOWN else "")
    return f"“{value}” matches {len(pages)} pages: {shown}."
