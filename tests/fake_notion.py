"""The fake Notion of the tests: the app's sandbox behind a transport that can fail on cue.

Everything reaches it through httpx, as it would reach Notion: it sees the real
requests the SDK builds, and records those that got to "Notion".
"""

import json
import re
import threading
import time
from dataclasses import dataclass

import httpx

from integration.sandbox import NotionSandbox

TOKEN = "ntn_test_secret_4f9c2b7e1d"


@dataclass
class Fault:
    method: str
    path: re.Pattern
    times: int
    status: int = 0
    body: bytes = b""
    headers: dict | None = None
    error: type[httpx.TransportError] | None = None
    reached_notion: bool = True
    after: int = 0  # matching requests to let through before failing


class FakeNotion(httpx.BaseTransport):
    def __init__(self, sandbox: NotionSandbox) -> None:
        self.sandbox = sandbox
        self.received: list[httpx.Request] = []
        self.attempts = 0  # every request the app tried to send, reaching Notion or not
        self.arrivals: list[float] = []  # when each request reached Notion (time.monotonic)
        self.faults: list[Fault] = []
        self._lock = threading.Lock()

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int = 0,
        json_body: dict | None = None,
        body: bytes = b"",
        headers: dict | None = None,
        error: type[httpx.TransportError] | None = None,
        times: int = 1,
        after: int = 0,
    ) -> None:
        """Make the next `times` requests to `method path` (a regex) answer or fail this way.

        An `error` of the connect kind means nothing reached Notion; any other error
        comes after Notion did the work, as when its answer is lost on the way back.
        """
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers = {"content-type": "application/json; charset=utf-8", **(headers or {})}
        never_sent = error is not None and issubclass(error, (httpx.ConnectError, httpx.ConnectTimeout))
        self.faults.append(
            Fault(method, re.compile(path), times, status, body, headers, error, not never_sent, after)
        )

    def fail_like_notion(
        self, method: str, path: str, status: int, code: str, message: str, **kwargs
    ) -> None:
        envelope = {
            "object": "error",
            "status": status,
            "code": code,
            "message": message,
            "request_id": "req-fake",
        }
        self.fail(method, path, status=status, json_body=envelope, **kwargs)

    def _reached(self, request: httpx.Request) -> None:
        with self._lock:
            self.received.append(request)
            self.arrivals.append(time.monotonic())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        with self._lock:
            self.attempts += 1
            fault = next(
                (
                    f
                    for f in self.faults
                    if f.times and f.method == request.method and f.path.search(request.url.path)
                ),
                None,
            )
            if fault is not None and fault.after:
                fault.after -= 1
                fault = None
            elif fault is not None:
                fault.times -= 1
        if fault is None:
            self._reached(request)
            return self.sandbox(request)
        if fault.reached_notion:
            self._reached(request)
        if fault.error is not None:
            if fault.reached_notion:
                self.sandbox(request)
            raise fault.error("injected by the test", request=request)
        return httpx.Response(fault.status, headers=fault.headers, content=fault.body)

    def sent(self, method: str | None = None, path: str = "") -> list[httpx.Request]:
        """The requests that reached Notion, optionally only those of `method` and `path` (a regex)."""
        return [
            r for r in self.received if (method is None or r.method == method) and re.search(path, r.url.path)
        ]

    def bodies(self, method: str, path: str) -> list[dict]:
        return [json.loads(r.content) for r in self.sent(method, path)]
