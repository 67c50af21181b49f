"""Receiving Notion's webhook requests: the handshake, the checks, one history row each; and what
the pages read of the events taken.

An event is taken once, recorded with the request of this app that created its object when the
history has it; nothing else is done on arrival, so Notion gets its answer at once. Whatever is
refused is recorded as refused, with why, except past the rate limit, where only the first
refusal of each window is written (the limit is there to spare the database).
"""

import base64
import logging
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from integration.masking import NOT_JSON, body_for_log, mask_headers, parse_json
from integration.models import NotionRequestLog, Outcome, Source
from integration.notion.events import (
    PAGE_CHANGES,
    SIGNATURE_HEADER,
    VERIFICATION,
    Event,
    EventError,
    signature_matches,
)

logger = logging.getLogger(__name__)

# The operations whose answer's object this app created: an event about it is linked to that request.
CREATING = ("pages.create", "databases.create", "comments.create")
TOKEN_KEY = "webhooks:verification-token"
TOKEN_HOURS = 24  # how long the Connection page shows a verification token Notion sent
RATE_WINDOW = 60  # seconds


@dataclass(frozen=True)
class Answer:
    """What the endpoint answers: an HTTP status and a sentence."""

    status: int
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"status": self.status, "message": self.message}


@dataclass(frozen=True)
class Incoming:
    """One request to the endpoint: its body (None when it was too big to read), headers and path."""

    body: bytes | None
    headers: Mapping[str, str]
    path: str
    sandbox: bool = False


def _row(
    incoming: Incoming,
    answer: Answer,
    *,
    outcome: str,
    operation: str,
    error_code: str = "",
    event: Event | None,
) -> NotionRequestLog:
    """The request's row in the history, not saved yet."""
    logged = body_for_log(incoming.body or b"")
    now = timezone.now()
    return NotionRequestLog(
        created_at=now,
        finished_at=now,
        operation=operation,
        method="POST",
        url=incoming.path,
        request_headers=mask_headers(httpx.Headers(dict(incoming.headers))),
        request_body=logged.value,
        request_body_truncated=logged.truncated,
        status=answer.status,
        outcome=outcome,
        response_body=answer.as_dict(),
        error_code=error_code,
        error_message=answer.message if outcome == Outcome.REFUSED else "",
        request_id=event.id if event else "",
        object_id=event.entity_id if event else "",
        parent_id=(event.page_id or event.parent_id) if event else "",
        event_at=event.at if event else None,
        correlation_id=uuid.uuid4(),
        source=Source.WEBHOOK,
        sandbox=incoming.sandbox,
    )


def _record(row: NotionRequestLog) -> None:
    """Save a row that must not break the answer if the database refuses it."""
    try:
        row.save(force_insert=True)
    except DatabaseError:
        logger.exception("Could not record an incoming webhook request (%s)", row.error_code or row.outcome)


def _refuse(incoming: Incoming, status: int, code: str, message: str, event: Event | None = None) -> Answer:
    answer = Answer(status, message)
    operation = event.type if event else "webhook"
    _record(
        _row(incoming, answer, outcome=Outcome.REFUSED, operation=operation, error_code=code, event=event)
    )
    return answer


def _origin(event: Event) -> NotionRequestLog | None:
    """This app's request that created the event's object, if the history still has it."""
    if not event.entity_id:
        return None
    return (
        NotionRequestLog.objects.filter(
            object_id=event.entity_id, operation__in=CREATING, outcome=Outcome.SUCCESS
        )
        .order_by("created_at", "id")
        .only("id")
        .first()
    )


def receive(incoming: Incoming) -> Answer:
    """Check one request to the endpoint and record it: the verification request, an event taken,
    or a refusal saying why."""
    if incoming.body is None:
        limit = settings.NOTION_WEBHOOK_MAX_BYTES
        return _refuse(incoming, 413, "too_large", f"The body is over {limit:,} bytes: it was not read.")
    data = parse_json(incoming.body)
    signature = incoming.headers.get(SIGNATURE_HEADER, "")
    if isinstance(data, dict) and "verification_token" in data and not signature:
        return _verification(incoming, data["verification_token"])
    token = settings.NOTION_WEBHOOK_VERIFICATION_TOKEN
    if not token:
        message = "NOTION_WEBHOOK_VERIFICATION_TOKEN is not set: events can't be checked, so none is taken."
        return _refuse(incoming, 401, "no_token", message)
    if not signature:
        return _refuse(incoming, 401, "unsigned", f"The request has no {SIGNATURE_HEADER} header.")
    if not signature_matches(incoming.body, token, signature):
        return _refuse(incoming, 401, "forged", "The signature does not match the body and the token.")
    try:
        event = Event.from_json(None if data is NOT_JSON else data)
    except EventError as error:
        return _refuse(incoming, 400, "not_an_event", str(error))
    age = abs((timezone.now() - event.at).total_seconds())
    if age > settings.NOTION_WEBHOOK_MAX_AGE:
        message = f"The event's timestamp is {age:,.0f} seconds from now: stale, or from the future."
        return _refuse(incoming, 400, "stale", message, event)
    return _take(incoming, event)


