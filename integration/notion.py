"""The one way in to Notion: views and commands call these functions, never the SDK.

Each function makes the requests of one user action through notion-client, with
`NotionTransport` underneath (audit log, timeouts, safe retries), and returns
Notion's object or raises `NotionError` with a message a person can act on.
"""

import functools
import json
import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from django.conf import settings
from notion_client import APIResponseError, Client
from notion_client.client import ClientOptions
from notion_client.errors import HTTPResponseError, InvalidPathParameterError, RequestTimeoutError

from integration.audit import AuditContext, scrub
from integration.pacing import NotionBusy
from integration.sandbox import DatabaseStore, NotionSandbox
from integration.transport import NotionTransport

logger = logging.getLogger(__name__)

TEXT_LIMIT = 2000  # characters in one rich-text object, as Notion counts them (UTF-16 units)
BLOCKS_PER_REQUEST = 100
PIECES_PER_BLOCK = 100
REQUEST_BYTES = 400_000  # under Notion's 500 KB per request, with room for the envelope

_HINTS = {
    "unauthorized": "Notion did not accept the integration token: check NOTION_KEY.",
    "restricted_resource": (
        "The integration is not allowed to do this: check its capabilities in Notion's integration settings."
    ),
    "object_not_found": (
        "Notion can't find this {what}, or it is not shared with the integration: open it in "
        "Notion, then ••• → Add connections → choose the integration."
    ),
    "rate_limited": "Notion is receiving too many requests: wait a minute, then try again.",
    "busy": "Too many requests to Notion are waiting already: nothing was sent; try again in a minute.",
    "conflict_error": "Notion reported a conflicting change at the same time: try again.",
    "timeout": "Notion did not answer in time.",
    "connection_error": "Notion could not be reached.",
    "invalid_response": "Notion sent an answer this app could not read.",
    "unexpected_response": "Notion's answer did not have the expected shape.",
}
_COMMENT_CAPABILITY = (
    "The integration may not comment: enable its “Insert comments” capability in "
    "Notion's integration settings, then try again."
)
_MAYBE_DONE = " It may have been done anyway: check Notion before trying again."


class NotionError(Exception):
    """A Notion request that failed, explained: `hint` says what to do about it."""

    def __init__(
        self,
        *,
        code: str,
        hint: str,
        message: str = "",
        status: int | None = None,
        request_id: str = "",
        maybe_done: bool = False,
    ) -> None:
        self.code = code
        # Notion may echo what it was sent, the token included: it never reaches a page or a log.
        self.hint = scrub(hint)
        self.message = scrub(message)
        self.status = status
        self.request_id = request_id
        self.maybe_done = maybe_done
        super().__init__(str(self))

    def __str__(self) -> str:
        details = [f"code {self.code}"]
        if self.status:
            details.append(f"HTTP {self.status}")
        if self.request_id:
            details.append(f"request {self.request_id}")
        return f"{self.hint} ({', '.join(details)})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "hint": self.hint,
            "message": self.message,
            "status": self.status,
            "request_id": self.request_id,
            "maybe_done": self.maybe_done,
        }


SANDBOX_URL = "https://sandbox.notionforms.invalid"
SANDBOX_TOKEN = "sandbox"
SANDBOX_ROOT_PAGE = "5a4db0c5-0000-4000-8000-000000000001"


def in_sandbox() -> bool:
    """Without NOTION_KEY the app talks to its built-in sandbox instead of Notion."""
    return not settings.NOTION_KEY


@functools.cache
def _network() -> httpx.HTTPTransport:
    return httpx.HTTPTransport(retries=0)


@functools.cache
def _sandbox() -> NotionSandbox:
    return NotionSandbox(store=DatabaseStore(), rate=3, burst=3, integration_name="notionforms sandbox")


def _sandbox_root() -> str:
    sandbox = _sandbox()
    if sandbox.store.get(SANDBOX_ROOT_PAGE) is None:
        sandbox.add_page("Sandbox workspace", page_id=SANDBOX_ROOT_PAGE)
    return SANDBOX_ROOT_PAGE


def default_parent_page() -> str:
    """The page new databases go under: NOTION_PAGE_ID, or the sandbox's own top page."""
    return _sandbox_root() if in_sandbox() else settings.NOTION_PAGE_ID


def _client(context: AuditContext) -> Client:
    sandbox = in_sandbox()
    inner = settings.NOTION_TRANSPORT or (httpx.MockTransport(_sandbox()) if sandbox else _network())
    transport = NotionTransport(inner, context=context, sandbox=sandbox)
    options = ClientOptions(
        auth=SANDBOX_TOKEN if sandbox else settings.NOTION_KEY,
        base_url=SANDBOX_URL if sandbox else settings.NOTION_BASE_URL,
        notion_version=settings.NOTION_VERSION,
        retry=False,
        # The SDK would log Notion's messages as they come, secrets and all; failures are
        # logged here instead, scrubbed (see _notion_call).
        logger=logging.getLogger("integration.sdk"),
        log_level=logging.ERROR,
    )
    return Client(options, client=httpx.Client(transport=transport))


