"""Retries that can never duplicate a write.

notion-client's own retries are turned off: it retries a 429 on any method but not a
529, and gives no say over how long it waits. Here a write (POST, PATCH) is tried
again only when Notion certainly did not do it: a 429 or 529, or a connection that
was never opened. After a 5xx, a timeout or a dropped connection the write may have
happened, so it is not repeated. Reads are retried on those too.
"""

import email.utils
import logging
import time

import httpx

from integration.http.policy import Policy

logger = logging.getLogger(__name__)

ATTEMPT = "notionforms.attempt"  # the request extension that numbers the attempts

_IDEMPOTENT = {"GET", "HEAD", "OPTIONS", "DELETE"}
_RATE_LIMITED = {429, 529}
_TRANSIENT = {500, 502, 503, 504}
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout)


class OutOfTime(Exception):
    """The action's time ran out before this request could be sent: it was not sent."""


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


class RetryTransport(httpx.BaseTransport):
    """Send each request through `inner` until it succeeds, or a retry could duplicate it.

    `deadline` (time.monotonic()) is when the action must stop: no attempt starts, and
    no wait ends, past it.
    """

    def __init__(self, inner: httpx.BaseTransport, *, policy: Policy, deadline: float | None = None) -> None:
        self.inner = inner
        self.policy = policy
        self.deadline = deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 1
        while True:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise OutOfTime()
            request.extensions[ATTEMPT] = attempt
            try:
                response = self.inner.handle_request(request)
            except httpx.TransportError as error:
                delay = self._delay_after_error(request, error, attempt)
                if delay is None:
                    raise
            else:
                delay = self._delay_after_response(request, response, attempt)
                if delay is None:
                    return response
                response.close()
            logger.info(
                "Retrying %s %s (attempt %d) in %.1f s", request.method, request.url.path, attempt + 1, delay
            )
            time.sleep(delay)
            attempt += 1

    def _fits(self, delay: float) -> bool:
        return self.deadline is None or time.monotonic() + delay < self.deadline

    def _backoff(self, attempt: int) -> float:
        return min(self.policy.retry_max_wait, self.policy.backoff * 2 ** (attempt - 1))

    def _delay_after_response(
        self, request: httpx.Request, response: httpx.Response, attempt: int
    ) -> float | None:
        if attempt >= self.policy.max_attempts:
            return None
        delay = None
        if response.status_code in _RATE_LIMITED:
            wait = retry_after_seconds(response)
            wait = self._backoff(attempt) if wait is None else wait
            delay = wait if wait <= self.policy.retry_max_wait else None
        elif response.status_code in _TRANSIENT and request.method in _IDEMPOTENT:
            delay = self._backoff(attempt)
        return delay if delay is not None and self._fits(delay) else None

    def _delay_after_error(
        self, request: httpx.Request, error: httpx.TransportError, attempt: int
    ) -> float | None:
        if attempt >= self.policy.max_attempts:
            return None
        if isinstance(error, NEVER_SENT) or request.method in _IDEMPOTENT:
            delay = self._backoff(attempt)
            return delay if self._fits(delay) else None
        return None
