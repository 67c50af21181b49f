"""Comments on pages."""

from integration.http.audit import AuditContext
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.errors import expect, notion_call

COMMENT_CAPABILITY = (
    "The integration may not comment: enable its “Insert comments” capability in "
    "Notion's integration settings, then try again."
)


def add_comment(
    *, page_id: str, text: str, context: AuditContext | None = None, deadline: float | None = None
) -> dict:
    """Add a comment to a page."""
    with (
        notion_client(context, deadline=deadline) as client,
        notion_call(write=True, what="page", hints={"restricted_resource": COMMENT_CAPABILITY}),
    ):
        comment = client.comments.create(parent={"page_id": page_id}, rich_text=rich_text(text))
    return expect(comment, "comment", write=True)
