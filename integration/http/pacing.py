"""Pacing of the requests to Notion, shared by every process of the app.

Notion allows an average of about 3 requests a second per integration, with short
bursts. Every request reserves its turn in one shared schedule, by the generic cell
rate algorithm: the schedule keeps the time the next request would be due if requests
came evenly (`next_at`); a request may go as early as `burst - 1` intervals before that,
and moves it one interval on. So an idle app sends at once, a burst of `burst` requests
goes together, and any span of t seconds sees at most rate × t + burst requests. Background
jobs' requests take no burst, and first take a turn in a schedule of their own at
rate × (1 - reserve): a share of the rate and the burst stay free for people. "Now" is
read once the schedule is held (on Redis's clock in Redis): a slow connection to the store
must not make a request early.

The schedule lives in PostgreSQL or SQLite (the `PacingState` table, one row updated under a
lock, on the audit connection so that it commits at once), or in Redis when REDIS_URL is
set (one key, updated by a Lua script). If that store cannot be reached the request is not
sent: pacing that fails open could let every worker overrun Notion at once.
"""

import contextlib
import functools
import logging
import time

import httpx
from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction

from integration.http.policy import Policy

logger = logging.getLogger(__name__)

SCHEDULE = "notion"
BACKGROUND_SCHEDULE = "notion:background"


class NotionBusy(Exception):
    """The request would have to wait longer than allowed for its turn: it is not sent."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the next free turn is {wait:.0f} s away")
        self.wait = wait


class PacingUnavailable(Exception):
    """The shared schedule could not be reached: the request is not sent."""


class DatabaseSchedule:
    """The schedule in the app's database, one row per schedule."""

    def reserve(self, key: str, *, interval: float, tolerance: float, max_wait: float) -> float:
        from integration.models import PacingState

        rows = PacingState.objects.using("audit")
        try:
            with transaction.atomic(using="audit"):
                row = rows.select_for_update().filter(key=key).first()
                if row is None:  # the first request ever, or the table was emptied
                    with contextlib.suppress(IntegrityError), transaction.atomic(using="audit"):
                        rows.create(key=key, next_at=0.0)
                    row = rows.select_for_update().get(key=key)
                now = time.time()  # once the row is ours: waiting for it must not make "now" stale
                due = max(row.next_at, now)
                wait = max(0.0, due - tolerance - now)
                if wait <= max_wait:
                    rows.filter(key=key).update(next_at=due + interval)
                return wait
        except DatabaseError as error:
            raise PacingUnavailable(f"the pacing table could not be used ({type(error).__name__})") from error


# Redis's own clock, so that every machine reads the schedule the same way.
_RESERVE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local interval, tolerance, max_wait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local due = math.max(tonumber(redis.call('GET', KEYS[1]) or '0'), now)
local wait = math.max(0, due - tolerance - now)
if wait <= max_wait then
  redis.call('SET', KEYS[1], tostring(due + interval), 'PX', math.ceil((due + interval - now) * 1000) + 60000)
end
return tostring(wait)
"""


class RedisSchedule:
    """The schedule in Redis, one key per schedule."""

    def __init__(self, url: str) -> None:
        import redis

        self._errors = redis.RedisError
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._reserve = self._client.register_script(_RESERVE)

    def reserve(self, key: str, *, interval: float, tolerance: float, max_wait: float) -> float:
        try:
            answer = self._reserve(keys=[f"notionforms:pace:{key}"], args=[interval, tolerance, max_wait])
        except self._errors as error:
            raise PacingUnavailable(f"Redis could not be reached ({type(error).__name__})") from error
        return float(answer)


@functools.cache
def _schedule(redis_url: str) -> DatabaseSchedule | RedisSchedule:
    return RedisSchedule(redis_url) if redis_url else DatabaseSchedule()


def schedule() -> DatabaseSchedule | RedisSchedule:
    """Where the shared schedule is kept: Redis if REDIS_URL is set, else the database."""
    return _schedule(settings.REDIS_URL)


def wait_for_turn(policy: Policy, *, deadline: float | None = None) -> float:
    """Block until one request may be sent to Notion; return the seconds waited.

    Raises NotionBusy, leaving the schedule as it was, if the turn is further away than
    the policy's `rate_max_wait` or than `deadline` (time.monotonic()).
    """
    if not policy.rate:
        return 0.0
    interval = 1.0 / policy.rate
    if not policy.background:
        tolerance = (max(1, policy.burst) - 1) * interval
        return _take_turn(SCHEDULE, interval, tolerance, policy.rate_max_wait, deadline)
    waited = _take_turn(
        BACKGROUND_SCHEDULE, interval / (1 - policy.reserve), 0.0, policy.rate_max_wait, deadline
    )
    return waited + _take_turn(SCHEDULE, interval, 0.0, policy.rate_max_wait, deadline)


def _take_turn(key: str, interval: float, tolerance: float, max_wait: float, deadline: float | None) -> float:
    if deadline is not None:
        max_wait = min(max_wait, deadline - time.monotonic())
    wait = schedule().reserve(key, interval=interval, tolerance=tolerance, max_wait=max_wait)
    if wait > max_wait:
        raise NotionBusy(wait)
    if wait > 0:
        time.sleep(wait)
    return wait


class PacingTransport(httpx.BaseTransport):
    """Wait for each attempt's turn under the shared rate, then send it."""

    def __init__(self, inner: httpx.BaseTransport, *, policy: Policy, deadline: float | None = None) -> None:
        self.inner = inner
        self.policy = policy
        self.deadline = deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        wait_for_turn(self.policy, deadline=self.deadline)
        return self.inner.handle_request(request)
