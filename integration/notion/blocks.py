"""Text turned into what Notion accepts: rich-text pieces, paragraph blocks, and requests of blocks."""

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from integration.notion.limits import (
    ARRAY_LIMIT,
    ELEMENT_LIMIT,
    NEEDS_CHILDREN,
    REQUEST_BYTES,
    TEXT_LIMIT,
    utf16_len,
)


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


@dataclass(frozen=True)
class Append:
    """One request adding `children` to the block (or page) known as `parent`.

    References: 0 is the page; the new blocks become `refs`, in order, once Notion answers.
    """

    parent: int
    children: list[dict]
    refs: list[int]


@dataclass(frozen=True)
class ListChildren:
    """One request reading the children of `parent`, to learn the IDs of blocks added nested:
    Notion's answer to an append names the top-level blocks only."""

    parent: int
    refs: list[int]


Step = Append | ListChildren


def children_of(block: dict) -> list[dict]:
    return block[block["type"]].get("children", [])


def _with_children(block: dict, children: list[dict]) -> dict:
    kind = block["type"]
    data = {key: value for key, value in block[kind].items() if key != "children"}
    if children:
        data["children"] = children
    return {**block, kind: data}


def count_blocks(blocks: list[dict]) -> int:
    return sum(1 + count_blocks(children_of(block)) for block in blocks)


@dataclass(frozen=True)
class _Sending:
    """A block as one request sends it: with its first `inline` children, without theirs."""

    block: dict  # with all its children
    inline: int
    sent: dict

    @property
    def size(self) -> int:
        return json_size(self.sent) + 1

    @property
    def elements(self) -> int:
        return 1 + self.inline


def _sending(block: dict) -> _Sending:
    # A block that NEEDS_CHILDREN is never sent as a block's child (a third level would hold its
    # rows): it goes in a request of its own parent's children.
    used, sent = json_size(_with_children(block, [])), list[dict]()
    for kid in children_of(block)[:ARRAY_LIMIT]:
        if kid["type"] in NEEDS_CHILDREN:
            break
        kid = _with_children(kid, [])
        used += json_size(kid) + 1
        if used > REQUEST_BYTES and (sent or block["type"] not in NEEDS_CHILDREN):
            break
        sent.append(kid)
    return _Sending(block, len(sent), _with_children(block, sent))


def _requests(blocks: list[_Sending]) -> Iterator[list[_Sending]]:
    """Group blocks in order: at most 100, 1000 elements and about REQUEST_BYTES a request."""
    group: list[_Sending] = []
    used = elements = 0
    for block in blocks:
        full = (
            len(group) == ARRAY_LIMIT
            or used + block.size > REQUEST_BYTES
            or elements + block.elements > ELEMENT_LIMIT
        )
        if group and full:
            yield group
            group, used, elements = [], 0, 0
        group.append(block)
        used += block.size
        elements += block.elements
    if group:
        yield group


def plan_requests(blocks: list[dict]) -> list[Step]:
    """The requests that add a tree of blocks to a page, in order, each within Notion's limits.

    A request holds two levels: blocks and their children (at most 100 of them, as many as fit
    its size, a table's rows among them). Deeper children, children beyond those, and a table
    under another block, follow in requests to the new blocks' IDs, each right after the request
    that made its parent, so a page that stops half-way is whole up to where it stopped.
    """
    steps: list[Step] = []
    refs = itertools.count(1)

    def add(parent: int, blocks: list[dict]) -> None:
        for group in _requests([_sending(block) for block in blocks]):
            new = [next(refs) for _ in group]
            steps.append(Append(parent, [sending.sent for sending in group], new))
            for sending, ref in zip(group, new, strict=True):
                kids = children_of(sending.block)
                inline, rest = kids[: sending.inline], kids[sending.inline :]
                if any(children_of(kid) for kid in inline):
                    kid_refs = [next(refs) for _ in inline]
                    steps.append(ListChildren(ref, kid_refs))
                    for kid, kid_ref in zip(inline, kid_refs, strict=True):
                        if children_of(kid):
                            add(kid_ref, children_of(kid))
                if rest:
                    add(ref, rest)

    add(0, blocks)
    return steps
