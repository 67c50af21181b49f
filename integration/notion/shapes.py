"""Reading Notion's objects, whatever shape an answer has: a malformed one gives "" or None, not an error."""

from typing import Any


def plain_text(rich_text: Any) -> str:
    """The text of a rich-text array, as a reader sees it."""
    if not isinstance(rich_text, list):
        return ""
    parts = []
    for item in rich_text:
        if not isinstance(item, dict):
            continue
        text = item.get("plain_text")
        if not isinstance(text, str):
            content = item.get("text")
            text = content.get("content") if isinstance(content, dict) else None
        if isinstance(text, str):
            parts.append(text)
    return "".join(parts)


def title_property(schema: Any) -> str | None:
    """The name of the title property among `schema`'s properties (a data source has exactly one)."""
    if not isinstance(schema, dict):
        return None
    for name, prop in schema.items():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return name
    return None


def title_of(obj: Any) -> str:
    """The plain title of a page, database or data source.

    A database or data source has its own `title`; its title *property* is only a column
    of its schema. A page's title is the value of its title property.
    """
    if not isinstance(obj, dict):
        return ""
    if obj.get("object") in ("database", "data_source"):
        return plain_text(obj.get("title"))
    properties = obj.get("properties")
    name = title_property(properties)
    if name is None or not isinstance(properties, dict):
        return plain_text(obj.get("title"))
    return plain_text(properties[name].get("title"))
