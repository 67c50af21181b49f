"""The layers under notion-client, put together."""

from collections.abc import Callable

import httpx

from integration.http.audit import AuditContext, AuditTransport
from integration.http.pacing import PacingTransport
from integration.http.policy import Policy
from integration.http.retry import RetryTransport


class NotionTransport(httpx.BaseTransport):
    """retry → pacing → audit → `inner`, with the policy's timeouts on every attempt."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        context: AuditContext,
        name_operation: Callable[[str, str], str],
        policy: Policy,
        deadline: float | None = None,
        sandbox: bool = False,
    ) -> None:
        self.policy = policy
        audited = AuditTransport(inner, context=context, name_operation=name_operation, sandbox=sandbox)
        paced = PacingTransport(audited, policy=policy, deadline=deadline)
        self.layers = RetryTransport(paced, policy=policy, deadline=deadline)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.extensions["timeout"] = httpx.Timeout(
            self.policy.read_timeout, connect=self.policy.connect_timeout
        ).as_dict()
        return self.layers.handle_request(request)

    def close(self) -> None:
        # The inner transport is shared by every client of the process: it stays open.
        pass