def _explain(error: Exception, *, write: bool, what: str, hints: dict[str, str]) -> NotionError:
    maybe_done = ""
    if isinstance(error, APIResponseError):
        code = str(getattr(error.code, "value", error.code))
        hint = (_HINTS | hints).get(code, "{message}").format(what=what, message=str(error))
        if error.status >= 500 and write:
            maybe_done = _MAYBE_DONE
        if error.status >= 500 and code not in _HINTS:
            hint = f"Notion had a problem on its side: {error}"
        return NotionError(
            code=code,
            hint=hint + maybe_done,
            message=str(error),
            status=error.status,
            request_id=error.request_id or "",
            maybe_done=bool(maybe_done),
        )
    if isinstance(error, HTTPResponseError):
        ambiguous = write and error.status >= 500
        return NotionError(
            code=f"http_{error.status}",
            hint=f"Notion answered with an error (HTTP {error.status}) that is not Notion's usual JSON."
            + (_MAYBE_DONE if ambiguous else ""),
            message=error.body[:300],
            status=error.status,
            maybe_done=ambiguous,
        )
    if isinstance(error, RequestTimeoutError):
        return NotionError(
            code="timeout", hint=_HINTS["timeout"] + (_MAYBE_DONE if write else ""), maybe_done=write
        )
    if isinstance(error, httpx.TransportError):
        never_sent = isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout))
        ambiguous = write and not never_sent
        return NotionError(
            code="connection_error",
            hint=_HINTS["connection_error"] + (_MAYBE_DONE if ambiguous else ""),
            message=type(error).__name__,
            maybe_done=ambiguous,
        )
    if isinstance(error, NotionBusy):
        return NotionError(code="busy", hint=_HINTS["busy"], message=str(error))
    if isinstance(error, InvalidPathParameterError):
        return NotionError(code="invalid_id", hint=f"That is not a valid Notion {what} ID.")
    if isinstance(error, ValueError):
        return NotionError(
            code="invalid_response",
            hint=_HINTS["invalid_response"] + (_MAYBE_DONE if write else ""),
            maybe_done=write,
        )
    raise error


@contextmanager
def _notion_call(*, write: bool, what: str, hints: dict[str, str] | None = None) -> Iterator[None]:
    """Turn whatever the SDK or httpx raises inside the block into a `NotionError`."""
    try:
        yield
    except (
        HTTPResponseError,
        RequestTimeoutError,
        InvalidPathParameterError,
        NotionBusy,
        httpx.TransportError,
        ValueError,  # a body that is not JSON
    ) as error:
        explained = _explain(error, write=write, what=what, hints=hints or {})
        logger.info("Notion request failed: %s", explained)
        raise explained from error


def _expect(obj: Any, kind: str, *, write: bool, check: Callable[[dict], bool] = lambda _: True) -> dict:
    has_id = kind == "list" or (isinstance(obj, dict) and isinstance(obj.get("id"), str))
    if isinstance(obj, dict) and obj.get("object") == kind and has_id and check(obj):
        return obj
    raise NotionError(
        code="unexpected_response",
        hint=_HINTS["unexpected_response"] + (_MAYBE_DONE if write else ""),
        message=f"expected a {kind} object",
        maybe_done=write,
    )


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut `text` into pieces Notion accepts in one rich-text object each, in order."""
    pieces = []
    start = 0
    while start < len(text):
        end = min(len(text), start + limit)
        excess = _utf16_len(text[start:end]) - limit
        if excess > 0:
            end -= excess
        pieces.append(text[start:end])
        start = end
    return pieces


def rich_text(text: str) -> list[dict]:
    return [{"type": "text", "text": {"content": piece}} for piece in split_text(text)]


def _size(obj: Any) -> int:
    return len(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode())


def _fill(items: list[dict], *, count: int, size: int) -> Iterator[list[dict]]:
    """Group `items` in order, at most `count` and about `size` bytes a group."""
    group: list[dict] = []
    used = 0
    for item in items:
        item_size = _size(item) + 1
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
        for pieces in list(_fill(rich_text(paragraph), count=PIECES_PER_BLOCK, size=REQUEST_BYTES)) or [[]]:
            blocks.append({"object": "block", "type": "paragraph", "paragraph": {"rich_text": pieces}})
    return list(_fill(blocks, count=BLOCKS_PER_REQUEST, size=REQUEST_BYTES))


def create_database(*, title: str, parent_page_id: str = "", context: AuditContext | None = None) -> dict:
    """Create a database with a `Name` title column under a page (by default NOTION_PAGE_ID)."""
    client = _client(context or AuditContext())
    parent = parent_page_id or default_parent_page()
    if not parent:
        client.close()
        raise NotionError(
            code="not_configured",
            hint=(
                "No parent page: set NOTION_PAGE_ID to the page new databases go under, "
                "and share that page with the integration."
            ),
        )
    try:
        with _notion_call(write=True, what="parent page"):
            database = client.databases.create(
                parent={"type": "page_id", "page_id": parent},
                title=rich_text(title),
                initial_data_source={"properties": {"Name": {"title": {}}}},
            )
    finally:
        client.close()
    return _expect(
        database,
        "database",
        write=True,
        check=lambda d: bool(d.get("data_sources")) and isinstance(d["data_sources"][0].get("id"), str),
    )


def _data_source(client: Client, source_id: str) -> dict:
    """The data source with this ID, or the first data source of the database with this ID."""
    try:
        with _notion_call(write=False, what="data source"):
            return _expect(client.data_sources.retrieve(source_id), "data_source", write=False)
    except NotionError as error:
        if error.code != "object_not_found":
            raise
        not_found = error
    # People often paste a database's link, whose ID is the database's, not its data source's.
    try:
        with _notion_call(write=False, what="data source"):
            database = client.databases.retrieve(source_id)
    except NotionError:
        raise not_found from None
    sources = database.get("data_sources") if isinstance(database, dict) else None
    if not sources:
        raise not_found
    if len(sources) > 1:
        names = ", ".join(f"{s.get('name') or 'untitled'} ({s.get('id')})" for s in sources)
        raise NotionError(
            code="ambiguous_database",
            hint=f"This database has {len(sources)} data sources; enter the ID of one of them: {names}.",
        )
    with _notion_call(write=False, what="data source"):
        return _expect(client.data_sources.retrieve(sources[0]["id"]), "data_source", write=False)


def title_property(data_source: dict) -> str:
    """The name of the data source's title property (each data source has exactly one)."""
    for name, prop in (data_source.get("properties") or {}).items():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return name
    raise NotionError(
        code="unexpected_response",
        hint="This data source has no title property, so a page can't be named in it.",
    )


