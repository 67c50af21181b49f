"""Content appended to a page, as paragraphs of plain text or as Markdown's blocks, with attached
files placed among them, in as many requests as Notion's limits need; and those requests, and what
became of each when one failed, as a person reads them. The only place that appends content (the
capability check of `diagnostics` appends nothing)."""

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from integration.models import AuditContext
from integration.notion.blocks import Append, ListChildren, children_of, plan_requests
from integration.notion.client import notion_client
from integration.notion.errors import NotionError, expect, notion_call, unexpected
from integration.notion.files import block_type_for, file_block
from integration.notion.limits import PART_SIZE, SINGLE_PART_MAX
from integration.notion.markdown import MARKDOWN, PLAIN, ContentPlan, TooDeep, plan_content

__all__ = [
    "MARKDOWN",
    "PLAIN",
    "AddedContent",
    "ContentPlan",
    "append_content",
    "parts_report",
    "plan_with_files",
    "with_uploads",
]

# Stands for a file's upload ID in blocks planned before the file is uploaded (a form's plan, a preview).
PENDING = "pending-upload:"


def _upload_ids(blocks: list[dict]) -> Iterator[str]:
    for block in blocks:
        data = block[block["type"]]
        if data.get("type") == "file_upload":
            yield data["file_upload"]["id"]
        yield from _upload_ids(children_of(block))


def plan_with_files(
    content: str,
    *,
    text_format: str = PLAIN,
    files: Sequence[tuple[str, str]] = (),
    uploaded: Mapping[str, str] | None = None,
) -> ContentPlan:
    """The blocks and requests of `content` with `files` ((name, content type) each) attached.

    Markdown places a file where it names it (`![caption](name.png)`); the others follow the
    text, in order, each a block of its kind (image, pdf, audio, video or file). `uploaded` gives
    the upload IDs ({name: ID}); a file not uploaded yet stands as PENDING + its name.
    """
    kinds = {name: block_type_for(name, content_type) for name, content_type in files}
    ids = {name: (uploaded or {}).get(name, PENDING + name) for name in kinds}
    plan = plan_content(
        content, text_format=text_format, attached={name: (kinds[name], ids[name]) for name in kinds}
    )
    placed = set(_upload_ids(plan.blocks))
    rest = [file_block(kinds[name], ids[name]) for name in kinds if ids[name] not in placed]
    if not rest:
        return plan
    blocks = [*plan.blocks, *rest]
    names = {**plan.file_names, **{ids[name]: name for name in kinds}}
    return replace(plan, blocks=blocks, steps=plan_requests(blocks), file_names=names)


def _swapped(item: Any, ids: Mapping[str, str]) -> Any:
    """`item` (blocks, or a part of one) copied, each `{"id": pending}` of `ids` given its upload's ID."""
    if isinstance(item, list):
        return [_swapped(one, ids) for one in item]
    if isinstance(item, dict):
        if item.keys() == {"id"} and item["id"] in ids:
            return {"id": ids[item["id"]]}
        return {key: _swapped(value, ids) for key, value in item.items()}
    return item


def with_uploads(plan: ContentPlan, uploaded: Mapping[str, str]) -> ContentPlan:
    """`plan`, made with files not uploaded yet, with the upload IDs `uploaded` gives ({name: ID}) in
    place of theirs: what `plan_with_files` makes once they are uploaded, without converting again."""
    ids = {PENDING + name: upload_id for name, upload_id in uploaded.items()}
    if not ids:
        return plan
    steps = [
        replace(step, children=_swapped(step.children, ids)) if isinstance(step, Append) else step
        for step in plan.steps
    ]
    names = {ids.get(upload_id, upload_id): name for upload_id, name in plan.file_names.items()}
    return replace(plan, blocks=_swapped(plan.blocks, ids), steps=steps, file_names=names)


@dataclass(frozen=True)
class AddedContent:
    blocks: list[dict]  # the new blocks at the top of the page, as Notion answered
    count: int  # all the new blocks, nested ones included


def _upload_requests(name: str, size: int) -> str:
    if size <= SINGLE_PART_MAX:
        return f"Upload {name}: create the upload, send the file"
    parts = math.ceil(size / PART_SIZE)
    return f"Upload {name} in {parts} parts: create the upload, send {parts} parts, complete it"


def _step_request(step: Append | ListChildren) -> str:
    where = "the page" if step.parent == 0 else f"block {step.parent}"
    if isinstance(step, ListChildren):
        return f"Read the IDs of the blocks just added in {where}"
    count = len(step.children)
    numbers = f"{step.refs[0]}" if count == 1 else f"{step.refs[0]}–{step.refs[-1]}"
    return f"Add {count} block{'s' if count != 1 else ''} to {where} (blocks {numbers})"


