"""Whatever goes wrong with a Notion request, turned into one `NotionError` a person can act on."""

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from notion_client import APIResponseError
from notion_client.errors import HTTPResponseError, InvalidPathParameterError, RequestTimeoutError

from integration.http.pacing import NotionBusy, PacingUnavailable
from integration.http.retry import NEVER_SENT, OutOfTime
from integration.masking import scrub
from integration.notion.workspace import workspace

logger = logging.getLogger(__name__)

HINTS = {
    "unauthorized": "Notion did not accept the integration token: check NOTION_KEY.",
    "restricted_resource": (
        "The integration is not allowed to do this: check its capabilities in Notion's integration settings."
    ),
    "object_not_found": (
        "Notion can't find this {what}, or it is not shared with the integration: open it in "
        "Notion, then ••• → Add connections → choose the integration."
    ),
    "rate_limited": "Notion is receiving too many requests: wait a minute, then try again.",
    "service_overload": "Notion is overloaded and did not do it: wait a minute, then try again.",
    "busy": "Too many requests to Notion are waiting already: nothing was sent; try again in a minute.",
    "pacing_unavailable": (
        "The app's pacing store (the database table or Redis that keeps requests under Notion's rate) "
        "can't be reached, so nothing was sent: tell whoever runs the app "
        "(manage.py check names the problem)."
    ),
    "out_of_time": (
        "This took longer than the {timeout:g} s one action may take (NOTION_ACTION_TIMEOUT): "
        "the rest was not sent."
    ),
    "conflict_error": "Notion reported a conflicting change at the same time: try again.",
    "timeout": "Notion did not answer in time.",
    "connection_error": "Notion could not be reached.",
    "invalid_response": "Notion sent an answer this app could not read.",
    "unexpected_response": "Notion's answer did not have the expected shape.",
}
SANDBOX_HINTS = {
    "object_not_found": "The sandbox has no {what} with this ID.",
    "unauthorized": "The sandbox did not accept the request.",
}
MAYBE_DONE = " It may have been done anyway: check Notion before trying again."
_RATE_LIMITED = {429, 529}


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
        self.request_id = scrub(request_id)
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
            "source": "notion" if self.status else "app",
            "code": self.code,
            "hint": self.hint,
            "message": self.message,
            "status": self.status,
            "request_id": self.request_id,
            "maybe_done": self.maybe_done,
        }


def _hints() -> dict[str, str]:
    """The hints, worded for the sandbox when that is where the app talks to."""
    return HINTS | (SANDBOX_HINTS if workspace().is_sandbox else {})


def hint_for(code: str, **values: object) -> str:
    return _hints()[code].format(**values)


def _answered(error: HTTPResponseError, *, write: bool, what: str, hints: dict[str, str]) -> NotionError:
    """Notion, or something in front of it, answered with an error status."""
    status = error.status
    code = str(getattr(error.code, "value", error.code))
    message = str(error)
    request_id = getattr(error, "request_id", None) or ""
    if not isinstance(error, APIResponseError):
        # A code notion-client does not know (service_overload, say) still comes as Notion's JSON.
        body = _json(error.body)
        if isinstance(body.get("code"), str):
            code, message = body["code"], str(body.get("message") or message)
            request_id = str(body.get("request_id") or "")
        else:
            code = f"http_{status}"
    known = _hints() | hints
    if status in _RATE_LIMITED:  # Notion did nothing: it only asks to come back later
        hint = known["rate_limited" if status == 429 else "service_overload"]
        return NotionError(code=code, hint=hint, message=message, status=status, request_id=request_id)
    maybe_done = write and status >= 500
    if code in known:
        hint = known[code].format(what=what)
    elif code.startswith("http_"):
        hint = f"Notion answered with an error (HTTP {status}) that is not Notion's usual JSON."
    elif status >= 500:
        hint = f"Notion had a problem on its side: {message}"
    else:
        hint = message
    return NotionError(
        code=code,
        hint=hint + (MAYBE_DONE if maybe_done else ""),
        message=message if not code.startswith("http_") else error.body[:300],
        status=status,
        request_id=request_id,
        maybe_done=maybe_done,
    )


def _json(text: str) -> dict:
    try:
        body = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return body if isinstance(body, dict) else {}


def explain(error: Exception, *, write: bool, what: str, hints: dict[str, str] | None = None) -> NotionError:
    """The `NotionError` for what the SDK or the HTTP layers raised.

    `write`: the request may change Notion, so a failure after sending may have done it.
    """
    if isinstance(error, HTTPResponseError):
        return _answered(error, write=write, what=what, hints=hints or {})
    if isinstance(error, RequestTimeoutError):
        return NotionError(
            code="timeout", hint=HINTS["timeout"] + (MAYBE_DONE if write else ""), maybe_done=write
        )
    if isinstance(error, httpx.TransportError):
        ambiguous = write and not isinstance(error, NEVER_SENT)
        return NotionError(
            code="connection_error",
            hint=HINTS["connection_error"] + (MAYBE_DONE if ambiguous else ""),
            message=type(error).__name__,
            maybe_done=ambiguous,
        )
    if isinstance(error, NotionBusy):
        return NotionError(code="busy", hint=HINTS["busy"], message=str(error))
    if isinstance(error, PacingUnavailable):
        return NotionError(code="pacing_unavailable", hint=HINTS["pacing_unavailable"], message=str(error))
    if isinstance(error, OutOfTime):
        from django.conf import settings

        return NotionError(
            code="out_of_time", hint=hint_for("out_of_time", timeout=settings.NOTION_ACTION_TIMEOUT)
        )
    if isinstance(error, InvalidPathParameterError):
        return NotionError(code="invalid_id", hint=f"That is not a valid Notion {what} ID.")
    if isinstance(error, json.JSONDecodeError):
        return NotionError(
            code="invalid_response",
            hint=HINTS["invalid_response"] + (MAYBE_DONE if write else ""),
            maybe_done=write,
        )
    raise error


@contextmanager
def notion_call(*, write: bool, what: str, hints: dict[str, str] | None = None) -> Iterator[None]:
    """Turn whatever the SDK or the HTTP layers raise inside the block into a `NotionError`."""
    try:
        yield
    except (
        HTTPResponseError,
        RequestTimeoutError,
        InvalidPathParameterError,
        NotionBusy,
        PacingUnavailable,
        OutOfTime,
        httpx.TransportError,
        json.JSONDecodeError,  # a 200 whose body is not JSON
    ) as error:
        explained = explain(error, write=write, what=what, hints=hints)
        logger.info("Notion request failed: %s", explained)
        raise explained from error


def unexpected(expected: str, *, write: bool) -> NotionError:
    return NotionError(
        code="unexpected_response",
        hint=HINTS["unexpected_response"] + (MAYBE_DONE if write else ""),
        message=f"expected {expected}",
        maybe_done=write,
    )


def expect(obj: Any, kind: str, *, write: bool, check: Callable[[dict], bool] = lambda _: True) -> dict:
    """`obj` if it is a Notion object of `kind` (with an ID, and passing `check`), else an error."""
    has_id = kind == "list" or (isinstance(obj, dict) and isinstance(obj.get("id"), str))
    try:
        if isinstance(obj, dict) and obj.get("object") == kind and has_id and check(obj):
            return obj
    except (KeyError, IndexError, TypeError, AttributeError):
        pass  # `check` met a part of the wrong shape
    raise unexpected(f"a {kind} object", write=write)
