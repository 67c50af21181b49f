"""What content will look like in Notion, drawn from the blocks it makes, before anything is sent."""

from dataclasses import dataclass
from typing import Any

from integration.forms import ContentForm
from integration.notion.blocks import children_of

LISTS = {"bulleted_list_item": "ul", "numbered_list_item": "ol", "to_do": "ul"}


@dataclass(frozen=True)
class Preview:
    groups: list[dict[str, Any]]  # blocks, list items gathered into their lists
    block_count: int
    requests: int


def _pieces(block: dict) -> list[dict[str, Any]]:
    pieces = []
    for piece in block[block["type"]].get("rich_text", []):
        text = piece["text"]
        marks = piece.get("annotations", {})
        pieces.append({"text": text["content"], "url": (text.get("link") or {}).get("url", ""), **marks})
    return pieces


def _groups(blocks: list[dict]) -> list[dict[str, Any]]:
    """The blocks to draw, each list item in the list it belongs to (a run of items of one kind)."""
    groups: list[dict[str, Any]] = []
    for block in blocks:
        kind = block["type"]
        drawn = {
            "type": kind,
            "pieces": _pieces(block),
            "checked": bool(block[kind].get("checked")),
            "language": block[kind].get("language", ""),
            "children": _groups(children_of(block)),
        }
        if kind in LISTS:
            if not (groups and groups[-1].get("kind") == kind):
                groups.append({"kind": kind, "list": LISTS[kind], "items": []})
            groups[-1]["items"].append(drawn)
        else:
            groups.append({"block": drawn})
    return groups


def content_preview(form: ContentForm) -> Preview | None:
    """The preview of a bound form's content, or None if its content or format is not valid."""
    if "content" not in form.cleaned_data or "format" not in form.cleaned_data:
        return None
    plan = form.plan()
    return Preview(_groups(plan.blocks), plan.block_count, len(plan.steps))
