"""What content will look like in Notion, drawn from the blocks it makes, before anything is sent."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from integration.forms import ContentForm
from integration.notion.blocks import children_of
from integration.notion.content import request_list
from integration.notion.markdown import ContentPlan

LISTS = {"bulleted_list_item": "ul", "numbered_list_item": "ol", "to_do": "ul"}


@dataclass(frozen=True)
class Preview:
    groups: list[dict[str, Any]]  # blocks, list items gathered into their lists
    block_count: int
    requests: int
    as_text: list[str] = field(default_factory=list)  # what Notion will show as typed text
    sending: list[str] = field(default_factory=list)  # the requests sending makes, in order
    uploads: int = 0  # files uploaded first


def _pieces(rich_text: list[dict]) -> list[dict[str, Any]]:
    pieces = []
    for piece in rich_text:
        marks = piece.get("annotations", {})
        if piece["type"] == "equation":
            pieces.append({"text": piece["equation"]["expression"], "equation": True, **marks})
            continue
        text = piece["text"]
        pieces.append({"text": text["content"], "url": (text.get("link") or {}).get("url", ""), **marks})
    return pieces


def _drawn(block: dict, file_names: dict[str, str]) -> dict[str, Any]:
    kind = block["type"]
    data = block[kind]
    drawn: dict[str, Any] = {
        "type": kind,
        "pieces": _pieces(data.get("rich_text", [])),
        "checked": bool(data.get("checked")),
        "language": data.get("language", ""),
        "children": [],
        "caption": None,
    }
    if kind == "table":
        rows = [[_pieces(cell) for cell in row["table_row"]["cells"]] for row in children_of(block)]
        drawn["header"], drawn["rows"] = (rows[:1], rows[1:]) if data.get("has_column_header") else ([], rows)
        return drawn
    if kind == "callout":
        drawn["emoji"] = data.get("icon", {}).get("emoji", "")
        drawn["color"] = data.get("color", "default")
    elif kind == "equation":
        drawn["expression"] = data["expression"]
    elif "caption" in data:  # an image, or another file
        drawn["caption"] = _pieces(data["caption"])
        drawn["url"] = data.get("external", {}).get("url", "")
        drawn["file_name"] = file_names.get(data.get("file_upload", {}).get("id", ""), "")
    drawn["children"] = _groups(children_of(block), file_names)
    return drawn


def _groups(blocks: list[dict], file_names: dict[str, str]) -> list[dict[str, Any]]:
    """The blocks to draw, each list item in the list it belongs to (a run of items of one kind)."""
    groups: list[dict[str, Any]] = []
    for block in blocks:
        kind = block["type"]
        drawn = _drawn(block, file_names)
        if kind in LISTS:
            if not (groups and groups[-1].get("kind") == kind):
                groups.append({"kind": kind, "list": LISTS[kind], "items": []})
            groups[-1]["items"].append(drawn)
        else:
            groups.append({"block": drawn})
    return groups


def plan_preview(plan: ContentPlan, files: Sequence[tuple[str, int]] = ()) -> Preview:
    """The preview of a plan: its blocks to draw, the requests sending makes (the uploads of `files`,
    (name, size) each, first), and what stays text."""
    return Preview(
        _groups(plan.blocks, plan.file_names),
        plan.block_count,
        len(plan.steps),
        plan.as_text,
        request_list(plan, files),
        len(files),
    )


def content_preview(form: ContentForm) -> Preview | None:
    """The preview of a bound form's content, or None if its content or format is not valid."""
    if "content" not in form.cleaned_data or "format" not in form.cleaned_data:
        return None
    return plan_preview(form.plan(), [(file.name, file.size) for file in form.to_upload()])
