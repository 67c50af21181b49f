"""Notion's webhook events, as the docs state them: their shape, their types, and their signature.
No Django here: the sandbox's engine signs the events it sends with the same functions the app
checks them with.

Docs: "Webhooks" (the subscription's one-time `{"verification_token": ...}` request; every event
then carries `X-Notion-Signature: sha256=<hex>`, an HMAC-SHA256 of the raw body keyed with that
token) and "Event types & delivery" (the fields every event shares: `id`, `timestamp`,
`workspace_id`, `subscription_id`, `integration_id`, `type`, `authors`, `attempt_number`,
`entity` {id, type}, `data`; `comment.*` events name their page in `data.page_id`; delivery
within minutes, retried up to 8 times over about a day). notion-client 3.1.0 has no helper for
webhooks: the check is written here, with `hmac.compare_digest`.
"""

import hashlib
import hmac
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from integration.ids import parse_notion_id

SIGNATURE_HEADER = "X-Notion-Signature"
SIGNATURE_PREFIX = "sha256="

# "Event types & delivery": the supported types (database.content_updated and
# database.schema_updated are deprecated in 2025-09-03 in favour of the data_source ones).
EVENT_TYPES = (
    "page.created",
    "page.content_updated",
    "page.properties_updated",
    "page.moved",
    "page.deleted",
    "page.undeleted",
    "page.locked",
    "page.unlocked",
    "database.created",
    "database.content_updated",
    "database.schema_updated",
    "database.moved",
    "database.deleted",
    "database.undeleted",
    "data_source.created",
    "data_source.content_updated",
    "data_source.schema_updated",
    "data_source.moved",
    "data_source.deleted",
    "data_source.undeleted",
    "comment.created",
    "comment.updated",
    "comment.deleted",
)
# The types saying that a page was changed after it was made.
PAGE_CHANGES = (
    "page.content_updated",
    "page.properties_updated",
    "page.moved",
    "page.deleted",
    "page.undeleted",
)
# The operation the history names the verification request with.
VERIFICATION = "webhook.verification"


def sign(body: bytes, token: str) -> str:
    """The `X-Notion-Signature` value of `body` signed with the verification token."""
    return SIGNATURE_PREFIX + hmac.new(token.encode(), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, token: str, header: str) -> bool:
    """Whether `header` is the signature of `body` with `token`, compared in constant time."""
    return bool(token) and hmac.compare_digest(sign(body, token).encode(), header.strip().encode())


def signed(event: dict[str, Any], token: str) -> tuple[bytes, dict[str, str]]:
    """An event's body and headers, as Notion delivers it."""
    body = json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()
    return body, {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, token)}


def timestamp(moment: datetime) -> str:
    """A time as events give it: ISO 8601 in UTC, to the millisecond, with a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_event(
    kind: str,
    *,
    entity_id: str,
    entity_type: str,
    data: dict[str, Any],
    workspace_id: str,
    integration_id: str,
    author: dict[str, str],
    at: datetime,
) -> dict[str, Any]:
    """An event shaped as "Event types & delivery" shows them (the first attempt at delivering it)."""
    return {
        "id": str(uuid.uuid4()),
        "timestamp": timestamp(at),
        "workspace_id": workspace_id,
        "subscription_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"subscription:{integration_id}")),
        "integration_id": integration_id,
        "type": kind,
        "authors": [author],
        "attempt_number": 1,
        "api_version": "2025-09-03",
        "entity": {"id": entity_id, "type": entity_type},
        "data": data,
    }


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class EventError(ValueError):
    """A body that is not an event of the shape Notion sends."""


@dataclass(frozen=True)
class Event:
    """What this app reads of an event."""

    id: str
    type: str
    at: datetime
    entity_id: str
    entity_type: str
    page_id: str  # the page a comment is on ("comment.*"), else ""
    parent_id: str

    @classmethod
    def from_json(cls, data: Any) -> "Event":
        if not isinstance(data, dict):
            raise EventError("The body is not a JSON object.")
        event_id = parse_notion_id(str(data.get("id") or ""))
        if not event_id:
            raise EventError("The event has no ID.")
        kind = data.get("type")
        if not isinstance(kind, str) or not kind:
            raise EventError("The event has no type.")
        try:
            at = datetime.fromisoformat(str(data.get("timestamp") or ""))
        except ValueError:
            raise EventError("The event's timestamp is not an ISO 8601 time.") from None
        if at.tzinfo is None:
            raise EventError("The event's timestamp has no time zone.")
        entity = _object(data.get("entity"))
        details = _object(data.get("data"))
        parent = _object(details.get("parent"))
        return cls(
            id=event_id,
            type=kind[:64],
            at=at,
            entity_id=parse_notion_id(str(entity.get("id") or "")) or "",
            entity_type=str(entity.get("type") or "")[:32],
            page_id=parse_notion_id(str(details.get("page_id") or "")) or "",
            parent_id=parse_notion_id(str(parent.get("id") or "")) or "",
        )
