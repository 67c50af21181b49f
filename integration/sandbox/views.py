"""The sandbox viewer: what the sandbox holds, drawn as Notion would show it, from what was sent."""

from datetime import datetime
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import ListView, TemplateView

from integration.ids import parse_notion_id
from integration.notion.limits import COLORS, MEDIA_BLOCKS
from integration.notion.shapes import plain_text, title_of
from integration.notion.shapes import title_property as find_title_property
from integration.sandbox.cells import Cell, Link, file_name, property_cell
from integration.sandbox.models import SandboxObject
from integration.sandbox.store import in_given_order
from integration.templatetags.notion_text import safe_source

# How deep the viewer follows children: deeper than any Markdown list anyone types.
VIEW_DEPTH = 20
# Rows of a database's table: the first pages made, then how many more there are.
TABLE_ROWS = 100
INDEX_PAGE_SIZE = 50


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _title_rich_text(data: dict) -> list:
    """The rich text of an object's title: a database's or data source's `title`, a page's title property."""
    if data.get("object") in ("database", "data_source"):
        return data.get("title") or []
    properties = data.get("properties") or {}
    name = find_title_property(properties)
    if name is None:
        return []
    return (properties.get(name) or {}).get("title") or []


def _column_detail(spec: dict) -> str:
    config = spec.get(spec.get("type", "")) or {}
    if "options" in config:
        return ", ".join(option.get("name", "") for option in config["options"])
    return config.get("format", "")


def _schema(source_id: Any) -> dict:
    """The properties of the data source with this ID, in the order they were given, or {}."""
    source = SandboxObject.objects.filter(id=source_id, kind="data_source").first() if source_id else None
    return (in_given_order(source.data).get("properties") or {}) if source else {}


def _values(page: dict, schema: dict) -> list[tuple[str, Cell]]:
    """A page's properties but its title, in its data source's column order, each as a cell."""
    properties = page.get("properties") or {}
    names = [name for name in schema if name in properties] + [n for n in properties if n not in schema]
    return [
        (name, property_cell(properties[name], schema.get(name)))
        for name in names
        if isinstance(properties[name], dict) and properties[name].get("type") != "title"
    ]


def _media(kind: str, content: dict) -> Link | None:
    """The file an image, file, PDF, audio or video block holds, as `external` or uploaded `file`."""
    held = content.get(content.get("type", "")) or content.get("external") or content.get("file") or {}
    url = safe_source(held.get("url") if isinstance(held, dict) else None)
    if not url:
        return None
    return Link(href=url, text=file_name(url, content.get("name")), image=kind == "image")


def _block_tree(parent_id: Any, found: dict[str, dict], depth: int = 0) -> list[dict[str, Any]]:
    """The blocks under `parent_id`, in order, each with its content and its own children;
    `found` gathers every block by ID, for their comments to be put under them.

    Shapes of Notion's "Block" reference: `table` `{table_width, has_column_header,
    has_row_header}` whose `table_row` children hold `{cells: [rich text, ...]}`; `callout`
    `{rich_text, icon: {type: "emoji", emoji}}`; `equation` `{expression}`; image, file, pdf,
    audio and video `{type: "external" | "file", external: {url} | file: {url, expiry_time},
    caption, name}`."""
    rows = SandboxObject.objects.filter(parent=parent_id, kind="block").order_by("position")
    tree: list[dict[str, Any]] = []
    for row in rows:
        kind = row.data.get("type", "")
        content = row.data.get(kind) or {}
        follows = bool(tree) and tree[-1]["type"] == kind
        has_children = row.data.get("has_children") and depth < VIEW_DEPTH
        children = _block_tree(row.id, found, depth + 1) if has_children else []
        node: dict[str, Any] = {
            "id": str(row.id),
            "type": kind,
            "content": content,
            "number": tree[-1]["number"] + 1 if follows else 1,
            "children": children,
            "comments": [],
        }
        if kind in MEDIA_BLOCKS:
            node["media"] = _media(kind, content)
        if kind == "table":
            node["rows"] = [(child["content"].get("cells") or []) for child in children]
            node["children"] = []
        if content.get("color") in COLORS - {"default"}:
            node["color"] = content["color"]
        if kind == "image":
            node["alt"] = plain_text(content.get("caption")) or (node["media"].text if node["media"] else "")
        icon = content.get("icon")
        if isinstance(icon, dict) and icon.get("type") == "emoji":
            node["icon"] = icon.get("emoji", "")
        found[node["id"]] = node
        tree.append(node)
    return tree


