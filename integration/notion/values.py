"""Page property values: what a person typed for each property of a data source, as Notion takes it.

Notion's rules (API version 2025-09-03; its limits are those of integration.notion.limits), free
of Django: a number is a JSON number, a date an ISO 8601 date, a URL at most 2000 UTF-16 units,
an email or phone number at most 200, at most 100 options of a multi-select or people, a person a
user's UUID, a file an external https URL.
A number is read as written (`parse_number`, the CSV import's rule too): an optional sign, digits,
an optional fraction after a point; a comma, a space or a no-break space may separate thousands.
A decimal comma ("1,5"), an exponent, a unit or a sign between digits ("3-4") is refused, saying
how to write it, never read as another number.
A select or multi-select option not in the schema is created by Notion (if the integration may
edit the data source); a status option must exist, as the API cannot add one.
A relation holds pages of the data source it relates to, by their IDs, at most 100 (`relation_value`).
"""

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit

from integration.ids import parse_notion_id
from integration.notion.blocks import rich_text
from integration.notion.limits import (
    ARRAY_LIMIT,
    CONTACT_LIMIT,
    FILE_NAME_LIMIT,
    OPTION_NAME_LIMIT,
    PAGE_VALUE_TYPES,
    READ_ONLY_TYPES,
    TEXT_LIMIT,
    URL_LIMIT,
    utf16_len,
)


@dataclass
class InvalidValue(Exception):
    """A value Notion would refuse, with what to do about it."""

    message: str

    def __str__(self) -> str:
        return self.message


