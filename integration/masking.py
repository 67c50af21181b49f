"""Secrets kept out of everything stored or shown: masked by key, and the token replaced wherever it is."""

import hashlib
import json
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from django.conf import settings

MASK = "***"


def _masked_keys() -> set[str]:
    return {key.lower() for key in settings.NOTION_AUDIT_MASKED_KEYS}


def scrub(text: str) -> str:
    """`text` with the integration token and the webhook verification token replaced: the net
    under the masking by key, for wherever a token hides (an echoed error message, a pasted
    comment…)."""
    for secret in (settings.NOTION_KEY, settings.NOTION_WEBHOOK_VERIFICATION_TOKEN):
        if secret:
            text = text.replace(secret, MASK)
    return text


def mask_request_id(value: object) -> str:
    """Notion's request ID as the history keeps it, 64 characters at most: an upstream may echo
    anything there, so the token is masked before it is cut (a cut token would not be found)."""
    return scrub(str(value or ""))[:64]


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


def _storable(text: str) -> str:
    # PostgreSQL's jsonb holds no NUL character.
    return text.replace("\x00", "\ufffd")


def mask_json(value: Any) -> Any:
    """Return `value` with every value under a masked key (any depth, any case) replaced."""
    masked = _masked_keys()

    def walk(item: Any) -> Any:
        if isinstance(item, dict):
            return {key: MASK if str(key).lower() in masked else walk(child) for key, child in item.items()}
        if isinstance(item, list):
            return [walk(child) for child in item]
        if isinstance(item, str):
            return _storable(scrub(item))
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


NOT_JSON = object()


class LoggedBody(NamedTuple):
    """A body as it is stored: its JSON, or a string when it is not JSON or was cut; None when empty."""

    value: Any
    truncated: bool = False


def parse_json(content: bytes) -> Any:
    """The body's JSON, or NOT_JSON."""
    try:
        return json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return NOT_JSON


def _capped(text: str) -> LoggedBody:
    limit = settings.NOTION_AUDIT_BODY_LIMIT
    return LoggedBody(text[:limit], truncated=True) if len(text) > limit else LoggedBody(text)


def body_for_log(content: bytes, data: Any = NOT_JSON) -> LoggedBody:
    """The body as it is stored: its JSON with secrets masked, else the raw text; over
    NOTION_AUDIT_BODY_LIMIT characters (of compact JSON), the text cut there and flagged.

    `data` is the body already parsed, when the caller has it.
    """
    if not content:
        return LoggedBody(None)
    if data is NOT_JSON:
        data = parse_json(content)
    if data is NOT_JSON:
        return _capped(_storable(scrub(content.decode("utf-8", errors="replace"))))
    masked = mask_json(data)
    compact = json.dumps(masked, separators=(",", ":"), ensure_ascii=False)
    if len(compact) > settings.NOTION_AUDIT_BODY_LIMIT:
        return _capped(compact)
    return LoggedBody(masked)


HASH_CHUNK = 1024 * 1024


def _digest(fileobj: Any) -> tuple[int | None, str | None]:
    """The size and SHA-256 of a file object being sent, read in chunks from its start and put back
    where it was; (None, None) if it can't be read twice."""
    try:
        position = fileobj.tell()
        fileobj.seek(0)
    except (AttributeError, OSError):
        return None, None
    digest, size = hashlib.sha256(), 0
    while chunk := fileobj.read(HASH_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(position)
    return size, digest.hexdigest()


def multipart_for_log(request: httpx.Request) -> dict | None:
    """A multipart/form-data body (a file upload's part) as the history keeps it: each field's
    name, and for a file its name, content type, size and SHA-256, never its bytes. None for any
    other body. The file objects are read for the hash, not the body: nothing is held in memory.

    The fields are read from httpx's own MultipartStream (httpx 0.28, pinned)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return None
    fields = getattr(request.stream, "fields", None)
    if fields is None:
        return {"multipart": [], "size": request.headers.get("content-length")}
    described: list[dict[str, Any]] = []
    size: int | None
    sha256: str | None
    for field in fields:
        if hasattr(field, "file"):
            if isinstance(field.file, bytes | str):
                data = field.file.encode() if isinstance(field.file, str) else field.file
                size, sha256 = len(data), hashlib.sha256(data).hexdigest()
            else:
                size, sha256 = _digest(field.file)
            described.append(
                {
                    "field": field.name,
                    "filename": scrub(field.filename or ""),
                    "content_type": field.headers.get("Content-Type", ""),
                    "size": size,
                    "sha256": sha256,
                }
            )
        else:
            described.append({"field": field.name, "value": scrub(str(field.value))})
    return {"multipart": described}
