"""Notion object IDs as people paste them: dashed, undashed, or inside a Notion link."""

import re
import uuid
from urllib.parse import urlsplit

_NOTION_HOSTS = ("notion.so", "notion.site")
_ID_IN_PATH = re.compile(
    r"([0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![0-9a-f])",
    re.IGNORECASE,
)


def parse_notion_id(value: str) -> str | None:
    """Return the dashed lower-case ID in `value`, or None if there is none.

    `value` may be an ID with or without dashes, or a link to a Notion page or
    database (`https://www.notion.so/Title-<id>?v=<view>`): the ID is the last
    one in the link's path, never the view ID of its query string.
    """
    text = value.strip()
    if re.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", text):
        return str(uuid.UUID(text))
    if "://" not in text and text.split("/", 1)[0].lower().endswith(_NOTION_HOSTS):
        text = "https://" + text
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not any(
        host == name or host.endswith("." + name) for name in _NOTION_HOSTS
    ):
        return None
    found = _ID_IN_PATH.findall(parts.path)
    return str(uuid.UUID(found[-1])) if found else None


def is_notion_url(value: object) -> bool:
    """Whether `value` is an https link to Notion itself, safe to put in an href."""
    if not isinstance(value, str) or len(value) > 2000:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    return (
        parts.scheme == "https"
        and not parts.username
        and not parts.password
        and any(host == name or host.endswith("." + name) for name in _NOTION_HOSTS)
    )
