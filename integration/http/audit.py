"""The audit log of Notion requests: one row per attempt, written before it is sent and
completed when it returns, secrets masked, bodies capped.

Rows are written by `AuditTransport` only; nothing else in the project writes them. A row
that cannot be written is logged and never breaks the user's action.

A row is never left saying "no response" for a request that was answered. When the UPDATE
completing it fails (the database locked or restarting), it is tried once more on a fresh
connection; if it still fails:
- where the database takes a smaller write, the row is marked "answered; record incomplete",
  with the status and the object ID, at once;
- else the answer is kept by this process (`UNWRITTEN`) and written with the next audit row
  the process writes, in full, or as "answered; record incomplete" if only that fits.
Only an answer whose process dies before the database is back is lost, its row saying "no
response" as for a crash mid-request.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import httpx
from django.db import DatabaseError, connections, router, transaction
from django.utils import timezone

from integration.http.retry import ATTEMPT
from integration.ids import parse_notion_id
from integration.masking import (
    NOT_JSON,
    LoggedBody,
    body_for_log,
    mask_headers,
    mask_request_id,
    mask_url,
    multipart_for_log,
    parse_json,
    scrub,
)
from integration.models import AuditContext, NotionRequestLog, Outcome

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


# What "answered; record incomplete" keeps of an answer: what it was, and which object it made.
MARK_FIELDS = ["status", "request_id", "object_id", "duration_ms", "finished_at"]
RETRY_PAUSE = 0.2  # seconds before the second try of a failed UPDATE


class Unwritten:
    """Answers this process could not write into their rows yet, written by `flush` later.

    Kept by row ID and correlation ID (a row pruned or rolled back meanwhile is left alone),
    at most `limit` of them: past that, an answer is only logged.
    """

    limit = 500

    def __init__(self) -> None:
        self._answers: dict[tuple[int, uuid.UUID], dict[str, Any]] = {}
        self._lock = threading.Lock()

    def keep(self, row: NotionRequestLog, fields: dict[str, Any]) -> None:
        with self._lock:
            if len(self._answers) < self.limit:
                self._answers[(row.pk, row.correlation_id)] = fields

    def flush(self) -> None:
        """Write each kept answer, in full or as "answered; record incomplete"; keep those the
        database still refuses."""
        if not self._answers:
            return
        with self._lock:
            answers, self._answers = self._answers, {}
        for (pk, correlation_id), fields in answers.items():
            error = _update(pk, correlation_id, fields)
            if error is not None and not _mark_answered(pk, correlation_id, fields, error):
                with self._lock:
                    self._answers.setdefault((pk, correlation_id), fields)


UNWRITTEN = Unwritten()


def _locked(error: DatabaseError) -> bool:
    """SQLite's "database is locked", after its busy timeout: trying again at once would wait as long."""
    return "is locked" in str(error).lower()


def _update(pk: int, correlation_id: uuid.UUID, fields: dict[str, Any]) -> DatabaseError | None:
    """One UPDATE of a row; within a transaction, in a savepoint, for a failure not to spoil it."""
    rows = NotionRequestLog.objects.filter(pk=pk, correlation_id=correlation_id)
    in_transaction = connections[rows.db].in_atomic_block
    try:
        with transaction.atomic(using=rows.db) if in_transaction else nullcontext():
            rows.update(**fields)
    except DatabaseError as error:
        return error
    return None


def _mark_answered(pk: int, correlation_id: uuid.UUID, fields: dict[str, Any], error: DatabaseError) -> bool:
    """After the whole answer was refused: write at least that it came; whether that went in."""
    if fields["status"] is None or _locked(error):
        return False  # no answer to tell, or a database that can't be written now
    mark = {name: fields[name] for name in MARK_FIELDS}
    return _update(pk, correlation_id, {**mark, "outcome": Outcome.INCOMPLETE}) is None


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
    request: httpx.Request, *, operation: str, attempt: int, context: AuditContext, sandbox: bool = False
) -> NotionRequestLog | None:
    """Record an attempt before it is sent. Returns None if the log could not be written."""
    described = multipart_for_log(request)
    if described is not None:  # a file's part: described, its bytes neither read whole nor kept
        body, logged = None, LoggedBody(described)
    else:
        body = parse_json(request.content)
        logged = body_for_log(request.content, body)
    try:
        row = NotionRequestLog.objects.create(
            operation=operation,
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
    UNWRITTEN.flush()  # the database is back: the answers it refused go in now
    return row


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
            row.request_id = mask_request_id(answer.get("request_id") or response.headers.get("x-request-id"))
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
    # The request's half was written before it went out: this writes the answer's.
    fields = {name: getattr(row, name) for name in ANSWER_FIELDS}
    error = _update(row.pk, row.correlation_id, fields)
    if error is not None and not _locked(error):
        # A server restarted drops the connection: try once more on a new one.
        db = connections[router.db_for_write(NotionRequestLog)]
        if not db.in_atomic_block:
            db.close()
        time.sleep(RETRY_PAUSE)
        error = _update(row.pk, row.correlation_id, fields)
    if error is None:
        UNWRITTEN.flush()
        return
    if _mark_answered(row.pk, row.correlation_id, fields, error):
        logger.error("Could not complete the audit log row %s: marked answered, record incomplete", row.pk)
    else:
        UNWRITTEN.keep(row, fields)
        logger.error("Could not complete the audit log row %s: kept to write later", row.pk, exc_info=error)


class AuditTransport(httpx.BaseTransport):
    """Write each attempt's row before sending it through `inner`, and complete it after.

    `name_operation(method, path)` names each request (the Notion layer's table of endpoints).
    """

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        context: AuditContext,
        name_operation: Callable[[str, str], str],
        sandbox: bool = False,
    ) -> None:
        self.inner = inner
        self.context = context
        self.name_operation = name_operation
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = request.extensions.get(ATTEMPT, 1)
        operation = self.name_operation(request.method, request.url.path)
        row = start_attempt(
            request, operation=operation, attempt=attempt, context=self.context, sandbox=self.sandbox
        )
        started = time.monotonic()
        try:
            response = self.inner.handle_request(request)
            response.read()
        except Exception as error:  # the row says what replaced the answer, whatever it was
            finish_attempt(row, started=started, ended=time.monotonic(), error=error)
            raise
        finish_attempt(row, started=started, ended=time.monotonic(), response=response)
        return response
