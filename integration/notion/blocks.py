"""Text turned into what Notion accepts: rich-text pieces, paragraph blocks, and requests of blocks."""

import json
import re
from collections.abc import Iterator
from typing import Any

from integration.notion.limits import ARRAY_LIMIT, REQUEST_BYTES, TEXT_LIMIT, utf16_len


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut `text` into pieces of at most `limit` UTF-16 units each, in order, as few as possible.

    Characters outside the Basic Multilingual Plane (most emoji) count two units; a piece
    never ends inside one, so joining the pieces gives back `text` exactly. Every piece but
    the last holds at least `limit - 1` units.
    """
    pieces = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        excess = utf16_len(text[start:end]) - limit
        while excess > 0:  # drop characters from the end until the piece fits
            end -= 1
            excess -= 2 if ord(text[end]) > 0xFFFF else 1
        pieces.append(text[start:end])
        start = end
    return pieces


def rich_text(text: str) -> list[dict]:
    return [{"type": "text", "text": {"content": piece}} for piece in split_text(text)]


def json_size(obj: Any) -> int:
    """The bytes `obj` takes in a request body."""
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


def _fill(items: list[dict], *, count: int, size: int) -> Iterator[list[dict]]:
    """Group `items` in order, at most `count` and about `size` bytes a group."""
    group: list[dict] = []
    used = 0
    for item in items:
        item_size = json_size(item) + 1
        if group and (len(group) == count or used + item_size > size):
            yield group
            group, used = [], 0
        group.append(item)
        used += item_size
    if group:
        yield group


def content_batches(content: str) -> list[list[dict]]:
    """Turn free text into paragraph blocks, grouped into requests Notion accepts.

    A blank line followed by text starts a paragraph; further blank lines stay inside
    the paragraph, so a run of newlines never makes a run of empty blocks. Joining each
    block's pieces, and the blocks with a blank line, gives back the text exactly (line
    endings made `\\n`).
    """
    text = content.replace("\r\n", "\n").replace("\r", "\n")
    blocks = []
    for paragraph in re.split(r"\n\n(?=[^\n])", text):
        for pieces in list(_fill(rich_text(paragraph), count=ARRAY_LIMIT, size=REQUEST_BYTES)) or [[]]:
            blocks.append({"object": "block", "type": "paragraph", "paragraph": {"rich_text": pieces}})
    return list(_fill(blocks, count=ARRAY_LIMIT, size=REQUEST_BYTES))