def _replayed(incoming: Incoming, event: Event) -> Answer:
    # Answered 200: a retry by Notion whose first answer was lost must stop being sent.
    return _refuse(incoming, 200, "replayed", "This event was received before: it is taken only once.", event)


def _take(incoming: Incoming, event: Event) -> Answer:
    if NotionRequestLog.objects.filter(
        source=Source.WEBHOOK, outcome=Outcome.SUCCESS, request_id=event.id
    ).exists():
        return _replayed(incoming, event)
    answer = Answer(200, "Received.")
    row = _row(incoming, answer, outcome=Outcome.SUCCESS, operation=event.type, event=event)
    row.origin = _origin(event)
    try:
        with transaction.atomic(using=NotionRequestLog.objects.db):
            row.save(force_insert=True)
    except IntegrityError:  # the same event, taken meanwhile by another request
        return _replayed(incoming, event)
    return answer


def _verification(incoming: Incoming, token: object) -> Answer:
    """Notion's one-time request with the verification token: kept (sealed) for staff to see on
    the Connection page; the history has the request with the token masked."""
    answer = Answer(200, "Verification token received: staff see it on the Connection page.")
    if not isinstance(token, str) or not token.strip() or len(token) > 200:
        return _refuse(incoming, 400, "not_an_event", "The verification token is not a string.")
    cache.set(TOKEN_KEY, _seal(token.strip()), timeout=TOKEN_HOURS * 3600)
    _record(_row(incoming, answer, outcome=Outcome.SUCCESS, operation=VERIFICATION, event=None))
    return answer


def _keystream(nonce: bytes, length: int) -> bytes:
    blocks = (
        salted_hmac("integration.webhooks.seal", nonce + n.to_bytes(4, "big"), algorithm="sha256").digest()
        for n in range(length // 32 + 1)
    )
    return b"".join(blocks)[:length]


def _seal(token: str) -> str:
    """The token encrypted with a key derived from SECRET_KEY (HMAC-SHA256 as a stream cipher, a
    random nonce) and signed: the cache never holds it in clear."""
    nonce = os.urandom(16)
    plain = token.encode()
    sealed = bytes(a ^ b for a, b in zip(plain, _keystream(nonce, len(plain)), strict=True))
    return signing.dumps(
        {"n": base64.b64encode(nonce).decode(), "t": base64.b64encode(sealed).decode()},
        salt="integration.webhooks.token",
    )


def pending_verification_token() -> str:
    """The verification token Notion sent last (within TOKEN_HOURS), or ""."""
    sealed = cache.get(TOKEN_KEY)
    if not sealed:
        return ""
    try:
        parts = signing.loads(sealed, salt="integration.webhooks.token")
        nonce, cipher = base64.b64decode(parts["n"]), base64.b64decode(parts["t"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return ""
    return bytes(a ^ b for a, b in zip(cipher, _keystream(nonce, len(cipher)), strict=True)).decode()


def over_rate_limit(incoming: Incoming, address: str) -> bool:
    """Whether `address` has sent more than NOTION_WEBHOOK_RATE_LIMIT requests in its current
    window; the first refusal of a window is recorded. Counted in the cache without a lock: a few
    concurrent requests may be counted once."""
    key = f"webhooks:rate:{address}"
    now = time.time()
    count, until = cache.get(key) or (0, now + RATE_WINDOW)
    if now >= until:
        count, until = 0, now + RATE_WINDOW
    count += 1
    cache.set(key, (count, until), timeout=max(1, round(until - now)))
    limit = settings.NOTION_WEBHOOK_RATE_LIMIT
    if count == limit + 1:
        message = f"More than {limit} requests a minute from {address}: refused until the minute is over."
        _refuse(incoming, 429, "rate_limited", message)
    return count > limit


def pages_changed_since(*, correlation_id: uuid.UUID, since: datetime) -> list[str]:
    """The pages created under `correlation_id` (an action or a job) that Notion reported changed
    after `since`."""
    return list(
        NotionRequestLog.objects.filter(
            source=Source.WEBHOOK,
            outcome=Outcome.SUCCESS,
            operation__in=PAGE_CHANGES,
            event_at__gt=since,
            origin__correlation_id=correlation_id,
        )
        .order_by("object_id")
        .values_list("object_id", flat=True)
        .distinct()
    )


def last_comment_event(page_id: str) -> int:
    """The ID of the last `comment.created` event taken about `page_id` (0 if none): the comment
    list is read again when a later one comes."""
    latest = (
        NotionRequestLog.objects.filter(
            parent_id=page_id, source=Source.WEBHOOK, outcome=Outcome.SUCCESS, operation="comment.created"
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return latest or 0
