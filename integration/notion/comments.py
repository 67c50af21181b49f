"""Comments on pages and on their blocks."""

from integration.models import AuditContext
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.errors import expect, notion_call

COMMENT_CAPABILITY = (
    "The integration may not comment: enable its “Insert comments” capability in "
    "Notion's integration settings, then try again."
)


def add_comment(
    *,
    page_id: str,
    text: str,
    block_id: str = "",
    context: AuditContext | None = None,
    deadline: float | None = None,
) -> dict:
    """Add a comment to a page, or to one of its blocks."""
    parent = {"block_id": block_id} if block_id else {"page_id": page_id}
    with (
        notion_client(context, deadline=deadline) as client,
        notion_call(
            write=True,
            what="block" if block_id else "page",
            hints={"restricted_resource": COMMENT_CAPABILITY},
        ),
    ):
        comment = client.comments.create(parent=parent, rich_text=rich_text(text))
    return expect(comment, "comment", write=True)
