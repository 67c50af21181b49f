"""The endpoints of Notion's API this app calls, named after the notion-client methods that call them,
with the capability each needs: the one table of operations.

The audit log names each request with this table; the sandbox routes requests by it and refuses an
endpoint whose capability the integration lacks.
"""

import re
from dataclasses import dataclass

# An integration's capabilities ("Integration capabilities": content and comment capabilities), as
# the sandbox names and checks them; it does not model "update content", so the endpoints needing
# it (data_sources.update, pages.update, blocks.delete) have no capability below.
CAPABILITIES = frozenset({"read_content", "insert_content", "read_comments", "insert_comments"})


@dataclass(frozen=True)
class Endpoint:
    operation: str
    method: str
    path: re.Pattern[str]  # below /v1/; its groups are the path's parameters
    capability: str  # one of CAPABILITIES, "" where the sandbox checks none


def _endpoint(operation: str, method: str, path: str, capability: str = "") -> Endpoint:
    return Endpoint(operation, method, re.compile(path), capability)


ENDPOINTS = [
    _endpoint("databases.create", "POST", r"databases", "insert_content"),
    _endpoint("databases.retrieve", "GET", r"databases/([^/]+)", "read_content"),
    _endpoint("data_sources.retrieve", "GET", r"data_sources/([^/]+)", "read_content"),
    _endpoint("data_sources.update", "PATCH", r"data_sources/([^/]+)"),
    _endpoint("data_sources.query", "POST", r"data_sources/([^/]+)/query", "read_content"),
    # "List data source templates" (API 2025-09-03)
    _endpoint("data_sources.list_templates", "GET", r"data_sources/([^/]+)/templates", "read_content"),
    _endpoint("pages.create", "POST", r"pages", "insert_content"),
    _endpoint("pages.retrieve", "GET", r"pages/([^/]+)", "read_content"),
    _endpoint("pages.update", "PATCH", r"pages/([^/]+)"),  # "Update page properties"
    _endpoint("blocks.children.append", "PATCH", r"blocks/([^/]+)/children", "insert_content"),
    _endpoint("blocks.children.list", "GET", r"blocks/([^/]+)/children", "read_content"),
    _endpoint("blocks.delete", "DELETE", r"blocks/([^/]+)"),
    _endpoint("comments.create", "POST", r"comments", "insert_comments"),
    _endpoint("comments.list", "GET", r"comments", "read_comments"),
    _endpoint("search", "POST", r"search", "read_content"),
    _endpoint("users.me", "GET", r"users/me"),
    # "Create a file upload", "Send a file upload", "Complete a file upload", "Retrieve a file upload"
    _endpoint("file_uploads.create", "POST", r"file_uploads", "insert_content"),
    _endpoint("file_uploads.send", "POST", r"file_uploads/([^/]+)/send", "insert_content"),
    _endpoint("file_uploads.complete", "POST", r"file_uploads/([^/]+)/complete", "insert_content"),
    _endpoint("file_uploads.retrieve", "GET", r"file_uploads/([^/]+)"),
    _endpoint("file_uploads.list", "GET", r"file_uploads"),
    # "Create a view" (insert content), "Retrieve a view", "List views" (read content)
    _endpoint("views.create", "POST", r"views", "insert_content"),
    _endpoint("views.retrieve", "GET", r"views/([^/]+)", "read_content"),
    _endpoint("views.list", "GET", r"views", "read_content"),
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