def _comment(row: SandboxObject) -> dict[str, Any]:
    """A comment as the viewer shows it (Notion's "Comment object": `rich_text`, `created_by`,
    `created_time`, and `display_name.resolved_name` for who it shows as the author)."""
    data = row.data
    shown_as = data.get("display_name") if isinstance(data.get("display_name"), dict) else {}
    author = data.get("created_by") if isinstance(data.get("created_by"), dict) else {}
    return {
        "rich_text": data.get("rich_text") or [],
        "author": shown_as.get("resolved_name") or author.get("name") or "An integration",
        "when": _when(data.get("created_time")),
    }


def _comments_on(parent_key: str, ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The comments on the pages or blocks with these IDs, by ID, in the order they were made."""
    rows = SandboxObject.objects.filter(kind="comment", **{f"data__parent__{parent_key}__in": ids})
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows.order_by("created_at"):
        found.setdefault(str(row.data["parent"][parent_key]), []).append(_comment(row))
    return found


def _views(database_id: str) -> list[tuple[str, str]]:
    """The name and type of each view of a database ("View"), its tabs in Notion, in order."""
    rows = SandboxObject.objects.filter(kind="view", data__parent__database_id=database_id).order_by(
        "created_at"
    )
    return [(row.data.get("name", ""), row.data.get("type", "")) for row in rows]


def _table(source_id: str, schema: dict) -> dict[str, Any]:
    """The pages of a data source, in the order they were made, as rows of cells in column order."""
    pages = (
        SandboxObject.objects.filter(kind="page", data__parent__data_source_id=source_id)
        .exclude(data__in_trash=True)
        .order_by("created_at")
    )
    total = pages.count()
    rows = []
    for page in pages[:TABLE_ROWS]:
        properties = page.data.get("properties") or {}
        cells = [
            (spec.get("type") == "title", property_cell(properties.get(name), spec))
            for name, spec in schema.items()
        ]
        rows.append({"id": str(page.id), "title": title_of(page.data) or "Untitled", "cells": cells})
    return {"columns": list(schema), "rows": rows, "more": total - len(rows), "total": total}


class SandboxObjectView(TemplateView):
    """What the sandbox holds for one object: the sandbox's stand-in for opening it in Notion."""

    template_name = "sandbox/object.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        object_id = parse_notion_id(kwargs["object_id"])
        if object_id is None:
            raise Http404("No such sandbox object.")
        obj = get_object_or_404(SandboxObject, id=object_id)
        data = in_given_order(obj.data)
        sources = data.get("data_sources") or ([{"id": str(obj.id)}] if obj.kind == "data_source" else [])
        schema = _schema(sources[0]["id"]) if sources else {}
        found: dict[str, dict] = {}
        blocks = _block_tree(obj.id, found)
        for block_id, comments in _comments_on("block_id", list(found)).items():
            found[block_id]["comments"] = comments
        values = []
        if obj.kind == "page":
            values = _values(data, _schema((data.get("parent") or {}).get("data_source_id")))
        context.update(
            obj=obj,
            in_trash=bool(data.get("in_trash")),
            title=title_of(data) or "Untitled",
            title_rich_text=_title_rich_text(data),
            blocks=blocks,
            comments=_comments_on("page_id", [str(obj.id)]).get(str(obj.id), []),
            sources=data.get("data_sources", []),
            columns=[(name, spec.get("type", ""), _column_detail(spec)) for name, spec in schema.items()],
            table=_table(sources[0]["id"], schema) if sources else None,
            values=values,
            views=_views(str(obj.id)) if obj.kind == "database" else [],
        )
        return context


class SandboxIndexView(ListView):
    """Everything the sandbox holds: its databases and pages, newest first."""

    template_name = "sandbox/index.html"
    paginate_by = INDEX_PAGE_SIZE
    context_object_name = "objects"

    def get_queryset(self) -> Any:
        return SandboxObject.objects.filter(kind__in=("database", "page")).order_by("-created_at", "-id")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["entries"] = [
            {
                "id": str(obj.id),
                "kind": obj.kind,
                "title": title_of(obj.data) or "Untitled",
                "created": obj.created_at,
                "in_trash": bool(obj.data.get("in_trash")),
            }
            for obj in context["objects"]
        ]
        return context
