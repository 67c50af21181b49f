"""Page property values compared: a page's, as Notion answers them ("Page properties"), against
those the app would send, so that only what differs is written, and what was there is kept to be
put back.

Free of Django. A value is compared by what a person sees: a text's plain text (its formatting
aside), a number as a number, an option by its name, a multi-select or a relation as a set, a
date's start and end as instants (a date alone stays a date), an empty email, URL or phone number
as no value.
"""

from datetime import UTC, date, datetime
from typing import Any

from integration.ids import parse_notion_id
from integration.notion.shapes import plain_text

# The types the import compares and writes; a property of another type is left as it is.
COMPARED_TYPES = frozenset({
    "title", "rich_text", "number", "select", "status", "multi_select", "date", "checkbox", "email",
    "url", "phone_number", "relation",
})  # fmt: skip


def comparable(kind: str, value: Any) -> Any:
    """What counts in a property value of type `kind`: `value` is the value's content (the
    `value[kind]` of a page property, or of a value to send)."""
    if kind in ("title", "rich_text"):
        return plain_text(value)
    if kind == "number":
        return None if value is None else float(value)
    if kind in ("select", "status"):
        return value.get("name") if isinstance(value, dict) else None
    if kind == "multi_select":
        return frozenset(item.get("name") for item in value or [] if isinstance(item, dict))
    if kind == "relation":
        return frozenset(
            parse_notion_id(str(item.get("id", ""))) for item in value or [] if isinstance(item, dict)
        )
    if kind == "date":
        if not isinstance(value, dict) or not value.get("start"):
            return None
        return (_instant(value["start"]), _instant(value.get("end")))
    if kind == "checkbox":
        return bool(value)
    if kind in ("email", "url", "phone_number"):
        return value or None
    return value


def same(kind: str, held: Any, sent: Any) -> bool:
    """Whether a page holding `held` already shows `sent` (both a value's content)."""
    return comparable(kind, held) == comparable(kind, sent)


def cleared(kind: str) -> Any:
    """The content that empties a property of type `kind` ("Update page properties")."""
    if kind in ("title", "rich_text", "multi_select", "relation"):
        return []
    return False if kind == "checkbox" else None


def as_sent(kind: str, held: Any) -> Any:
    """A page's value content as a request sets it again: what undoing a change sends back."""
    if kind in ("title", "rich_text"):
        return [
            {
                "type": item["type"],
                item["type"]: item[item["type"]],
                "annotations": item.get("annotations", {}),
            }
            for item in held or []
            if isinstance(item, dict) and item.get("type") in item
        ]
    if kind in ("select", "status"):
        return {"name": held["name"]} if isinstance(held, dict) and held.get("name") else None
    if kind == "multi_select":
        return [{"name": item["name"]} for item in held or [] if isinstance(item, dict) and "name" in item]
    if kind == "relation":
        return [{"id": item["id"]} for item in held or [] if isinstance(item, dict) and "id" in item]
    if kind == "date":
        if not isinstance(held, dict) or not held.get("start"):
            return None
        return {key: held.get(key) for key in ("start", "end", "time_zone") if held.get(key) is not None}
    return cleared(kind) if held is None else held


def _instant(text: Any) -> date | datetime | None:
    """A date stays a date; a date and time becomes an instant in UTC (a time without an offset
    is taken as UTC, as Notion takes it)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
