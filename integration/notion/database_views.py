"""The views a new database opens with, beside its table: a board grouped by a select or status
column, a calendar by a date column.

Built from Notion's "Working with views" guide and its "Create a view" and "View" references. The
Views API needs API version 2025-09-03 or later ("Working with views"), the version the app sends
on every request, so no request here needs another. Notion makes a table view with every database
(the guide's "default behavior"; "Create a data source": 'A standard "table" view is created
alongside the new data source'), so a table is never sent: it is there already.

Everything a view needs is checked against the columns before anything is sent (`resolve_views`);
a view Notion then refuses is reported (`ViewMade.error`) and the database stays as it was made.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from notion_client import Client

from integration.notion.columns import Column
from integration.notion.errors import NotionError, expect, notion_call

TABLE, BOARD, CALENDAR = "table", "board", "calendar"
VIEW_KINDS = (TABLE, BOARD, CALENDAR)
# The column types each view is laid out by ("View": a board is "grouped by a property", a calendar
# "by a date property"); the table takes none.
LAID_OUT_BY = {BOARD: ("select", "status"), CALENDAR: ("date",)}
WHAT_IT_TAKES = {BOARD: "a select or status column", CALENDAR: "a date column"}


class ViewError(ValueError):
    """A view that can't be made from the database's columns; the message names the bad part."""


@dataclass(frozen=True)
class DatabaseView:
    """A view to make with a database: `kind` (table, board or calendar) and the column a board
    is grouped by or a calendar laid out by ("" for a table, or for "the first that fits")."""

    kind: str
    column: str = ""

    def __post_init__(self) -> None:
        if self.kind not in VIEW_KINDS:
            raise ViewError(f"Unknown view “{self.kind}”: the views are {', '.join(VIEW_KINDS)}.")
        if self.kind == TABLE and self.column:
            raise ViewError("A table view takes no column.")

    @property
    def name(self) -> str:
        """The view's name, as its tab in Notion shows it: "Board by Status"."""
        return f"{self.kind.capitalize()} by {self.column}" if self.column else self.kind.capitalize()

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "column": self.column}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DatabaseView":
        return cls(str(data["kind"]), str(data.get("column") or ""))


def parse_view(spec: str) -> DatabaseView:
    """A view from the commands' `KIND[:COLUMN]`: `table`, `board:Status`, `calendar:Due`
    (`board` alone: by the first select or status column)."""
    kind, _, column = spec.partition(":")
    return DatabaseView(kind.strip().lower(), column.strip())


def resolve_views(views: Iterable[DatabaseView], column_types: Mapping[str, str]) -> list[DatabaseView]:
    """`views`, each with the column it is laid out by named (by default the first of
    `column_types`, {name: type} in the database's order, that fits), checked: ViewError if a
    column is missing or of the wrong type, or a view is asked for twice."""
    resolved: list[DatabaseView] = []
    for view in views:
        if view.kind != TABLE:
            view = DatabaseView(view.kind, _column_for(view, column_types))
        if view in resolved:
            raise ViewError(f"The view “{view.name}” is asked for twice.")
        resolved.append(view)
    return resolved


def check_views(
    views: Iterable[DatabaseView], *, title_property: str, columns: Iterable[Column]
) -> list[DatabaseView]:
    """`resolve_views` against a new database's title column and `columns`, as it will be made."""
    return resolve_views(views, {title_property: "title", **{one.name: one.type for one in columns}})


def _column_for(view: DatabaseView, column_types: Mapping[str, str]) -> str:
    fits = LAID_OUT_BY[view.kind]
    label, takes = view.kind.capitalize(), WHAT_IT_TAKES[view.kind]
    if not view.column:
        first = next((name for name, kind in column_types.items() if kind in fits), None)
        if first is None:
            raise ViewError(f"{label}: the database has no {takes[2:]} to lay it out by: add one.")
        return first
    kind = column_types.get(view.column)
    if kind is None:
        raise ViewError(
            f"{label}: there is no column “{view.column}” (the columns: {', '.join(column_types)})."
        )
    if kind not in fits:
        raise ViewError(f"{label}: “{view.column}” is a {kind} column; a {view.kind} needs {takes}.")
    return view.column


@dataclass(frozen=True)
class ViewMade:
    """What became of one view asked for: its ID and link in Notion, or why Notion refused it."""

    kind: str
    column: str
    name: str
    view_id: str = ""
    url: str = ""
    error: str = ""
    with_database: bool = False  # the table Notion makes with every database: nothing was sent

    @property
    def made(self) -> bool:
        return not self.error

    def describe(self) -> str:
        """One line: "Board by Status: made", or why it was not."""
        if self.with_database:
            return f"{self.name}: made with the database"
        return f"{self.name}: made" if self.made else f"{self.name}: not made. {self.error}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ViewMade":
        return cls(**{key: data[key] for key in cls.__dataclass_fields__ if key in data})


def _configuration(view: DatabaseView, property_id: str, property_type: str) -> dict[str, Any]:
    """The view's `configuration` ("Working with views", view configuration; the types of "Create a
    view"): a board's `group_by` (select: `{type, property_id, sort}`; status adds `group_by`,
    "group" or "option"), a calendar's `date_property_id`."""
    if view.kind == CALENDAR:
        return {"type": CALENDAR, "date_property_id": property_id}
    group_by: dict[str, Any] = {"type": property_type, "property_id": property_id, "sort": {"type": "manual"}}
    if property_type == "status":
        group_by["group_by"] = "option"  # a column per status, as the board Notion's app makes
    return {"type": BOARD, "group_by": group_by}


def create_views(
    client: Client, *, database_id: str, data_source_id: str, views: Sequence[DatabaseView]
) -> list[ViewMade]:
    """Make each of `views` (resolved: each names its column) on the database, in order; a view
    Notion refuses is reported in its `ViewMade`, and the next is made all the same.

    "Create a view": `POST /v1/views` `{database_id, data_source_id, name, type, configuration}`,
    answered with the view object `{object: "view", id, parent: {type: "database_id", database_id},
    data_source_id, name, type, configuration, url, ...}`. Its configuration names properties by
    ID, read first from the data source ("Retrieve a data source": `properties[name].id`).
    """
    made: list[ViewMade] = []
    properties: dict[str, Any] | None = None
    for view in views:
        if view.kind == TABLE:
            made.append(ViewMade(TABLE, "", view.name, with_database=True))
            continue
        try:
            if properties is None:
                with notion_call(write=False, what="data source"):
                    source = client.data_sources.retrieve(data_source_id)
                properties = expect(
                    source, "data_source", write=False, check=lambda s: isinstance(s["properties"], dict)
                )["properties"]
            prop = properties.get(view.column)
            if not isinstance(prop, dict):
                raise NotionError(
                    code="missing_property", hint=f"Notion's data source has no column “{view.column}”."
                )
            with notion_call(write=True, what="database"):
                answer = client.views.create(
                    database_id=database_id,
                    data_source_id=data_source_id,
                    name=view.name,
                    type=view.kind,
                    configuration=_configuration(view, str(prop.get("id")), str(prop.get("type"))),
                )
            answer = expect(answer, "view", write=True)
        except NotionError as error:
            made.append(ViewMade(view.kind, view.column, view.name, error=str(error)))
            continue
        made.append(ViewMade(view.kind, view.column, view.name, answer["id"], str(answer.get("url") or "")))
    return made
