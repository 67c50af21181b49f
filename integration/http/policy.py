"""How requests to Notion are timed, paced and retried, read from the settings in one place."""

from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Policy:
    connect_timeout: float
    read_timeout: float
    max_attempts: int
    backoff: float  # seconds before the second attempt, doubled for each next one
    retry_max_wait: float  # a Retry-After longer than this is given up, not waited for
    rate: float  # requests a second for all processes together; 0: no pacing
    burst: int
    rate_max_wait: float  # the longest a request waits for its turn before giving up
    reserve: float = 0.0  # the share of the rate background requests leave to people
    background: bool = False  # sent by a background job, not for someone waiting

    @classmethod
    def from_settings(cls, *, background: bool = False) -> "Policy":
        return cls(
            connect_timeout=settings.NOTION_CONNECT_TIMEOUT,
            read_timeout=settings.NOTION_READ_TIMEOUT,
            max_attempts=settings.NOTION_MAX_ATTEMPTS,
            backoff=settings.NOTION_RETRY_BACKOFF,
            retry_max_wait=settings.NOTION_RETRY_MAX_WAIT,
            rate=settings.NOTION_RATE_LIMIT,
            burst=settings.NOTION_RATE_BURST,
            rate_max_wait=settings.NOTION_RATE_MAX_WAIT,
            reserve=settings.NOTION_RATE_RESERVE,
            background=background,
        )


def action_timeout() -> float:
    """The most time one web action may spend on Notion, its last request's answer included."""
    return settings.NOTION_ACTION_TIMEOUT + settings.NOTION_CONNECT_TIMEOUT + settings.NOTION_READ_TIMEOUT
