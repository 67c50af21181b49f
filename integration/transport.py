"""The HTTP boundary with Notion: every attempt the SDK makes passes through here.

`NotionTransport` wraps the transport that really sends (the network, or a fake
Notion in tests and the sandbox) and, for each attempt: waits for its turn
under the shared rate limit, sets our timeouts, writes the audit row before
sending and completes it after, and decides whether a failed attempt may be
tried again.

notion-client's own retries are turned off: it retries a 429 on any method but
not a 529, and gives no say over how long it waits. Here a write (POST, PATCH)
is tried again only when Notion certainly did not do it: a 429 or 529, or a
connection that was never opened. After a 5xx, a timeout or a dropped
connection the write may have happened, so it is not repeated.
"""

import email.utils
import logging
import time

import httpx
from django.conf import settings

from integration import audit, pacing

logger = logging.getLogger(__name__)

_IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "DELETE"}
_RATE_LIMITED = {429, 529}
_TRANSIENT = {500, 502, 503, 504}
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The wait Notion asks for in `Retry-After` (seconds or an HTTP date), if any."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class NotionTransport(httpx.BaseTransport):
    def __init__(
        self, inner: httpx.BaseTransport, *, context: audit.AuditContext, sandbox: bool = False
    ) -> None:
        self.inner = inner
        self.context = context
        self.sandbox = sandbox

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions["timeout"] = httpx.Timeout(
            settings.NOTION_READ_TIMEOUT, connect=settings.NOTION_CONNECT_TIMEOUT
        ).as_dict()
        attempt = 1
        while True:
            pacing.wait_for_turn()
            row = audit.start_attempt(request, attempt=attempt, context=self.context, sandbox=self.sandbox)
            started = time.monotonic()
            try:
                response = self.inner.handle_request(request)
                response.read()
            except httpx.TransportError as error:
                audit.finish_attempt(row, started=started, ended=time.monotonic(), error=error)
                delay = self._delay_after_error(request, error, attempt)
                if delay is None:
                    raise
            else:
                audit.finish_attempt(row, started=started, ended=time.monotonic(), response=response)
                delay = self._delay_after_response(request, response, attempt)
                if delay is None:
                    return response
                response.close()
            logger.info(
                "Retrying %s %s (attempt %d) in %.1f s", request.method, request.url.path, attempt + 1, delay
            )
            time.sleep(delay)
            attempt += 1

    def _backoff(self, attempt: int) -> float:
        return min(settings.NOTION_RETRY_MAX_WAIT, settings.NOTION_RETRY_BACKOFF * 2 ** (attempt - 1))

    def _delay_after_response(
        self, request: httpx.Request, response: httpx.Response, attempt: int
    ) -> float | None:
        if attempt >= settings.NOTION_MAX_ATTEMPTS:
            return None
        if response.status_code in _RATE_LIMITED:
            wait = retry_after_seconds(response)
            wait = self._backoff(attempt) if wait is None else wait
            return wait if wait <= settings.NOTION_RETRY_MAX_WAIT else None
        if response.status_code in _TRANSIENT and request.method in _IDEMPOTENT:
            return self._backoff(attempt)
        return None

    def _delay_after_error(
        self, request: httpx.Request, error: httpx.TransportError, attempt: int
    ) -> float | None:
        if attempt >= settings.NOTION_MAX_ATTEMPTS:
            return None
        if isinstance(error, _NEVER_SENT) or request.method in _IDEMPOTENT:
            return self._backoff(attempt)
        return None

    def close(self) -> None:
        # The inner transport is shared by every client of the process: it stays open.
        pass
