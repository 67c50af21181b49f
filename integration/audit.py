"""The audit log of Notion requests: one row per attempt, secrets masked, bodies capped.

Rows are written by `NotionTransport` only; nothing else in the project writes them.
"""

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from integration.ids import parse_notion_id
from integration.models import NotionRequestLog, Outcome, Source

logger = logging.getLogger(__name__)

MASK = "***"

_OPERATIONS = [
    ("POST", r"databases", "databases.create"),
    ("GET", r"databases/[^/]+", "databases.retrieve"),
    ("GET", r"data_sources/[^/]+", "data_sources.retrieve"),
    ("POST", r"pages", "pages.create"),
    ("GET", r"pages/[^/]+", "pages.retrieve"),
    ("PATCH", r"blocks/[^/]+/children", "blocks.children.append"),
    ("GET", r"blocks/[^/]+/children", "blocks.children.list"),
    ("POST", r"comments", "comments.create"),
    ("GET", r"comments", "comments.list"),
    ("POST", r"search", "search"),
]


@dataclass(frozen=True)
class AuditContext:
    """Who asked for the requests of one user action, and the id that groups them."""

    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    username: str = ""
    source: str = Source.OTHER


def operation_name(method: str, path: str) -> str:
    """Name a request after the SDK method that sends it, e.g. `databases.create`."""
    endpoint = path.removeprefix("/v1/").strip("/")
    for op_method, pattern, name in _OPERATIONS:
        if method == op_method and re.fullmatch(pattern, endpoint):
            return name
    return f"{method} {endpoint}"[:64]


def _masked_keys() -> set[str]:
    return {key.lower() for key in settings.NOTION_AUDIT_MASKED_KEYS}


def scrub(text: str) -> str:
    # A safety net under the masking by key: the integration token never reaches a row,
    # wherever it hides (an echoed error message, a pasted comment...).
    key = settings.NOTION_KEY
    return text.replace(key, MASK) if key else text


def _mask_value(key: str, value: str) -> str:
    scheme, _, credentials = value.partition(" ")
    if key.lower() in ("authorization", "proxy-authorization") and credentials:
        return f"{scheme} {MASK}"
    return MASK


def mask_headers(headers: httpx.Headers) -> dict[str, str]:
    masked = _masked_keys()
    return {
        key: _mask_value(key, value) if key.lower() in masked else scrub(value)
        for key, value in headers.items()
    }


def mask_json(value: Any) -> Any:
    """Return `value` with every value under a masked key (any depth, any case) replaced."""
    masked = _masked_keys()

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: MASK if str(key).lower() in masked else walk(child) for key, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, str):
            return scrub(item)
        return item

    return walk(value)


def mask_url(url: str) -> str:
    parts = urlsplit(url)
    if not parts.query:
        return scrub(url)
    masked = _masked_keys()
    query = [
        (key, MASK if key.lower() in masked else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return scrub(urlunsplit(parts._replace(query=urlencode(query, safe="*"))))


def cap(text: str) -> str:
    limit = settings.NOTION_AUDIT_BODY_LIMIT
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n…[truncated: {len(text) - limit} more characters]"


_NOT_JSON = object()


def _parse(content: bytes) -> Any:
    """The body's JSON, or _NOT_JSON."""
    try:
        return json.loads(content)
    except ValueError:
        return _NOT_JSON


def body_for_log(content: bytes, data: Any = _NOT_JSON) -> str:
    """The body as it is stored: pretty JSON with secrets masked, else the raw text, capped.

    `data` is the body already parsed, when the caller has it.
    """
    if not content:
        return ""
    if data is _NOT_JSON:
        data = _parse(content)
    if data is _NOT_JSON:
        return cap(scrub(content.decode("utf-8", errors="replace")))
    return cap(json.dumps(mask_json(data), indent=2, ensure_ascii=False))


def _parent_id(body: Any) -> str:
    parent = body.get("parent") if isinstance(body, dict) else None
    if isinstance(parent, dict):
        for key in ("page_id", "data_source_id", "database_id", "block_id"):
            if isinstance(parent.get(key), str):
                return parse_notion_id(parent[key]) or ""
    return ""


def _object_id(path: str, response_body: Any) -> str:
    for segment in path.split("/"):
        found = parse_notion_id(segment)
        if found:
            return found
    if isinstance(response_body, dict) and isinstance(response_body.get("id"), str):
        return parse_notion_id(response_body["id"]) or ""
    return ""


def start_attempt(
    request: httpx.Request, *, attempt: int, context: AuditContext, sandbox: bool = False
) -> NotionRequestLog | None:
    """Record an attempt before it is sent. Returns None if the log could not be written."""
    body = _parse(request.content)
    try:
        return NotionRequestLog.objects.create(
            operation=operation_name(request.method, request.url.path),
            method=request.method,
            url=mask_url(str(request.url)),
            request_headers=mask_headers(request.headers),
            request_body=body_for_log(request.content, body),
            attempt=attempt,
            correlation_id=context.correlation_id,
            username=context.username,
            source=context.source,
            sandbox=sandbox,
            object_id=_object_id(request.url.path, None),
            parent_id=_parent_id(body),
        )
    except DatabaseError:
        logger.exception("Could not write the audit log row of %s %s", request.method, request.url.path)
        return None


def finish_attempt(
    row: NotionRequestLog | None,
    *,
    started: float,
    ended: float,
    response: httpx.Response | None = None,
    error: BaseException | None = None,
) -> None:
    """Complete the row of an attempt with its answer, or with the error that replaced it."""
    if row is None:
        return
    row.duration_ms = max(0, round((ended - started) * 1000))
    if response is not None:
        answer = _parse(response.content)
        row.status = response.status_code
        row.outcome = Outcome.for_status(response.status_code)
        row.response_headers = mask_headers(response.headers)
        row.response_body = body_for_log(response.content, answer)
        if isinstance(answer, dict):
            row.request_id = str(answer.get("request_id") or response.headers.get("x-request-id", ""))[:64]
            if answer.get("object") == "error":
                row.error_code = str(answer.get("code", ""))[:100]
                row.error_message = scrub(str(answer.get("message", "")))
            if not row.object_id:
                row.object_id = _object_id("", answer)
        elif response.status_code >= 400:
            row.error_code = f"http_{response.status_code}"
            row.error_message = "The answer is not Notion's JSON."
    if error is not None:
        row.outcome = Outcome.NO_RESPONSE
        row.error_code = type(error).__name__
        row.error_message = scrub(str(error))
    row.finished_at = timezone.now()
    try:
        row.save()
    except DatabaseError:
        logger.exception("Could not complete the audit log row %s", row.pk)
