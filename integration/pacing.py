"""Pacing of the requests to Notion, shared by every process of the app.

Notion allows an average of about 3 requests a second per integration. Time is
cut into slots of 1/rate seconds; each request claims the first free slot with
the cache's atomic `add` and waits for its time. A request may also take one
of the `burst - 2` slots just past if nobody used them, so that, like a token
bucket of `burst` tokens, any span of t seconds sees at most rate × t + burst
requests. As every web worker and command claims slots in the same shared
cache (the database or Redis), all of them together stay under the rate.
"""

import logging
import time

from django.conf import settings
from django.core.cache import caches

logger = logging.getLogger(__name__)

_PREFIX = "notion-pace"


class NotionBusy(Exception):
    """The request would have to wait longer than NOTION_RATE_MAX_WAIT: it is not sent."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"the next free slot is {wait:.0f} s away")
        self.wait = wait


def wait_for_turn() -> float:
    """Block until this process may send one request to Notion; return the seconds waited."""
    rate = settings.NOTION_RATE_LIMIT
    if not rate:
        return 0.0
    cache = caches["default"]
    interval = 1.0 / rate
    burst = max(1, settings.NOTION_RATE_BURST)
    prefix = f"{_PREFIX}:{rate:g}"  # slot numbers depend on the rate
    began = time.time()
    # The current slot counts as one of the burst: it may be claimed at its very end.
    slot = int(began / interval) - (burst - 2)
    # Start after the last slot known to be taken, to skip most of a long queue in one step.
    last = cache.get(f"{prefix}:last")
    if isinstance(last, int) and last >= slot:
        slot = last + 1
    while True:
        wait = slot * interval - time.time()
        if wait > settings.NOTION_RATE_MAX_WAIT:
            raise NotionBusy(wait)
        if cache.add(f"{prefix}:{slot}", 1, timeout=max(0.0, wait) + burst * interval + 60):
            cache.set(f"{prefix}:last", slot, timeout=max(0.0, wait) + 60)
            break
        slot += 1
    if wait > 0:
        time.sleep(wait)
    return time.time() - began
