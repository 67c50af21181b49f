"""Content appended to a page: text as paragraphs, in as many requests as Notion's limits need."""

from collections.abc import Callable

from integration.http.audit import AuditContext
from integration.notion.blocks import content_batches
from integration.notion.client import notion_client
from integration.notion.errors import NotionError, expect, notion_call


def parts_report(failed: int, total: int, *, maybe_done: bool) -> str:
    """What became of each part of content sent in `total` requests when part `failed` failed."""
    if total == 1:
        return ""
    done = (
        f"Parts 1 to {failed - 1} of {total} were added"
        if failed > 2
        else (f"Part 1 of {total} was added" if failed == 2 else "")
    )
    if maybe_done:
        failing = f"part {failed} may have been added: look at the page before sending it again"
    else:
        failing = f"part {failed} was not added"
    rest = ""
    if failed < total:
        rest = (
            f"part {total} was not sent"
            if failed + 1 == total
            else f"parts {failed + 1} to {total} were not sent"
        )
    sentence = "; ".join(part for part in (done, failing, rest) if part)
    return f" {sentence[0].upper()}{sentence[1:]}."


def append_content(
    *,
    page_id: str,
    content: str,
    context: AuditContext | None = None,
    deadline: float | None = None,
    max_requests: int | None = None,
    keep_going: Callable[[], bool] | None = None,
) -> list[dict]:
    """Append text to a page as paragraphs, in as many requests as Notion's limits need.

    Returns the new blocks. If a request fails, the error says which parts were added,
    which may have been, and which were not sent; nothing is sent twice. Before each part
    after the first, `keep_going()` is asked whether anyone still waits for the answer.
    """
    batches = content_batches(content)
    if max_requests is not None and len(batches) > max_requests:
        raise NotionError(
            code="too_long",
            hint=f"This content needs {len(batches)} requests to Notion; one action may send at most "
            f"{max_requests} (NOTION_CONTENT_MAX_REQUESTS). Nothing was sent: split it.",
        )
    blocks: list[dict] = []
    with notion_client(context, deadline=deadline) as client:
        for number, batch in enumerate(batches, start=1):
            if number > 1 and keep_going is not None and not keep_going():
                raise NotionError(
                    code="client_gone",
                    hint="The browser stopped waiting for the answer, so the rest was not sent."
                    + parts_report(number, len(batches), maybe_done=False),
                )
            try:
                with notion_call(write=True, what="page"):
                    answer = client.blocks.children.append(page_id, children=batch)
                answer = expect(answer, "list", write=True, check=lambda a: isinstance(a["results"], list))
            except NotionError as error:
                error.hint += parts_report(number, len(batches), maybe_done=error.maybe_done)
                raise
            blocks.extend(answer["results"])
    return blocks
