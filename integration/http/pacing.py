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

The schedule lives in PostgreSQL or SQLite (the `PacingState` table, one row moved on by one
`UPDATE … RETURNING` on the database's clock, on the audit connection so that it commits at
once), or in Redis when REDIS_URL is set (one key, updated by a Lua script). If that store
cannot be reached the request is not sent: pacing that fails open could let every worker overrun
Notion at once.
"""

import contextlib
import functools
import logging
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction

from integration.http.policy import Policy

logger = logging.getLogger(__name__)

SCHEDULE = "notion"
BACKGROUND_SCHEDULE = "notion:background"
# In an attempt's httpx request extensions: when its turn came (time.time() on the schedule's clock).
TURN = "notionforms.turn"


@dataclass(frozen=True)
class Turn:
    """A request's turn in the shared schedule: when it may go, and how long it slept for it;
    for a background job's request, also its turn in the jobs' share of the rate."""

    at: float
    waited: float = 0.0
    share_at: float | None = None


class NotionBusy(Exception):
    """The request would have to wait longer than allowed for its turn: it is not sent."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the next free turn is {wait:.0f} s away")
        self.wait = wait


class PacingUnavailable(Exception):
    """The shared schedule could not be reached: the request is not sent."""


# The database's own clock in seconds since the epoch, read once the row is held. SQLite reads
# 'now' once per statement ("Date And Time Functions"), with millisecond precision.
_NOW = {
    "postgresql": "extract(epoch from clock_timestamp())::float8",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


class DatabaseSchedule:
    """The schedule in the app's database, one row per schedule, moved on by one statement."""

    def reserve(self, key: str, *, interval: float, tolerance: float, max_wait: float) -> Turn:
        from integration.models import PacingState

        connection = connections["audit"]
        quote = connection.ops.quote_name
        table, row_key = quote(PacingState._meta.db_table), quote("key")
        now = _NOW[connection.vendor]
        due = f"{'GREATEST' if connection.vendor == 'postgresql' else 'MAX'}(next_at, {now})"
        take = (
            f"UPDATE {table} SET next_at = {due} + %s "
            f"WHERE {row_key} = %s AND {due} - %s - {now} <= %s RETURNING next_at, {now}"
        )
        read = f"SELECT next_at, {now} FROM {table} WHERE {row_key} = %s"
        try:
            with connection.cursor() as cursor:
                while True:
                    cursor.execute(take, [interval, key, tolerance, max_wait])
                    taken = cursor.fetchone()
                    if taken is not None:
                        next_at, now_at = taken
                        wait = max(0.0, next_at - interval - tolerance - now_at)
                        return Turn(at=now_at + wait, waited=wait)
                    # No turn: the first request ever (or the table was emptied), or one too far away.
                    cursor.execute(read, [key])
                    found = cursor.fetchone()
                    if found is None:
                        with contextlib.suppress(IntegrityError), transaction.atomic(using="audit"):
                            PacingState.objects.using("audit").create(key=key, next_at=0.0)
                        continue
                    next_at, now_at = found
                    wait = max(0.0, max(next_at, now_at) - tolerance - now_at)
                    if wait > max_wait:  # else time went on since the UPDATE: try it again
                        return Turn(at=now_at + wait, waited=wait)
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
  local next_at = due + interval
  redis.call('SET', KEYS[1], string.format('%.6f', next_at), 'PX', math.ceil((next_at - now) * 1000) + 60000)
end
return {string.format('%.6f', now + wait), string.format('%.6f', wait)}
"""


class RedisSchedule:
    """The schedule in Redis, one key per schedule."""

    def __init__(self, url: str) -> None:
        import redis

        self._errors = redis.RedisError
        self._client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._reserve = self._client.register_script(_RESERVE)

    def reserve(self, key: str, *, interval: float, tolerance: float, max_wait: float) -> Turn:
        try:
            at, wait = self._reserve(keys=[f"notionforms:pace:{key}"], args=[interval, tolerance, max_wait])
        except self._errors as error:
            raise PacingUnavailable(f"Redis could not be reached ({type(error).__name__})") from error
        return Turn(at=float(at), waited=float(wait))


@functools.cache
def _schedule(redis_url: str) -> DatabaseSchedule | RedisSchedule:
    return RedisSchedule(redis_url) if redis_url else DatabaseSchedule()


def schedule() -> DatabaseSchedule | RedisSchedule:
    """Where the shared schedule is kept: Redis if REDIS_URL is set, else the database."""
    return _schedule(settings.REDIS_URL)


def wait_for_turn(policy: Policy, *, deadline: float | None = None) -> Turn:
    """Block until one request may be sent to Notion; return its turn.

    Raises NotionBusy, leaving the schedule as it was, if the turn is further away than
    the policy's `rate_max_wait` or than `deadline` (time.monotonic()).
    """
    if not policy.rate:
        return Turn(at=time.time())
    interval = 1.0 / policy.rate
    if not policy.background:
        tolerance = (max(1, policy.burst) - 1) * interval
        return _take_turn(SCHEDULE, interval, tolerance, policy.rate_max_wait, deadline)
    share = interval / (1 - policy.reserve)
    first = _take_turn(BACKGROUND_SCHEDULE, share, 0.0, policy.rate_max_wait, deadline)
    turn = _take_turn(SCHEDULE, interval, 0.0, policy.rate_max_wait, deadline)
    return Turn(at=turn.at, waited=first.waited + turn.waited, share_at=first.at)


def _take_turn(key: str, interval: float, tolerance: float, max_wait: float, deadline: float | None) -> Turn:
    if deadline is not None:
        max_wait = min(max_wait, deadline - time.monotonic())
    turn = schedule().reserve(key, interval=interval, tolerance=tolerance, max_wait=max_wait)
    if turn.waited > max_wait:
        raise NotionBusy(turn.waited)
    if turn.waited > 0:
        time.sleep(turn.waited)
    return turn


class PacingTransport(httpx.BaseTransport):
    """Wait for each attempt's turn under the shared rate, then send it."""

    def __init__(self, inner: httpx.BaseTransport, *, policy: Policy, deadline: float | None = None) -> None:
        self.inner = inner
        self.policy = policy
        self.deadline = deadline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions[TURN] = wait_for_turn(self.policy, deadline=self.deadline).at
        return self.inner.handle_request(request)
