"""The one factory of notion-client `Client`s, over the HTTP layers of `integration.http`."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
from django.conf import settings
from notion_client import Client
from notion_client.client import ClientOptions

from integration.http.policy import Policy
from integration.http.stack import NotionTransport
from integration.models import AuditContext, Source
from integration.notion.endpoints import operation_name
from integration.notion.workspace import workspace


@contextmanager
def notion_client(
    context: AuditContext | None = None, *, policy: Policy | None = None, deadline: float | None = None
) -> Iterator[Client]:
    """A Client whose every attempt is paced, audited under `context` and retried safely.

    `deadline` (time.monotonic()) is when the action must stop sending. notion-client's
    own `with Client()` would swap our transport for a default one: this closes it instead.
    """
    here = workspace()
    auth, base_url = here.credentials()
    context = context or AuditContext()
    transport = NotionTransport(
        here.transport(),
        context=context,
        name_operation=operation_name,
        policy=policy or Policy.from_settings(background=context.source == Source.JOB),
        deadline=deadline,
        sandbox=here.is_sandbox,
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
