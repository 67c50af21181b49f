"""The one factory of notion-client `Client`s, over the HTTP layers of `integration.http`."""

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from django.conf import settings
from notion_client import Client
from notion_client.client import ClientOptions

from integration.http.audit import AuditContext
from integration.http.policy import Policy
from integration.http.stack import NotionTransport
from integration.notion.workspace import workspace


@functools.cache
def _network() -> httpx.HTTPTransport:
    return httpx.HTTPTransport(retries=0)


def _inner() -> httpx.BaseTransport:
    if settings.NOTION_TRANSPORT is not None:
        return settings.NOTION_TRANSPORT
    if workspace().is_sandbox:
        from integration.sandbox.store import sandbox

        return httpx.MockTransport(sandbox())
    return _network()


@contextmanager
def notion_client(
    context: AuditContext | None = None, *, policy: Policy | None = None, deadline: float | None = None
) -> Iterator[Client]:
    """A Client whose every attempt is paced, audited under `context` and retried safely.

    `deadline` (time.monotonic()) is when the action must stop sending. notion-client's
    own `with Client()` would swap our transport for a default one: this closes it instead.
    """
    sandbox = workspace().is_sandbox
    if sandbox:
        from integration.sandbox.store import BASE_URL, TOKEN

        auth, base_url = TOKEN, BASE_URL
    else:
        auth, base_url = settings.NOTION_KEY, settings.NOTION_BASE_URL
    transport = NotionTransport(
        _inner(),
        context=context or AuditContext(),
        policy=policy or Policy.from_settings(),
        deadline=deadline,
        sandbox=sandbox,
    )
    options = ClientOptions(
        auth=auth,
        base_url=base_url,
        notion_version=settings.NOTION_VERSION,
        retry=False,
        # The SDK would log Notion's messages as they come, secrets and all; failures are
        # logged by integration.notion.errors instead, scrubbed.
        logger=logging.getLogger("integration.sdk"),
        log_level=logging.ERROR,
    )
    client = Client(options, client=httpx.Client(transport=transport))
    try:
        yield client
    finally:
        client.close()
