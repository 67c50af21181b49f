from datetime import datetime
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from integration.ids import parse_notion_id
from integration.notion.shapes import plain_text, title_of
from integration.sandbox.models import SandboxObject


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _columns(source: dict) -> list[tuple[str, str, str]]:
    """A data source's columns, the title column first: name, type, and its options or number format."""
    columns = []
    for name, prop in (source.get("properties") or {}).items():
        kind = prop.get("type", "")
        config = prop.get(kind) or {}
        if "options" in config:
            detail = ", ".join(option.get("name", "") for option in config["options"])
        else:
            detail = config.get("format", "")
        columns.append((name, kind, detail))
    return sorted(columns, key=lambda column: column[1] != "title")


# How deep the viewer follows children: deeper than any Markdown list anyone types.
VIEW_DEPTH = 20


def _shown(value: Any, kind: str) -> str:
    """A page property's value as a reader sees it."""
    if value is None or value == []:
        return ""
    if kind in ("rich_text", "title"):
        return plain_text(value)
    if kind in ("select", "status"):
        return str(value.get("name", "")) if isinstance(value, dict) else ""
    if kind == "multi_select":
        return ", ".join(str(option.get("name", "")) for option in value if isinstance(option, dict))
    if kind == "date":
        return " – ".join(
            str(value[key]) for key in ("start", "end") if isinstance(value, dict) and value.get(key)
        )
    if kind == "checkbox":
        return "Yes" if value else "No"
    if kind in ("people", "created_by", "last_edited_by"):
        users = value if isinstance(value, list) else [value]
        return ", ".join(
            str(user.get("name") or user.get("id", "")) for user in users if isinstance(user, dict)
        )
    if kind == "files":
        return ", ".join(
            str((item.get("external") or item.get("file") or {}).get("url", ""))
            for item in value
            if isinstance(item, dict)
        )
    return str(value)


def _values(page: dict) -> list[tuple[str, str]]:
    """A page's properties but its title: name, and the value shown."""
    found = []
    for name, prop in (page.get("properties") or {}).items():
        kind = prop.get("type", "") if isinstance(prop, dict) else ""
        if kind and kind != "title":
            found.append((name, _shown(prop.get(kind), kind)))
    return sorted(found)


def _block_tree(parent_id: Any, depth: int = 0) -> list[dict[str, Any]]:
    """The blocks under `parent_id`, in order, each with its text and its own children."""
    rows = SandboxObject.objects.filter(parent=parent_id, kind="block").order_by("position")
    tree: list[dict[str, Any]] = []
    for row in rows:
        kind = row.data["type"]
        follows = bool(tree) and tree[-1]["type"] == kind
        data = row.data.get(kind) or {}
        has_children = row.data.get("has_children") and depth < VIEW_DEPTH
        tree.append(
            {
                "type": kind,
                "text": plain_text(data.get("rich_text")),
                "checked": bool(data.get("checked")),
                "language": data.get("language", ""),
                "number": tree[-1]["number"] + 1 if follows else 1,
                "children": _block_tree(row.id, depth + 1) if has_children else [],
            }
        )
    return tree


class SandboxObjectView(TemplateView):
    """What the sandbox holds for one object: the sandbox's stand-in for opening it in Notion."""

    template_name = "sandbox/object.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        object_id = parse_notion_id(kwargs["object_id"])
        if object_id is None:
            raise Http404("No such sandbox object.")
        obj = get_object_or_404(SandboxObject, id=object_id)
        data = obj.data
        comments = SandboxObject.objects.filter(kind="comment", data__parent__page_id=str(obj.id))
        sources = [s["id"] for s in data.get("data_sources", [])] or (
            [str(obj.id)] if obj.kind == "data_source" else []
        )
        pages = SandboxObject.objects.filter(kind="page", data__parent__data_source_id__in=sources).exclude(
            data__in_trash=True
        )
        first_source = SandboxObject.objects.filter(id__in=sources[:1], kind="data_source").first()
        context.update(
            obj=obj,
            in_trash=bool(data.get("in_trash")),
            title=title_of(data) or "Untitled",
            blocks=_block_tree(obj.id),
            comments=[
                (plain_text(c.data.get("rich_text")), _when(c.data.get("created_time"))) for c in comments
            ],
            pages=[(str(p.id), title_of(p.data) or "Untitled") for p in pages],
            sources=data.get("data_sources", []),
            columns=_columns(first_source.data) if first_source else [],
            values=_values(data) if obj.kind == "page" else [],
        )
        return context
