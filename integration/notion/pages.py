"""Pages: made in a data source, named through its title property, with an optional heading or
from one of its templates; their properties changed; moved to the trash."""

from typing import Any

from integration.models import AuditContext
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.errors import NotionError, expect, notion_call
from integration.notion.selectors import cached_data_source, title_property
from integration.notion.templates import template_body


def create_page(
    *,
    data_source_id: str,
    title: str,
    header: str = "",
    values: dict[str, dict] | None = None,
    template: str = "",
    context: AuditContext | None = None,
    deadline: float | None = None,
) -> dict:
    """Create a page in a data source (or a database's only data source), with an optional heading.

    `values`: the other properties' values, as Notion takes them (integration.notion.values).
    `template`: "default", or a template's ID, to make the page from ("" or "none": no template);
    Notion applies it in the background, and takes no heading with it.
    """
    body = template_body(template)
    if body and header:
        raise ValueError("A page made from a template takes no heading: Notion refuses children with it.")
    with notion_client(context, deadline=deadline) as client:
        source = cached_data_source(client, data_source_id)
        children = []
        if header:
            children.append(
                {"object": "block", "type": "heading_2", "heading_2": {"rich_text": rich_text(header)}}
            )
        # With a template, no `children` key at all, not even an empty one.
        content: dict[str, Any] = {"template": body} if body else {"children": children}
        with notion_call(write=True, what="data source"):
            page = client.pages.create(
                parent={"type": "data_source_id", "data_source_id": source["id"]},
                properties={title_property(source): {"title": rich_text(title)}, **(values or {})},
                **content,
            )
    return expect(page, "page", write=True, check=lambda p: isinstance(p.get("parent", {}), dict))


def update_page(*, page_id: str, values: dict[str, dict], context: AuditContext | None = None) -> dict:
    """Set some of a page's properties ("Update page properties"); the others keep their values.

    `values`: by property name, as Notion takes them (integration.notion.values). Sending the same
    values again changes nothing: a request whose answer was lost may be sent again.
    """
    with notion_client(context) as client, notion_call(write=True, what="page"):
        page = client.pages.update(page_id=page_id, properties=values)
    return expect(page, "page", write=True)


def move_to_trash(*, object_id: str, what: str = "page", context: AuditContext | None = None) -> bool:
    """Move a page or a database (Notion deletes either as a block) to Notion's trash.

    True if this moved it; False if it was in the trash already, or is gone: sending it again
    after a lost answer is harmless.
    """
    with notion_client(context) as client:
        try:
            with notion_call(write=True, what=what):
                block = client.blocks.delete(block_id=object_id)
        except NotionError as error:
            if error.code == "object_not_found" or (error.status == 400 and "archived" in error.message):
                return False
            raise
    expect(block, "block", write=True)
    return True
