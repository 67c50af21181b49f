"""The columns of a new database: their types, their checks, and the schema Notion takes for them.

The one place that knows property *schemas* (what a column is), not the values pages
put in them. Everything is checked here before anything is sent, with a message that
names the bad part; Notion refuses the same things, less clearly.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from integration.notion.limits import (
    ARRAY_LIMIT,
    NUMBER_FORMATS,
    OPTION_NAME_LIMIT,
    PROPERTY_NAME_LIMIT,
    utf16_len,
)

# The types a column of a new database may have here, beside its one title column: the app's choice
# among Notion's PROPERTY_TYPES.
COLUMN_TYPES = (
    "rich_text", "number", "select", "multi_select", "date", "checkbox", "url", "email",
    "phone_number", "people", "files", "created_time", "created_by", "last_edited_time",
    "last_edited_by",
)  # fmt: skip
OPTION_TYPES = frozenset({"select", "multi_select"})
# A column pointing at the pages of another data source: made only with the data source it relates
# to (the CSV import's), so not among the COLUMN_TYPES a column is picked from.
RELATION = "relation"
DEFAULT_TITLE = "Name"


class ColumnError(ValueError):
    """A column Notion would refuse; the message names the bad part."""


def _check_name(name: str, what: str = "A column") -> None:
    if not name:
        raise ColumnError(f"{what} has no name.")
    if len(name) > PROPERTY_NAME_LIMIT:
        raise ColumnError(
            f"The column name “{name[:20]}…” has {len(name)} characters; "
            f"at most {PROPERTY_NAME_LIMIT} are allowed."
        )


@dataclass(frozen=True)
class Column:
    """One column of a new database: its name, its type, and its options (select,
    multi-select), its format (number) or the data source it relates to (relation, by its ID).
    Made only valid: a bad one raises ColumnError."""

    name: str
    type: str
    options: tuple[str, ...] = field(default=())
    format: str = ""
    data_source_id: str = ""

    def __post_init__(self) -> None:
        _check_name(self.name)
        where = f"Column “{self.name}”"
        if self.type == RELATION:
            if not self.data_source_id:
                raise ColumnError(f"{where}: a relation needs the data source it relates to.")
        elif self.type not in COLUMN_TYPES:
            raise ColumnError(
                f"{where}: unknown type “{self.type}”; the types are {', '.join(COLUMN_TYPES)}."
            )
        elif self.data_source_id:
            raise ColumnError(f"{where}: only a relation relates to a data source.")
        if self.options and self.type not in OPTION_TYPES:
            raise ColumnError(f"{where}: a {self.type} column takes no options.")
        if self.format and self.type != "number":
            raise ColumnError(f"{where}: only a number column takes a format.")
        if self.format and self.format not in NUMBER_FORMATS:
            raise ColumnError(
                f"{where}: unknown number format “{self.format}”; "
                f"the formats are {', '.join(NUMBER_FORMATS)}."
            )
        if len(self.options) > ARRAY_LIMIT:
            raise ColumnError(f"{where} has {len(self.options)} options; Notion takes at most {ARRAY_LIMIT}.")
        seen = set()
        for option in self.options:
            if not option:
                raise ColumnError(f"{where}: an option is empty.")
            if "," in option:
                raise ColumnError(f"{where}: the option “{option}” has a comma, which Notion refuses.")
            if utf16_len(option) > OPTION_NAME_LIMIT:
                raise ColumnError(
                    f"{where}: the option “{option[:20]}…” has {utf16_len(option)} characters; "
                    f"Notion takes at most {OPTION_NAME_LIMIT}."
                )
            if option in seen:
                raise ColumnError(f"{where}: the option “{option}” is there twice.")
            seen.add(option)

    def schema(self) -> dict[str, Any]:
        """This column's entry in `initial_data_source.properties`."""
        if self.type in OPTION_TYPES:
            config: dict[str, Any] = {"options": [{"name": option} for option in self.options]}
        elif self.type == "number":
            config = {"format": self.format or "number"}
        elif self.type == RELATION:
            # "Data source properties", relation: a one-way relation (no property added to the
            # related data source), `dual_property` being the two-way one.
            config = {"data_source_id": self.data_source_id, "type": "single_property", "single_property": {}}
        else:
            config = {}
        return {self.type: config}

    def as_dict(self) -> dict[str, Any]:
        """As kept with a submission (JSON)."""
        kept = {"name": self.name, "type": self.type, "options": list(self.options), "format": self.format}
        return kept | ({"data_source_id": self.data_source_id} if self.data_source_id else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Column":
        return cls(
            data["name"],
            data["type"],
            tuple(data.get("options") or ()),
            data.get("format") or "",
            data.get("data_source_id") or "",
        )


def split_options(text: str) -> tuple[str, ...]:
    """Comma-separated option names, each stripped; nothing at all gives no options."""
    if not text.strip():
        return ()
    return tuple(part.strip() for part in text.split(","))


def column(name: str, type_: str, options: str = "") -> Column:
    """A column from what a person typed: for a number, `options` is its format."""
    type_ = type_.strip().lower()
    if type_ == "number":
        return Column(name.strip(), type_, format=options.strip().lower())
    return Column(name.strip(), type_, split_options(options))


def parse_column(spec: str) -> Column:
    """A column from the command's `NAME:TYPE[=OPTION,OPTION…]` (a number: `Price:number=dollar`)."""
    head, has_options, options = spec.partition("=")
    name, colon, type_ = head.rpartition(":")
    if not colon:
        raise ColumnError(f"“{spec}” is not NAME:TYPE[=OPTION,…]: the “:TYPE” is missing.")
    if has_options and not options.strip():
        raise ColumnError(f"Column “{name.strip()}”: nothing follows the “=”.")
    return column(name, type_, options)


COUNTS = ("", "", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _duplicates(names: Iterable[str]) -> list[list[str]]:
    """The names given more than once, as Notion compares them (case-insensitively): per name, its
    spellings, the one met second first, in the order the second of each was met."""
    groups: dict[str, list[str]] = {}
    found: list[list[str]] = []
    for name in names:
        group = groups.setdefault(name.casefold(), [])
        group.append(name)
        if len(group) == 2:
            found.append(group)
    return [[group[1], *group[:1], *group[2:]] for group in found]


def _named(group: list[str], first: bool) -> str:
    count = COUNTS[len(group)] if len(group) < len(COUNTS) else str(len(group))
    others = list(dict.fromkeys(name for name in group[1:] if name != group[0]))
    also = f" (and {', '.join(f'“{name}”' for name in others)})" if others else ""
    if first:
        return f"{count.capitalize()} columns are named “{group[0]}”{also}"
    return f"{count} “{group[0]}”{also}"


def check_unique(names: Iterable[str]) -> None:
    """Raise ColumnError naming, once each, every name given to more than one column."""
    duplicates = _duplicates(names)
    if duplicates:
        named = ", ".join(_named(group, first=index == 0) for index, group in enumerate(duplicates))
        raise ColumnError(f"{named}: each needs a name of its own, the title column’s included.")


def check_names(title_property: str, columns: Iterable[Column]) -> None:
    """Raise ColumnError if the title column's name is bad or columns share a name
    (as Notion compares them: case-insensitively)."""
    _check_name(title_property, "The title column")
    check_unique([title_property, *(one.name for one in columns)])


def properties(title_property: str = DEFAULT_TITLE, columns: Sequence[Column] = ()) -> dict[str, Any]:
    """The `initial_data_source.properties` of a new database: its title column, then `columns`."""
    check_names(title_property, columns)
    schema: dict[str, Any] = {title_property: {"title": {}}}
    for one in columns:
        schema[one.name] = one.schema()
    return schema
