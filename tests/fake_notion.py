"""The fake Notion of the tests and benchmarks: the sandbox's engine behind a transport that
can fail on cue, or served over HTTP for other processes; and how to measure a rate.

Everything reaches it through httpx, as it would reach Notion: it sees the real
requests the SDK builds, and records those that got to "Notion".
"""

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx

from integration.http.pacing import TURN
from integration.sandbox.engine import NotionSandbox, sandbox_wsgi_app

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
        self.arrivals: list[float] = []  # when each request reached Notion (time.time)
        self.turns: list[float] = []  # when the app's pacing gave each its turn (time.time)
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
            self.arrivals.append(time.time())
            if TURN in request.extensions:
                self.turns.append(request.extensions[TURN])

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # What Notion receives is a copy, read: the app's request keeps its stream (a file upload's
        # multipart body, whose fields the history describes on each attempt).
        request = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=b"".join(request.stream),
            extensions=request.extensions,
        )
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


def bucket_needed(arrivals: list[float], rate: float) -> float:
    """The smallest token bucket refilled at `rate` that lets all these arrivals through:
    the most requests in any span of t seconds, less rate × t."""
    times = sorted(arrivals)
    return max(
        j - i + 1 - rate * (times[j] - times[i]) for i in range(len(times)) for j in range(i, len(times))
    )


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 512  # the load benchmark opens many connections at once


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def get_environ(self) -> dict:
        return {**super().get_environ(), _SOCKET: self.connection}


_SOCKET = "fake_notion.socket"  # the environ key of the request's connection, for a dropped answer


@contextmanager
def served(
    sandbox: NotionSandbox,
    arrivals: list[float] | None = None,
    *,
    statuses: list[int] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    drop: Callable[[str, str], bool] | None = None,
) -> Iterator[str]:
    """Serve a sandbox over HTTP for other processes; yield its base URL.

    `arrivals` gets the time (time.time()) each request arrived, `statuses` its answer's status
    (0 for an answer dropped). `drop(method, path)`, called for each request, says whether to lose
    its answer: the sandbox does the work, then the connection is closed with nothing written back,
    as when Notion's answer is lost on the way.
    """
    app = sandbox_wsgi_app(sandbox)

    def timed(environ, start_response):
        if arrivals is not None:
            arrivals.append(time.time())
        if drop is not None and drop(environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")):
            app(environ, lambda *answer: None)
            if statuses is not None:
                statuses.append(0)
            environ[_SOCKET].shutdown(socket.SHUT_RDWR)
            raise ConnectionAbortedError("the answer was dropped")  # wsgiref then writes nothing

        def record(status, headers, *rest):
            if statuses is not None:
                statuses.append(int(status.split()[0]))
            return start_response(status, headers, *rest)

        return app(environ, record)

    server = make_server(host, port, timed, server_class=_ThreadingServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