def properties_of(source: dict | None) -> dict[str, dict]:
    """The data source's properties, by name, whatever shape the answer had."""
    properties = source.get("properties") if isinstance(source, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {name: prop for name, prop in properties.items() if isinstance(prop, dict)}


def options_of(prop: dict) -> list[str]:
    """The names of a select, multi-select or status property's options."""
    config = prop.get(prop.get("type", ""))
    options = config.get("options") if isinstance(config, dict) else None
    if not isinstance(options, list):
        return []
    return [o["name"] for o in options if isinstance(o, dict) and isinstance(o.get("name"), str)]


def is_empty(raw: Any) -> bool:
    if isinstance(raw, str):
        return not raw.strip()
    return raw is None or raw == []


def property_value(prop: dict, raw: Any) -> dict | None:
    """The page property value Notion takes for `raw` in property `prop` (a schema object).

    `raw` is a string, a list of strings for a multi-select, a bool for a checkbox.
    None: nothing to send (left empty). Raises InvalidValue with Notion's rule broken.
    """
    kind = prop.get("type")
    if kind in READ_ONLY_TYPES:
        raise InvalidValue("Notion sets this property itself: it can't be given a value.")
    if kind == "checkbox":  # unchecked is what a new page has anyway
        return {"checkbox": True} if raw else None
    if kind not in PAGE_VALUE_TYPES:
        raise InvalidValue(f"This form can't set a property of type {kind}.")
    if is_empty(raw):
        return None
    if kind == "multi_select":
        names = [str(name).strip() for name in (raw if isinstance(raw, list) else [raw])]
        names = [name for name in dict.fromkeys(names) if name]
        if len(names) > ARRAY_LIMIT:
            raise InvalidValue(f"Choose at most {ARRAY_LIMIT} options (you chose {len(names)}).")
        return {"multi_select": [{"name": _option(name)} for name in names]}
    text = str(raw).strip()
    if kind in ("title", "rich_text"):
        pieces = rich_text(text)
        if len(pieces) > ARRAY_LIMIT:
            raise InvalidValue(f"Notion takes at most {ARRAY_LIMIT * TEXT_LIMIT:,} characters here.")
        return {kind: pieces}
    if kind == "number":
        return {"number": _number(text)}
    if kind == "select":
        return {"select": {"name": _option(text)}}
    if kind == "status":
        if text not in options_of(prop):
            raise InvalidValue(f"“{text}” is not one of this status’s options: choose one of the list.")
        return {"status": {"name": text}}
    if kind == "date":
        return {"date": {"start": _date(text)}}
    if kind == "url":
        return {"url": _limited(text, URL_LIMIT)}
    if kind in ("email", "phone_number"):
        return {kind: _limited(text, CONTACT_LIMIT)}
    if kind == "people":
        return {"people": [{"object": "user", "id": user} for user in _people(text)]}
    return {"files": [_file(url) for url in _items(text, commas=False)]}


def relation_value(page_ids: Sequence[str]) -> dict | None:
    """The value of a relation property holding these pages ("Page properties", relation: an array
    of page references `{"id": ...}`; Notion reads it back with `has_more`). None: no page, left empty.

    Raises InvalidValue for more than 100 pages (Notion's limit) or an ID that is not one."""
    ids = list(dict.fromkeys(page_ids))
    if len(ids) > ARRAY_LIMIT:
        raise InvalidValue(f"Notion relates at most {ARRAY_LIMIT} pages here (this has {len(ids)}).")
    references = []
    for page_id in ids:
        parsed = parse_notion_id(page_id)
        if parsed is None:
            raise InvalidValue(f"“{page_id[:50]}” is not a page ID.")
        references.append({"id": parsed})
    return {"relation": references} if references else None


def page_values(properties: dict[str, dict], submitted: dict[str, Any]) -> dict[str, dict]:
    """The values to send for `submitted` ({property name: raw value}): those left empty are left out.

    Raises InvalidValues naming each property whose value Notion would refuse.
    """
    values, errors = {}, {}
    for name, raw in submitted.items():
        prop = properties.get(name)
        if prop is None:
            errors[name] = "This data source has no such property (it may have been renamed or removed)."
            continue
        try:
            value = property_value(prop, raw)
        except InvalidValue as error:
            errors[name] = error.message
            continue
        if value is not None:
            values[name] = value
    if errors:
        raise InvalidValues(errors)
    return values


def value_text(value: dict) -> str:
    """A page property value (as `property_value` makes it) as a person reads it: what was sent."""
    kind, data = next(iter(value.items()))
    if kind in ("title", "rich_text"):
        return "".join(piece["text"]["content"] for piece in data)
    if kind in ("select", "status"):
        return data["name"]
    if kind == "multi_select":
        return ", ".join(option["name"] for option in data)
    if kind == "date":
        return data["start"]
    if kind == "checkbox":
        return "Yes" if data else "No"
    if kind in ("people", "relation"):
        return ", ".join(item["id"] for item in data)
    if kind == "files":
        return "\n".join(
            item["external"]["url"]
            if item.get("type", "external") == "external"
            else f"{item['name']} (uploaded)"
            for item in data
        )
    return str(data)  # a number, a URL, an email, a phone number


class InvalidValues(Exception):
    """Values Notion would refuse: {property name: what is wrong}."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))


def _option(name: str) -> str:
    if "," in name:
        raise InvalidValue("An option’s name can't contain a comma.")
    if utf16_len(name) > OPTION_NAME_LIMIT:
        raise InvalidValue(f"An option’s name may have at most {OPTION_NAME_LIMIT} characters.")
    return name


def _number_pattern(decimal: str) -> re.Pattern[str]:
    thousands = "[,\u0020\u00a0\u202f]" if decimal == "." else "[.\u0020\u00a0\u202f]"
    point = re.escape(decimal)
    return re.compile(
        rf"(?P<sign>[+-]?)(?P<int>0|[1-9]\d*|[1-9]\d{{0,2}}(?P<sep>{thousands})\d{{3}}(?:(?P=sep)\d{{3}})*)"
        rf"(?:{point}(?P<frac>\d+))?"
    )


_NUMBERS = {decimal: _number_pattern(decimal) for decimal in (".", ",")}


def parse_number(text: str, decimal: str = ".") -> str | None:
    """`text` as a plain decimal ("-1234.5") if it is a number written with `decimal` before its
    fraction (thousands grouped by threes, one separator throughout, no leading zero before a
    digit, no exponent), else None."""
    match = _NUMBERS[decimal].fullmatch(text.strip())
    if match is None:
        return None
    digits = match["int"] if match["sep"] is None else match["int"].replace(match["sep"], "")
    fraction = f".{match['frac']}" if match["frac"] else ""
    return f"{match['sign']}{digits}{fraction}"


def _number(text: str) -> int | float:
    plain = parse_number(text)
    if plain is None:
        with_comma = parse_number(text, ",")
        if with_comma is not None:
            raise InvalidValue(f"Use a point before the decimals: {with_comma}.")
        raise InvalidValue(
            "Enter a number such as 42, -3.5 or 1,234.5: digits, with a point before the decimals "
            "(no exponent, unit or other sign)."
        )
    number = float(plain)
    if not math.isfinite(number):
        raise InvalidValue("This number is too large for Notion.")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _date(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise InvalidValue("Enter a date as YYYY-MM-DD.") from None


def _limited(text: str, limit: int) -> str:
    length = utf16_len(text)
    if length > limit:
        raise InvalidValue(f"Notion takes at most {limit:,} characters here (this has {length:,}).")
    return text


def _items(text: str, *, commas: bool) -> list[str]:
    items = [line.strip() for line in (text.replace(",", "\n") if commas else text).splitlines()]
    items = [item for item in dict.fromkeys(items) if item]
    if len(items) > ARRAY_LIMIT:
        raise InvalidValue(f"Notion takes at most {ARRAY_LIMIT} here (this has {len(items)}).")
    return items


def _people(text: str) -> list[str]:
    users = []
    for item in _items(text, commas=True):
        user = parse_notion_id(item)
        if user is None:
            raise InvalidValue(
                f"“{item[:50]}” is not a user ID: enter Notion user IDs (UUIDs), comma-separated."
            )
        users.append(user)
    return users


def _file(url: str) -> dict:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.netloc:
        raise InvalidValue(f"“{url[:50]}” is not an https:// link: enter one file link a line.")
    _limited(url, URL_LIMIT)
    name = parts.path.rstrip("/").rsplit("/", 1)[-1] or parts.netloc
    return {"name": name[:FILE_NAME_LIMIT], "type": "external", "external": {"url": url}}