def request_list(plan: ContentPlan, files: Sequence[tuple[str, int]] = ()) -> list[str]:
    """The requests sending `plan` takes, in order, as a person reads them: the uploads of `files`
    ((name, size) each) first, then each request adding blocks; blocks are numbered in order."""
    return [*(_upload_requests(name, size) for name, size in files), *map(_step_request, plan.steps)]


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


def _has_results(answer: dict) -> bool:
    return isinstance(answer["results"], list)


def _has_ids(answer: dict, count: int) -> bool:
    results = answer["results"]
    return (
        isinstance(results, list)
        and len(results) >= count
        and all(isinstance(r, dict) and isinstance(r.get("id"), str) for r in results[:count])
    )


def append_content(
    *,
    page_id: str,
    content: str,
    text_format: str = PLAIN,
    context: AuditContext | None = None,
    deadline: float | None = None,
    max_requests: int | None = None,
    keep_going: Callable[[], bool] | None = None,
    done: int = 0,
    ids: dict[int, str] | None = None,
    on_part: Callable[[int, list], None] | None = None,
    files: Sequence[tuple[str, str]] = (),
    uploaded: Mapping[str, str] | None = None,
    plan: ContentPlan | None = None,
) -> AddedContent:
    """Append text to a page, as paragraphs or as Markdown's blocks, in as many requests as needed.

    Each request is a part. If one fails, the error says which parts were added, which may
    have been, and which were not sent; nothing is sent twice. Before each part after the
    first, `keep_going()` is asked whether anyone still waits for the answer. Nested blocks
    are added to their parents' IDs, read back from Notion where its answer does not give them.

    A background job resumes with `done`, the parts already added, and `ids`, the block IDs they
    gave (updated in place as parts go); `on_part(number, results)` hears of each part added.
    `files` are attached as `plan_with_files` says, uploaded already as `uploaded` gives. `plan`:
    the plan `plan_with_files` made of this content and these files before they were uploaded (a
    form's), sent as it is rather than converting the content again.
    """
    try:
        if plan is None:
            plan = plan_with_files(content, text_format=text_format, files=files, uploaded=uploaded)
        else:
            plan = with_uploads(plan, uploaded or {})
    except TooDeep as deep:
        raise NotionError(
            code="too_deep",
            hint=f"This Markdown is {deep} (lists, quotes and marks inside one another): nothing was "
            "sent. Nest it less, or send it as plain text.",
        ) from None
    steps = plan.steps
    if max_requests is not None and len(steps) > max_requests:
        raise NotionError(
            code="too_long",
            hint=f"This content needs {len(steps)} requests to Notion; one action may send at most "
            f"{max_requests} (NOTION_CONTENT_MAX_REQUESTS). Nothing was sent: split it.",
        )
    ids = ids if ids is not None else {}
    ids[0] = page_id
    parents = {step.parent for step in steps}
    top: list[dict] = []
    with notion_client(context, deadline=deadline) as client:
        for number, step in enumerate(steps, start=1):
            if number <= done:
                continue
            if number > 1 and keep_going is not None and not keep_going():
                raise NotionError(
                    code="client_gone",
                    hint="The browser stopped waiting for the answer, so the rest was not sent."
                    + parts_report(number, len(steps), maybe_done=False),
                )
            try:
                if isinstance(step, Append):
                    with notion_call(write=True, what="page"):
                        answer = client.blocks.children.append(ids[step.parent], children=step.children)
                    answer = expect(answer, "list", write=True, check=_has_results)
                else:
                    with notion_call(write=False, what="block"):
                        answer = client.blocks.children.list(ids[step.parent], page_size=len(step.refs))
                    answer = expect(answer, "list", write=False)
                if isinstance(step, ListChildren) or not parents.isdisjoint(step.refs):
                    if not _has_ids(answer, len(step.refs)):
                        raise unexpected("the new blocks' IDs", write=isinstance(step, Append))
                    ids.update(
                        {ref: new["id"] for ref, new in zip(step.refs, answer["results"], strict=False)}
                    )
            except NotionError as error:
                error.hint += parts_report(number, len(steps), maybe_done=error.maybe_done)
                raise
            if isinstance(step, Append) and step.parent == 0:
                top.extend(answer["results"])
            if on_part is not None:
                on_part(number, answer["results"])
    return AddedContent(top, plan.block_count)
