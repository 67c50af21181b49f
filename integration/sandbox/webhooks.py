"""The sandbox's webhook deliveries: its signed events posted to NOTION_SANDBOX_WEBHOOK_URL, each
from a thread of its own, a moment after the change (as Notion delivers them after its answer),
so the whole flow runs without Notion."""

import logging
import threading
import time
from collections.abc import Callable

import httpx

logger = logging.getLogger(__name__)

DELAY = 1.0  # seconds: the answer that made the change is back in the history by then


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    time.sleep(DELAY)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=10)
    except httpx.HTTPError as error:
        logger.warning("The sandbox could not deliver a webhook event to %s: %s", url, error)
        return
    if response.status_code != 200:
        logger.warning("The sandbox's webhook event was answered %s by %s", response.status_code, url)


def deliver_to(url: str) -> Callable[[bytes, dict[str, str]], None]:
    """A sandbox's `deliver`: each event posted to `url` in the background."""

    def deliver(body: bytes, headers: dict[str, str]) -> None:
        threading.Thread(target=_post, args=(url, body, headers), daemon=True, name="sandbox-webhook").start()

    return deliver
