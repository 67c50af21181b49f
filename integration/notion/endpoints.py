"""The endpoints of Notion's API this app calls, named after the notion-client methods that call them.

The audit log names each request with this table, and the sandbox routes requests by it.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Endpoint:
    operation: str
    method: str
    path: re.Pattern[str]  # below /v1/; its groups are the path's parameters


def _endpoint(operation: str, method: str, path: str) -> Endpoint:
    return Endpoint(operation, method, re.compile(path))


ENDPOINTS = [
    _endpoint("databases.create", "POST", r"databases"),
    _endpoint("databases.retrieve", "GET", r"databases/([^/]+)"),
    _endpoint("data_sources.retrieve", "GET", r"data_sources/([^/]+)"),
    _endpoint("data_sources.update", "PATCH", r"data_sources/([^/]+)"),
    _endpoint("data_sources.query", "POST", r"data_sources/([^/]+)/query"),
    _endpoint("pages.create", "POST", r"pages"),
    _endpoint("pages.retrieve", "GET", r"pages/([^/]+)"),
    _endpoint("blocks.children.append", "PATCH", r"blocks/([^/]+)/children"),
    _endpoint("blocks.children.list", "GET", r"blocks/([^/]+)/children"),
    _endpoint("blocks.delete", "DELETE", r"blocks/([^/]+)"),
    _endpoint("comments.create", "POST", r"comments"),
    _endpoint("comments.list", "GET", r"comments"),
    _endpoint("search", "POST", r"search"),
    _endpoint("users.me", "GET", r"users/me"),
    # "Create a file upload", "Send a file upload", "Complete a file upload", "Retrieve a file upload"
    _endpoint("file_uploads.create", "POST", r"file_uploads"),
    _endpoint("file_uploads.send", "POST", r"file_uploads/([^/]+)/send"),
    _endpoint("file_uploads.complete", "POST", r"file_uploads/([^/]+)/complete"),
    _endpoint("file_uploads.retrieve", "GET", r"file_uploads/([^/]+)"),
    _endpoint("file_uploads.list", "GET", r"file_uploads"),
]


def find_endpoint(method: str, path: str) -> tuple[Endpoint, tuple[str, ...]] | None:
    """The endpoint a request to `path` (with or without /v1/) is for, and the path's parameters."""
    below = path.removeprefix("/").removeprefix("v1/").strip("/")
    for endpoint in ENDPOINTS:
        match = endpoint.path.fullmatch(below)
        if match and endpoint.method == method:
            return endpoint, match.groups()
    return None


def operation_name(method: str, path: str) -> str:
    """Name a request after the SDK method that sends it, e.g. `databases.create`."""
    found = find_endpoint(method, path)
    if found:
        return found[0].operation
    return f"{method} {path.removeprefix('/v1/').strip('/')}"[:64]
