"""The audit log of Notion requests: one row per attempt, written before it is sent and
completed when it returns, secrets masked, bodies capped.

Rows are written by `AuditTransport` only; nothing else in the project writes them. A row
that cannot be written is logged and never breaks the user's action.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.db import DatabaseError
from django.utils import timezone

from integration.http.masking import NOT_JSON, body_for_log, mask_headers, mask_url, parse_json, scrub
from integration.http.retry import ATTEMPT
from integration.ids import parse_notion_id
from integration.models import NotionRequestLog, Outcome, Source
from integration.notion.endpoints import operation_name

logger = logging.getLogger(__name__)

ANSWER_FIELDS = [
    "duration_ms",
    "status",
    "outcome",
    "response_headers",
    "response_body",
    "response_body_truncated",
    "request_id",
    "error_code",
    "error_message",
    "object_id",
    "finished_at",
]


@dataclass(frozen=True)
class AuditContext:
    """Who asked for the requests of one user action, and the id that groups them."""

    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    username: str = ""
    source: str = Source.OTHER


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
    body = parse_json(request.content)
    logged = body_for_log(request.content, body)
    try:
        return NotionRequestLog.objects.create(
            operation=operation_name(request.method, request.url.path),
            method=request.method,
            url=mask_url(str(request.url)),
            request_headers=mask_headers(request.headers),
            request_body=logged.value,
            request_body_truncated=logged.truncated,
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
        answer = parse_json(response.content)
        row.status = response.status_code
        row.outcome = Outcome.for_status(response.status_code)
        row.response_headers = mask_headers(response.headers)
        row.response_body, row.response_body_truncated = body_for_log(response.content, answer)
        if isinstance(answer, dict):
            row.request_id = str(answer.get("request_id") or response.headers.get("x-request-id", ""))[:64]
            if answer.get("object") == "error":
                row.error_code = str(answer.get("code", ""))[:100]
                row.error_message = scrub(str(answer.get("message", "")))
            if not row.object_id:
                row.object_id = _object_id("", answer)
        elif response.status_code >= 400 or answer is NOT_JSON:
            row.error_code = f"http_{response.status_code}"
            row.error_message = "The answer is not Notion's JSON."
    if error is not None:
        row.outcome = Outcome.NO_RESPONSE
        row.error_code = type(error).__name__
        row.error_message = scrub(str(error))
    row.finished_at = timezone.now()
    try:
        row.save(update_fields=ANSWER_FIELDS)  # the request's half was written before it went out
    except DatabaseError:
        logger.exception("Could not complete the audit log row %s", row.pk)


class AuditTransport(httpx.BaseTransport):
    """Write each attempt's row before sending it through `inner`, and complete it after."""

    def __init__(self, inner: httpx.BaseTransport, *, context: AuditContext, sandbox: bool = False) -> None:
        self.inner = inner
        self.context = context
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = request.extensions.get(ATTEMPT, 1)
        row = start_attempt(request, attempt=attempt, context=self.context, sandbox=self.sandbox)
        started = time.monotonic()
        try:
            response = self.inner.handle_request(request)
            response.read()
        except Exception as error:  # the row says what replaced the answer, whatever it was
            finish_attempt(row, started=started, ended=time.monotonic(), error=error)
            raise
        finish_attempt(row, started=started, ended=time.monotonic(), response=response)
        return response