def create_page(
    *, data_source_id: str, title: str, header: str = "", context: AuditContext | None = None
) -> dict:
    """Create a page in a data source (or a database's only data source), with an optional heading."""
    client = _client(context or AuditContext())
    try:
        source = _data_source(client, data_source_id)
        children = []
        if header:
            children.append(
                {"object": "block", "type": "heading_2", "heading_2": {"rich_text": rich_text(header)}}
            )
        with _notion_call(write=True, what="data source"):
            page = client.pages.create(
                parent={"type": "data_source_id", "data_source_id": source["id"]},
                properties={title_property(source): {"title": rich_text(title)}},
                children=children,
            )
    finally:
        client.close()
    return _expect(page, "page", write=True)


def append_content(*, page_id: str, content: str, context: AuditContext | None = None) -> list[dict]:
    """Append text to a page as paragraphs, in as many requests as Notion's limits need.

    Returns the new blocks. If a request fails, the error says how many parts
    were added before it; nothing is sent again.
    """
    batches = content_batches(content)
    client = _client(context or AuditContext())
    blocks: list[dict] = []
    try:
        for number, batch in enumerate(batches, start=1):
            try:
                with _notion_call(write=True, what="page"):
                    answer = client.blocks.children.append(page_id, children=batch)
                answer = _expect(
                    answer, "list", write=True, check=lambda a: isinstance(a.get("results"), list)
                )
            except NotionError as error:
                if number > 1:
                    error.hint += (
                        f" Parts 1 to {number - 1} of {len(batches)} were added; part {number} "
                        "and the rest were not sent."
                    )
                raise
            blocks.extend(answer["results"])
    finally:
        client.close()
    return blocks


def add_comment(*, page_id: str, text: str, context: AuditContext | None = None) -> dict:
    """Add a comment to a page."""
    client = _client(context or AuditContext())
    try:
        with _notion_call(write=True, what="page", hints={"restricted_resource": _COMMENT_CAPABILITY}):
            comment = client.comments.create(parent={"page_id": page_id}, rich_text=rich_text(text))
    finally:
        client.close()
    return _expect(comment, "comment", write=True)


def object_title(obj: dict) -> str:
    """The plain title of a page, database or data source."""
    for prop in (obj.get("properties") or {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return "".join(part.get("plain_text", "") for part in prop.get("title") or [])
    return "".join(part.get("plain_text", "") for part in obj.get("title") or [])


def search(
    *, query: str, kind: str, cursor: str = "", context: AuditContext | None = None
) -> tuple[list[dict[str, str]], str]:
    """Pages or data sources shared with the integration whose title holds `query`.

    Returns one page of results, newest first, and the cursor of the next page ("" if none).
    """
    body: dict[str, Any] = {"query": query, "filter": {"property": "object", "value": kind}, "page_size": 20}
    if cursor:
        body["start_cursor"] = cursor
    client = _client(context or AuditContext())
    try:
        with _notion_call(write=False, what="workspace"):
            answer = client.search(**body)
    finally:
        client.close()
    answer = _expect(answer, "list", write=False, check=lambda a: isinstance(a.get("results"), list))
    found = [
        {"id": obj["id"], "name": object_title(obj) or "Untitled", "url": obj.get("url", "")}
        for obj in answer["results"]
        if isinstance(obj, dict) and isinstance(obj.get("id"), str)
    ]
    return found, answer.get("next_cursor") or ""
