"""A local Notion, with no Django in it: the fake Notion of the tests and benchmarks, and the
engine of the app's sandbox.

`NotionSandbox` answers the endpoints this app uses as Notion's API 2025-09-03
does (the recordings in tests/recordings are the reference, field for field):
the same objects, the same limits (2000 characters a rich-text object, 100
elements an array, 500 KB a request, an average rate with bursts) and the same
error envelopes. It is called with an `httpx.Request`, so it can sit under
httpx as a transport (`httpx.MockTransport(sandbox)`) or behind a WSGI server
(`sandbox_wsgi_app`).
"""

import copy
import functools
import hashlib
import json
import math
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any, Protocol
from urllib.parse import quote, urlsplit

import httpx
from python_multipart.multipart import MultipartParser, parse_options_header

from integration.ids import parse_notion_id
from integration.notion.endpoints import CAPABILITIES, Endpoint, find_endpoint
from integration.notion.events import make_event, signed
from integration.notion.limits import (
    ARRAY_LIMIT,
    BOARD_GROUP_TYPES,
    BODY_LIMIT,
    CHILDLESS_BLOCKS,
    CODE_LANGUAGES,
    COLORS,
    CONTACT_LIMIT,
    ELEMENT_LIMIT,
    EQUATION_LIMIT,
    FILE_NAME_BYTES,
    FILE_NAME_LIMIT,
    FILE_URL_SCHEMES,
    FREE_FILE_SIZE,
    MEDIA_BLOCKS,
    NESTING_LIMIT,
    NUMBER_FORMATS,
    OPTION_COLORS,
    OPTION_NAME_LIMIT,
    PAGE_VALUE_TYPES,
    PART_MAX,
    PART_MIN,
    PARTS_LIMIT,
    PROPERTY_TYPES,
    READ_ONLY_TYPES,
    SINGLE_PART_MAX,
    TEXT_LIMIT,
    UPLOAD_EXPIRY_SECONDS,
    URL_LIMIT,
    VIEW_TYPES,
    block_takes,
    categories_of_content_type,
    categories_of_name,
    content_type_for,
    utf16_len,
)
from integration.notion.shapes import plain_text, title_of

# The block types holding rich text and a colour only; the others have a method of their own.
_TEXT_BLOCKS = ("paragraph", "bulleted_list_item", "numbered_list_item", "quote", "toggle")
_ANNOTATIONS = {
    "bold": False, "italic": False, "strikethrough": False,
    "underline": False, "code": False, "color": "default",
}  # fmt: skip


class SandboxError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def _invalid(message: str) -> SandboxError:
    return SandboxError(400, "validation_error", message)


def _not_found(kind: str, object_id: str) -> SandboxError:
    return SandboxError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {object_id}. Make sure the relevant pages and "
        "databases are shared with your integration.",
    )


class MemoryStore:
    """Sandbox objects kept in a dict, for tests and a stand-alone fake server."""

    def __init__(self) -> None:
        self._objects: dict[str, dict] = {}
        self._children: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def get(self, object_id: str) -> dict | None:
        return self._objects.get(object_id)

    def put(self, obj: dict) -> None:
        with self._lock:
            self._objects[obj["id"]] = obj

    def add_child(self, parent_id: str, child_id: str) -> None:
        with self._lock:
            self._children.setdefault(parent_id, []).append(child_id)

    def children(self, parent_id: str) -> list[str]:
        return list(self._children.get(parent_id, []))

    def newest_first(self, kinds: tuple[str, ...]) -> Iterable[dict]:
        return [obj for obj in reversed(list(self._objects.values())) if obj["object"] in kinds]


class TokenBucket:
    """Notion's rate limit: an average `rate` per second, bursts of `burst` allowed."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """Take a token; return 0, or the seconds until one is free (nothing taken)."""
        with self._lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / self.rate


@dataclass(frozen=True)
class StoredFile:
    """A file's bytes as assembled: their count and SHA-256."""

    size: int
    sha256: str


class Blobs(Protocol):
    """Where the sandbox keeps the bytes of uploaded files: the parts as they are sent, then the
    file assembled from them."""

    def write(self, upload_id: str, part_number: int, chunks: Iterable[bytes]) -> int: ...

    def assemble(self, upload_id: str, parts: list[int], *, filename: str) -> StoredFile: ...

    def url(self, upload_id: str, filename: str) -> str: ...

    def open(self, upload_id: str) -> tuple[str, IO[bytes]] | None: ...


class MemoryBlobs:
    """Uploaded files kept in memory, for tests and a stand-alone fake server."""

    def __init__(self) -> None:
        self._parts: dict[tuple[str, int], bytes] = {}
        self._files: dict[str, tuple[str, bytes]] = {}
        self._lock = threading.Lock()

    def write(self, upload_id: str, part_number: int, chunks: Iterable[bytes]) -> int:
        data = b"".join(chunks)
        with self._lock:
            self._parts[(upload_id, part_number)] = data
        return len(data)

    def assemble(self, upload_id: str, parts: list[int], *, filename: str) -> StoredFile:
        with self._lock:
            data = b"".join(self._parts.pop((upload_id, number)) for number in parts)
            self._files[upload_id] = (filename, data)
        return StoredFile(len(data), hashlib.sha256(data).hexdigest())

    def url(self, upload_id: str, filename: str) -> str:
        return f"https://files.sandbox.invalid/{upload_id}/{quote(filename)}"

    def open(self, upload_id: str) -> tuple[str, IO[bytes]] | None:
        import io

        found = self._files.get(upload_id)
        return (found[0], io.BytesIO(found[1])) if found else None


@dataclass
class FormFile:
    """The `file` field of a multipart/form-data body: its name, content type and bytes (slices of
    the body, not copies)."""

    filename: str
    content_type: str
    chunks: list[memoryview]

    @property
    def size(self) -> int:
        return sum(len(chunk) for chunk in self.chunks)


def parse_form(content_type: str, body: bytes) -> tuple[dict[str, str], FormFile | None]:
    """The text fields and the `file` field of a multipart/form-data body, parsed by python-multipart
    (streaming, so the file's bytes are never copied: they stay slices of `body`)."""
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise _invalid(
            "Content-Type should be multipart/form-data with a boundary, "
            f"instead was `{json.dumps(content_type)}`."
        )
    view = memoryview(body)
    parts: list[dict[str, Any]] = []
    header = {"field": b"", "value": b""}

    def begin() -> None:
        parts.append({"headers": {}, "ranges": []})

    def field(data: bytes, start: int, end: int) -> None:
        header["field"] += data[start:end]

    def value(data: bytes, start: int, end: int) -> None:
        header["value"] += data[start:end]

    def header_end() -> None:
        parts[-1]["headers"][header["field"].decode("latin-1").lower()] = header["value"].decode("latin-1")
        header["field"] = header["value"] = b""

    def data(_: bytes, start: int, end: int) -> None:
        parts[-1]["ranges"].append((start, end))

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": begin,
            "on_header_field": field,
            "on_header_value": value,
            "on_header_end": header_end,
            "on_part_data": data,
        },
    )
    try:
        parser.write(body)  # one write: the offsets it reports are offsets into `body`
        parser.finalize()
    except Exception as error:  # python-multipart's errors for a malformed body
        raise _invalid(f"The multipart/form-data body could not be parsed: {error}") from None
    fields: dict[str, str] = {}
    upload = None
    for part in parts:
        _, disposition = parse_options_header(part["headers"].get("content-disposition", ""))
        name = disposition.get(b"name", b"").decode()
        chunks = [view[start:end] for start, end in part["ranges"]]
        if b"filename" in disposition:
            if name == "file":
                upload = FormFile(
                    disposition[b"filename"].decode(),
                    part["headers"].get("content-type", "application/octet-stream"),
                    chunks,
                )
        else:
            fields[name] = b"".join(chunks).decode()
    return fields, upload


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _now(*, precise: bool = False) -> str:
    now = datetime.now(UTC)
    if precise:
        return now.isoformat(timespec="milliseconds")
    return now.replace(second=0, microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _full_rich_text_item(kind: str, value: dict, annotations: dict, plain: str, href: str | None) -> dict:
    """One rich-text object as Notion reads it back ("Rich text"): its type's object, every
    annotation, `plain_text` and `href`."""
    return {
        "type": kind,
        kind: value,
        "annotations": _ANNOTATIONS | annotations,
        "plain_text": plain,
        "href": href,
    }


def _plain_rich_text(content: str) -> list[dict]:
    return [_full_rich_text_item("text", {"content": content, "link": None}, {}, content, None)]


def _is_web_url(url: Any) -> bool:
    return isinstance(url, str) and urlsplit(url).scheme in FILE_URL_SCHEMES and bool(urlsplit(url).netloc)


# What an empty page property of each type holds.
_EMPTY_VALUES: dict[str, Any] = {
    "title": [], "rich_text": [], "number": None, "select": None, "status": None, "multi_select": [],
    "date": None, "people": [], "files": [], "checkbox": False, "url": None, "email": None,
    "phone_number": None, "relation": [], "formula": {"type": "string", "string": None},
    "rollup": {"type": "array", "array": [], "function": "show_original"}, "button": {},
    "verification": {"state": "unverified", "verified_by": None, "date": None},
}  # fmt: skip

# The page property types a page can be given a value of here: the app's, and relations.
_SETTABLE = PAGE_VALUE_TYPES | {"relation"}

# The operators the sandbox's query filters take, by property type ("Filter data source entries").
_FILTERED = {
    "title": ("equals", "contains"),
    "rich_text": ("equals", "contains"),
    "number": ("equals",),
    "select": ("equals",),
    "email": ("equals",),
    "url": ("equals",),
    "phone_number": ("equals",),
    "checkbox": ("equals",),
    "unique_id": ("equals",),
    "relation": ("contains",),
}


def _filter_value(kind: str, value: dict) -> Any:
    """A page property's value as a filter compares it."""
    held = value.get(kind)
    if kind in ("title", "rich_text"):
        return plain_text(held or [])
    if kind == "select":
        return held.get("name") if isinstance(held, dict) else None
    if kind == "unique_id":
        return held.get("number") if isinstance(held, dict) else None
    if kind == "relation":
        return [parse_notion_id(item.get("id", "")) for item in held or []]
    return held


def _shaped_options(spec: dict) -> list[dict]:
    """The options of a select, multi-select or status property, each given an ID and a colour
    the first time (a schema may be made with names only), as Notion's schema holds them."""
    config = spec.get(spec["type"])
    if not isinstance(config, dict):
        config = spec[spec["type"]] = {}
    options = config.setdefault("options", [])
    for index, option in enumerate(options):
        option.setdefault("id", str(uuid.uuid5(uuid.NAMESPACE_OID, f"{spec['id']}:{option.get('name')}")))
        option.setdefault("color", OPTION_COLORS[index % len(OPTION_COLORS)])
        option.setdefault("description", None)
    return options


def _is_iso_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _title_value(value: Any) -> Any:
    """The rich text of a title property's value: `{"title": [...]}`, or the bare list Notion also takes."""
    if isinstance(value, dict):
        return value.get("title", [])
    return [] if value is None else value


class NotionSandbox:
    """A Notion workspace in a store, answering httpx requests as Notion's API would.

    `token`: the integration secret it accepts (None accepts any bearer token).
    `rate`, `burst`: the rate limit it enforces with 429 and Retry-After (None: no limit).
    `latency`: seconds it takes to answer each request.
    `capabilities`: those of `CAPABILITIES` the integration has; an endpoint needing another
    answers 403 `restricted_resource`, as Notion does.
    `integration_name`, `workspace_name`: the bot's name and its workspace's, as users.me gives them.
    `max_file_size`: the workspace's per-file limit users.me gives (Notion's free plan's by default;
    `MULTI_PART_MAX` for a paid one); `single_part_max`, `part_min`, `part_max`: Notion's sizes of a
    single-part upload and of the parts of a multi-part one (smaller in tests, to keep files small).
    `blobs`: where uploaded bytes go (`MemoryBlobs` by default); `clock`: the time (time.time()) by
    which uploads expire; `api_url`: the base of the `upload_url` an upload names.
    `deliver`: given each webhook event as Notion would send it (its body and headers, signed with
    `webhook_token`) when a page is made or changed or a comment made; None sends none.
    """

    def __init__(
        self,
        *,
        token: str | None = None,
        store: Any = None,
        rate: float | None = None,
        burst: int = 3,
        latency: float = 0.0,
        capabilities: Iterable[str] = CAPABILITIES,
        integration_name: str = "notionforms",
        workspace_name: str = "Sandbox workspace",
        max_file_size: int = FREE_FILE_SIZE,
        single_part_max: int = SINGLE_PART_MAX,
        part_min: int = PART_MIN,
        part_max: int = PART_MAX,
        blobs: Blobs | None = None,
        clock: Callable[[], float] = time.time,
        api_url: str = "https://api.notion.com",
        webhook_token: str = "",
        deliver: Callable[[bytes, dict[str, str]], None] | None = None,
    ) -> None:
        self.token = token
        self.store = store if store is not None else MemoryStore()
        self.bucket = TokenBucket(rate, burst) if rate else None
        self.latency = latency
        self.capabilities = set(capabilities)
        self.integration_name = integration_name
        self.workspace_name = workspace_name
        self.bot_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"notionforms-bot:{integration_name}"))
        self.workspace_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"notionforms-workspace:{workspace_name}"))
        self.max_file_size = max_file_size
        self.single_part_max = single_part_max
        self.part_min = part_min
        self.part_max = part_max
        self.blobs: Blobs = blobs if blobs is not None else MemoryBlobs()
        self.clock = clock
        self.api_url = api_url.rstrip("/")
        self.webhook_token = webhook_token
        self.deliver = deliver
        self.handlers: dict[str, Callable[..., dict]] = {
            "databases.create": self.create_database,
            "databases.retrieve": self.retrieve_database,
            "data_sources.retrieve": self.retrieve_data_source,
            "data_sources.update": self.update_data_source,
            "data_sources.query": self.query_data_source,
            "data_sources.list_templates": self.list_templates,
            "pages.create": self.create_page,
            "pages.retrieve": self.retrieve_page,
            "pages.update": self.update_page,
            "blocks.children.append": self.append_children,
            "blocks.children.list": self.list_children,
            "blocks.delete": self.delete_block,
            "comments.create": self.create_comment,
            "comments.list": self.list_comments,
            "search": self.search,
            "users.me": self.me,
            "file_uploads.create": self.create_file_upload,
            "file_uploads.complete": self.complete_file_upload,
            "file_uploads.retrieve": self.retrieve_file_upload,
            "file_uploads.list": self.list_file_uploads,
            "views.create": self.create_view,
            "views.retrieve": self.retrieve_view,
            "views.list": self.list_views,
        }
        # The content of each block type, as the "Block" reference shapes it.
        self.block_contents: dict[str, Callable[[dict, str], dict]] = {
            **{kind: self._text_content for kind in _TEXT_BLOCKS},
            **{kind: self._heading_content for kind in ("heading_1", "heading_2", "heading_3")},
            "to_do": self._to_do_content,
            "callout": self._callout_content,
            "code": self._code_content,
            "divider": self._divider_content,
            "equation": self._equation_content,
            "table": self._table_content,
            "table_row": self._table_row_content,
            **{kind: functools.partial(self._media, kind=kind) for kind in MEDIA_BLOCKS},
        }

    # The HTTP surface

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if self.latency:
            time.sleep(self.latency)
        try:
            status, body = 200, self.dispatch(request)
            headers = {}
        except SandboxError as error:
            status, headers = error.status, error.headers
            body = {"object": "error", "status": error.status, "code": error.code, "message": error.message}
        body["request_id"] = str(uuid.uuid4())
        return httpx.Response(
            status,
            headers={"content-type": "application/json; charset=utf-8", **headers},
            content=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        )

    def dispatch(self, request: httpx.Request) -> dict:
        if self.bucket:
            wait = self.bucket.take()
            if wait:
                raise SandboxError(
                    429,
                    "rate_limited",
                    "You have been rate limited. Please try again in a few minutes.",
                    {"retry-after": str(max(1, math.ceil(wait)))},
                )
        endpoint, args = self._route(request.method, request.url.path)
        operation = endpoint.operation
        authorization = request.headers.get("authorization", "")
        scheme, _, secret = authorization.partition(" ")
        if scheme != "Bearer" or not secret or (self.token is not None and secret != self.token):
            raise SandboxError(401, "unauthorized", "API token is invalid.")
        if not request.headers.get("notion-version"):
            raise SandboxError(
                400,
                "missing_version",
                "Notion-Version header failed validation: Notion-Version header should be defined, "
                "instead was `undefined`.",
            )
        if endpoint.capability and endpoint.capability not in self.capabilities:
            raise SandboxError(403, "restricted_resource", "Insufficient permissions for this endpoint.")
        if operation == "file_uploads.send":  # multipart/form-data, its size checked as a file's
            return self.send_file_upload(*args, request=request)
        if len(request.content) > BODY_LIMIT:
            raise SandboxError(413, "validation_error", "Request body too large.")
        body: Any = {}
        if request.method in ("POST", "PATCH"):
            try:
                body = json.loads(request.content or b"{}")
            except ValueError:
                raise SandboxError(400, "invalid_json", "Error parsing JSON body.") from None
            if not isinstance(body, dict):
                raise _invalid("body failed validation: body should be an object.")
        answer = self.handlers[operation](*args, body=body, query=dict(request.url.params))
        if self.deliver is not None:
            for kind, entity, data in self._events(operation, body, answer):
                self._emit(kind, entity, data)
        return answer

    # Webhook events ("Event types & delivery"), one per change, not aggregated

    def _events(self, operation: str, body: dict, answer: dict) -> list[tuple[str, dict, dict]]:
        """The events a request's change makes: (type, entity, data)."""
        data: dict[str, Any]
        if operation == "pages.create":
            return [("page.created", self._entity(answer), {"parent": self._event_parent(answer)})]
        if operation == "pages.update":
            data = {"parent": self._event_parent(answer)}
            events = []
            if isinstance(body.get("in_trash"), bool):
                kind = "page.deleted" if body["in_trash"] else "page.undeleted"
                events.append((kind, self._entity(answer), data))
            if body.get("properties"):
                ids = [
                    answer["properties"][name]["id"]
                    for name in body["properties"]
                    if name in answer["properties"]
                ]
                events.append(
                    ("page.properties_updated", self._entity(answer), {**data, "updated_properties": ids})
                )
            return events
        if operation == "blocks.children.append" and answer["results"]:
            page_id = self._page_of(answer["results"][0])
            blocks = [{"id": block["id"], "type": "block"} for block in answer["results"]]
            parent = {"id": page_id, "type": "page"}
            return [
                (
                    "page.content_updated",
                    {"id": page_id, "type": "page"},
                    {"updated_blocks": blocks, "parent": parent},
                )
            ]
        if operation == "comments.create":
            parent = answer["parent"]
            parent_id = parent.get("page_id") or parent.get("block_id")
            data = {
                "page_id": parent.get("page_id") or self._page_of(self.store.get(parent_id) or {}),
                "parent": {"id": parent_id, "type": "page" if "page_id" in parent else "block"},
            }
            return [("comment.created", self._entity(answer), data)]
        return []

    @staticmethod
    def _entity(obj: dict) -> dict:
        return {"id": obj["id"], "type": obj["object"]}

    @staticmethod
    def _event_parent(page: dict) -> dict:
        parent = page["parent"]
        if parent.get("type") == "data_source_id":
            return {
                "id": parent["database_id"],
                "type": "database",
                "data_source_id": parent["data_source_id"],
            }
        return {"id": parent.get("page_id", ""), "type": "page"}

    def _page_of(self, block: dict) -> str:
        """The page a block is on, its parents followed up."""
        while block.get("object") == "block":
            parent = block["parent"]
            if "page_id" in parent:
                return parent["page_id"]
            block = self.store.get(parent.get("block_id", "")) or {}
        return block.get("id", "")

    def _emit(self, kind: str, entity: dict, data: dict) -> None:
        event = make_event(
            kind,
            entity_id=entity["id"],
            entity_type=entity["type"],
            data=data,
            workspace_id=self.workspace_id,
            integration_id=self.bot_id,
            author={"id": self.bot_id, "type": "bot"},
            at=datetime.fromtimestamp(self.clock(), UTC),
        )
        body, headers = signed(event, self.webhook_token)
        assert self.deliver is not None
        self.deliver(body, headers)

    def _route(self, method: str, path: str) -> tuple[Endpoint, tuple[str, ...]]:
        found = find_endpoint(method, path) if path.startswith("/v1/") else None
        if found is None:
            raise SandboxError(400, "invalid_request_url", "Invalid request URL.")
        return found

    # Seeding

    def add_page(self, title: str, *, page_id: str | None = None) -> dict:
        """Put a page shared with the integration at the top of the workspace."""
        page = self._page(
            page_id or str(uuid.uuid4()),
            parent={"type": "workspace", "workspace": True},
            properties={
                "title": {
                    "id": "title",
                    "type": "title",
                    "title": _plain_rich_text(title),
                }
            },
        )
        self.store.put(page)
        return page

    def add_template(
        self,
        data_source_id: str,
        name: str,
        *,
        is_default: bool = False,
        properties: dict | None = None,
        children: list | None = None,
    ) -> dict:
        """Give a data source a template, as made in Notion's app: its property values and blocks
        (`properties` and `children` as "Create a page" takes them, checked as it checks them), and
        whether it is the default (the one default before it then is no longer)."""
        source = copy.deepcopy(self._get(data_source_id, ("data_source",), "data_source"))
        self._page_values(source, properties or {})
        template_id = str(uuid.uuid4())
        blocks = self._blocks(children or [], template_id, "children")
        template = {
            "object": "template",
            "id": template_id,
            "name": name,
            "is_default": is_default,
            "data_source_id": data_source_id,
            "properties": properties or {},
        }
        if is_default:
            for other in self._templates(data_source_id):
                if other["is_default"]:
                    self.store.put({**other, "is_default": False})
        self.store.put(template)
        self.store.add_child(data_source_id, template_id)
        for block in blocks:
            self.store.put(block)
            self.store.add_child(template_id, block["id"])
        return template

    # Validation, with Notion's messages

    def _id(self, raw: Any, where: str) -> str:
        parsed = parse_notion_id(raw) if isinstance(raw, str) else None
        if parsed is None:
            raise _invalid(f"{where} should be a valid uuid, instead was `{json.dumps(raw)}`.")
        return parsed

    def _rich_text(self, value: Any, where: str) -> list[dict]:
        """Rich text checked as Notion checks it, and as Notion reads it back ("Rich text")."""
        return [
            self._rich_text_item(item, f"{where}[{i}]") for i, item in enumerate(self._items(value, where))
        ]

    def _rich_text_item(self, item: Any, where: str) -> dict:
        """A rich-text object of type `text` (`{content, link: {url}}`), `equation`
        (`{expression}`) or `mention` (of a page, a database, a user or a date), as "Rich text"
        shapes them."""
        if not isinstance(item, dict):
            raise _invalid(
                f"body failed validation: {where} should be an object, instead was `{json.dumps(item)}`."
            )
        kind = item.get("type") or next((k for k in ("equation", "mention") if k in item), "text")
        annotations = item.get("annotations", {})
        if not isinstance(annotations, dict) or any(
            key not in _ANNOTATIONS
            or not isinstance(mark, type(_ANNOTATIONS[key]))
            or (key == "color" and mark not in COLORS)
            for key, mark in annotations.items()
        ):
            raise _invalid(f"body failed validation: {where}.annotations should be valid.")
        value = item.get(kind)
        if kind == "equation":
            expression = value.get("expression") if isinstance(value, dict) else None
            if not isinstance(expression, str):
                raise _invalid(
                    f"body failed validation: {where}.equation.expression should be defined, "
                    "instead was `undefined`."
                )
            self._expression_length(expression, f"{where}.equation.expression")
            return _full_rich_text_item(kind, {"expression": expression}, annotations, expression, None)
        if kind == "mention":
            mention, plain, href = self._mention(value, f"{where}.mention")
            return _full_rich_text_item(kind, mention, annotations, plain, href)
        if kind != "text":
            raise _invalid(
                f"body failed validation: {where}.type should be `text`, `mention` or `equation`, "
                f"instead was `{json.dumps(kind)}`."
            )
        if not isinstance(value, dict) or not isinstance(value.get("content"), str):
            raise _invalid(f"body failed validation: {where}.text.content should be defined.")
        content = value["content"]
        if utf16_len(content) > TEXT_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.text.content.length should be ≤ "
                f"`{TEXT_LIMIT}`, instead was `{utf16_len(content)}`."
            )
        link = value.get("link")
        url = None
        if link is not None:
            url = link.get("url") if isinstance(link, dict) else None
            if not isinstance(url, str) or not url:
                raise _invalid(f"body failed validation: {where}.text.link.url should be defined.")
            if utf16_len(url) > URL_LIMIT:
                raise _invalid(
                    f"body failed validation: {where}.text.link.url.length should be ≤ "
                    f"`{URL_LIMIT}`, instead was `{utf16_len(url)}`."
                )
        text = {"content": content, "link": {"url": url} if url else None}
        return _full_rich_text_item(kind, text, annotations, content, url)

    @staticmethod
    def _expression_length(expression: str, where: str) -> None:
        if utf16_len(expression) > EQUATION_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.length should be ≤ `{EQUATION_LIMIT}`, "
                f"instead was `{utf16_len(expression)}`."
            )

    def _mention(self, value: Any, where: str) -> tuple[dict, str, str | None]:
        """A mention as "Rich text" reads it back, with its `plain_text` and `href`: a page or a
        database (its title and URL), a user (`@` and the name), a date (its start, → its end)."""
        kind = value.get("type") if isinstance(value, dict) else None
        if isinstance(value, dict) and kind is None:
            kind = next((k for k in ("page", "database", "user", "date") if k in value), None)
        if kind not in ("page", "database", "user", "date"):
            raise _invalid(
                f"body failed validation: {where}.type should be `page`, `database`, `user` or `date`, "
                f"instead was `{json.dumps(kind)}`."
            )
        if kind == "date":
            date = self._date(value.get("date"), f"{where}.date")
            shown = date["start"] + (f" → {date['end']}" if date["end"] else "")
            return {"type": "date", "date": date}, shown, None
        raw = value.get(kind).get("id") if isinstance(value.get(kind), dict) else None
        object_id = self._id(raw, f"body failed validation: {where}.{kind}.id")
        if kind == "user":
            name = self.integration_name if object_id == self.bot_id else "Anonymous"
            return {"type": "user", "user": {"object": "user", "id": object_id}}, f"@{name}", None
        mentioned = self._get(object_id, (kind,), kind)
        title = plain_text(mentioned["title"]) if kind == "database" else title_of(mentioned)
        return {"type": kind, kind: {"id": object_id}}, title or "Untitled", mentioned["url"]

    def _parent_page(self, body: dict) -> str:
        """The ID of the existing page named by `body.parent.page_id`."""
        parent = body.get("parent")
        if not isinstance(parent, dict) or "page_id" not in parent:
            raise _invalid(
                "body failed validation: body.parent.page_id should be defined, instead was `undefined`."
            )
        page_id = self._id(parent["page_id"], "body failed validation: body.parent.page_id")
        self._get(page_id, ("page",), "page")
        return page_id

    def _get(self, object_id: str, kinds: tuple[str, ...], name: str) -> dict:
        obj = self.store.get(object_id)
        if obj is None or obj["object"] not in kinds or obj.get("in_trash"):
            raise _not_found(name, object_id)
        return obj

    # Objects, shaped as Notion shapes them

    def _user(self) -> dict:
        return {"object": "user", "id": self.bot_id}

    def _page(self, page_id: str, *, parent: dict, properties: dict) -> dict:
        title = title_of({"object": "page", "properties": properties})
        slug = re.sub(r"[^0-9A-Za-z]+", "-", title).strip("-")
        compact = page_id.replace("-", "")
        now = _now()
        return {
            "object": "page",
            "id": page_id,
            "created_time": now,
            "last_edited_time": now,
            "created_by": self._user(),
            "last_edited_by": self._user(),
            "cover": None,
            "icon": None,
            "parent": parent,
            "archived": False,
            "in_trash": False,
            "is_locked": False,
            "properties": properties,
            "url": f"https://www.notion.so/{slug + '-' if slug else ''}{compact}",
            "public_url": None,
        }

    # Blocks ("Block" reference; "Append block children"), each type's content made by its method

    def _color(self, content: dict, place: str) -> str:
        color = content.get("color", "default")
        if color not in COLORS:
            raise _invalid(
                f"body failed validation: {place}.color should be one of Notion's colours, "
                f"instead was `{json.dumps(color)}`."
            )
        return color

    def _text_content(self, content: dict, place: str) -> dict:
        """Paragraph, list items, quote, toggle: rich text and a colour."""
        rich_text = self._rich_text(content.get("rich_text", []), f"{place}.rich_text")
        return {"rich_text": rich_text, "color": self._color(content, place)}

    def _heading_content(self, content: dict, place: str) -> dict:
        data = self._text_content(content, place)
        toggleable = bool(content.get("is_toggleable", False))
        return {"rich_text": data["rich_text"], "is_toggleable": toggleable, "color": data["color"]}

    def _to_do_content(self, content: dict, place: str) -> dict:
        checked = content.get("checked", False)
        if not isinstance(checked, bool):
            raise _invalid(
                f"body failed validation: {place}.checked should be a boolean, "
                f"instead was `{json.dumps(checked)}`."
            )
        data = self._text_content(content, place)
        return {"rich_text": data["rich_text"], "checked": checked, "color": data["color"]}

    def _callout_content(self, content: dict, place: str) -> dict:
        """A callout ("Callout"): rich text, an icon ("Emoji and icon": an emoji, or an external
        image; none if none is given) and a colour."""
        data = self._text_content(content, place)
        icon = content.get("icon")
        if icon is not None:
            icon = self._icon(icon, f"{place}.icon")
        return {"rich_text": data["rich_text"], "icon": icon, "color": data["color"]}

    def _icon(self, icon: Any, where: str) -> dict:
        kind = icon.get("type") if isinstance(icon, dict) else None
        if isinstance(icon, dict) and kind is None:
            kind = next((k for k in ("emoji", "external") if k in icon), None)
        if kind == "emoji":
            emoji = icon.get("emoji")
            if not isinstance(emoji, str) or not emoji:
                raise _invalid(
                    f"body failed validation: {where}.emoji should be an emoji, instead was `undefined`."
                )
            return {"type": "emoji", "emoji": emoji}
        if kind == "external":
            return {
                "type": "external",
                "external": {"url": self._external_url(icon.get("external"), f"{where}.external")},
            }
        raise _invalid(
            f"body failed validation: {where}.type should be `emoji` or `external`, "
            f"instead was `{json.dumps(kind)}`."
        )

    def _external_url(self, external: Any, where: str) -> str:
        """The `url` of an external "File object": an http or https URL of at most 2000 characters."""
        url = external.get("url") if isinstance(external, dict) else None
        if not isinstance(url, str) or not url:
            raise _invalid(f"body failed validation: {where}.url should be defined, instead was `undefined`.")
        if utf16_len(url) > URL_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.url.length should be ≤ `{URL_LIMIT}`, "
                f"instead was `{utf16_len(url)}`."
            )
        if not _is_web_url(url):
            raise _invalid(
                f"body failed validation: {where}.url should be an http or https URL, "
                f"instead was `{json.dumps(url, ensure_ascii=False)[:200]}`."
            )
        return url

    def _code_content(self, content: dict, place: str) -> dict:
        language = content.get("language", "plain text")
        if language not in CODE_LANGUAGES:
            raise _invalid(
                f"body failed validation: {place}.language should be one of Notion's languages, "
                f"instead was `{json.dumps(language)}`."
            )
        return {
            "rich_text": self._rich_text(content.get("rich_text", []), f"{place}.rich_text"),
            "caption": self._rich_text(content.get("caption", []), f"{place}.caption"),
            "language": language,
        }

    def _divider_content(self, content: dict, place: str) -> dict:
        return {}

    def _equation_content(self, content: dict, place: str) -> dict:
        """An equation block ("Equation"): a KaTeX `expression`."""
        expression = content.get("expression")
        if not isinstance(expression, str):
            raise _invalid(
                f"body failed validation: {place}.expression should be defined, "
                f"instead was `{json.dumps(expression) if 'expression' in content else 'undefined'}`."
            )
        self._expression_length(expression, f"{place}.expression")
        return {"expression": expression}

    def _table_content(self, content: dict, place: str) -> dict:
        """A table ("Table"): `table_width` (its number of columns, set once: rows must match
        it), and whether the first row and the first column are headers. Its rows are its children."""
        width = content.get("table_width")
        if isinstance(width, bool) or not isinstance(width, int) or width < 1:
            raise _invalid(
                f"body failed validation: {place}.table_width should be a positive integer, "
                f"instead was `{json.dumps(width) if 'table_width' in content else 'undefined'}`."
            )
        data: dict[str, Any] = {"table_width": width}
        for flag in ("has_column_header", "has_row_header"):
            value = content.get(flag, False)
            if not isinstance(value, bool):
                raise _invalid(
                    f"body failed validation: {place}.{flag} should be a boolean, "
                    f"instead was `{json.dumps(value)}`."
                )
            data[flag] = value
        return data

    def _table_row_content(self, content: dict, place: str) -> dict:
        """A row of a table ("Table row"): `cells`, a rich-text array for each column."""
        cells = content.get("cells")
        if not isinstance(cells, list):
            raise _invalid(
                f"body failed validation: {place}.cells should be an array, "
                f"instead was `{json.dumps(cells) if 'cells' in content else 'undefined'}`."
            )
        return {"cells": [self._rich_text(cell, f"{place}.cells[{i}]") for i, cell in enumerate(cells)]}

    def _block(
        self, block: Any, parent: dict, where: str, level: int, *, table_width: int | None = None
    ) -> tuple[dict, list[tuple[dict, list]]]:
        """A new block from its request, and its children (each with theirs), not stored yet.
        `table_width`: the width of the table the block is a row of (only a table's children are
        rows, and all of them are)."""
        if not isinstance(block, dict):
            raise _invalid(f"body failed validation: {where} should be an object.")
        kinds = [key for key in block if key in self.block_contents]
        if len(kinds) != 1 or block.get("type", kinds[0]) != kinds[0]:
            raise _invalid(f"body failed validation: {where} should have exactly one block type.")
        kind = kinds[0]
        place = f"{where}.{kind}"
        if not isinstance(block[kind], dict):
            raise _invalid(f"body failed validation: {place} should be an object.")
        if kind == "table_row" and table_width is None:
            raise _invalid(f"{place}: a table_row block can only be a child of a table block.")
        if kind != "table_row" and table_width is not None:
            raise _invalid(f"{place}: a table's children can only be table_row blocks.")
        content = block[kind]
        data = self.block_contents[kind](content, place)
        if kind == "table_row" and len(data["cells"]) != table_width:
            raise _invalid(
                "Number of cells in table row must match the table width of the parent table: "
                f"{place}.cells.length should be `{table_width}`, instead was `{len(data['cells'])}`."
            )
        block_id = str(uuid.uuid4())
        children: list[tuple[dict, list]] = []
        if "children" in content:
            if kind in CHILDLESS_BLOCKS or level >= NESTING_LIMIT:
                raise _invalid(
                    f"body failed validation: {place}.children should be not present, "
                    f"instead was `{json.dumps(content['children'], ensure_ascii=False)[:200]}`."
                )
            children = self._block_tree(
                content["children"],
                {"type": "block_id", "block_id": block_id},
                f"{place}.children",
                level + 1,
                table_width=data["table_width"] if kind == "table" else None,
            )
        if kind == "table" and not children:
            # A table is made with its first rows ("Table": children required when it is created).
            raise _invalid(
                f"body failed validation: {place}.children should be defined, instead was `undefined`."
                if "children" not in content
                else f"body failed validation: {place}.children.length should be ≥ `1`, instead was `0`."
            )
        now = _now()
        new = {
            "object": "block",
            "id": block_id,
            "parent": parent,
            "created_time": now,
            "last_edited_time": now,
            "created_by": self._user(),
            "last_edited_by": self._user(),
            "has_children": bool(children),
            "archived": False,
            "in_trash": False,
            "type": kind,
            kind: data,
        }
        return new, children

    def _block_tree(
        self, value: Any, parent: dict, where: str, level: int, *, table_width: int | None = None
    ) -> list[tuple[dict, list]]:
        if not isinstance(value, list):
            raise _invalid(f"body failed validation: {where} should be an array.")
        if len(value) > ARRAY_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.length should be ≤ `{ARRAY_LIMIT}`, "
                f"instead was `{len(value)}`."
            )
        return [
            self._block(block, parent, f"{where}[{i}]", level, table_width=table_width)
            for i, block in enumerate(value)
        ]

    def _keep_nested(self, tree: list[tuple[dict, list]]) -> None:
        """Store the children in `tree` under their parents, depth first, in order."""
        for block, children in tree:
            for child, _ in children:
                self.store.put(child)
                self.store.add_child(block["id"], child["id"])
            self._keep_nested(children)

    def _blocks(
        self,
        value: Any,
        parent_id: str,
        where: str,
        *,
        parent_kind: str = "page",
        table_width: int | None = None,
    ) -> list[dict]:
        """The new blocks of a request, checked as Notion checks them; their children, checked
        and stored under them, are in the store already, the blocks themselves not yet.
        `table_width`: the width of the table they are appended to (rows, then)."""
        parent = {"type": f"{parent_kind}_id", f"{parent_kind}_id": parent_id}
        tree = self._block_tree(value, parent, where, 1, table_width=table_width)

        def count(nodes: list[tuple[dict, list]]) -> int:
            return sum(1 + count(children) for _, children in nodes)

        if count(tree) > ELEMENT_LIMIT:
            raise _invalid(
                f"body failed validation: a request may hold at most {ELEMENT_LIMIT} block elements, "
                f"instead was `{count(tree)}`."
            )
        self._keep_nested(tree)

        def media(nodes: list[tuple[dict, list]]) -> Iterable[dict]:
            for block, children in nodes:
                if block["type"] in MEDIA_BLOCKS:
                    yield block[block["type"]]
                yield from media(children)

        self._attach(media(tree))
        return [block for block, _ in tree]

    @staticmethod
    def _listing(items: list[dict], query: dict, kind: str) -> dict:
        try:
            size = min(ARRAY_LIMIT, max(1, int(query.get("page_size", ARRAY_LIMIT))))
        except ValueError:
            raise _invalid("page_size should be a number.") from None
        start = 0
        if query.get("start_cursor"):
            ids = [item["id"] for item in items]
            if query["start_cursor"] not in ids:
                raise _invalid("start_cursor should be a valid cursor.")
            start = ids.index(query["start_cursor"])
        page = items[start : start + size]
        more = start + size < len(items)
        return {
            "object": "list",
            "results": page,
            "next_cursor": items[start + size]["id"] if more else None,
            "has_more": more,
            "type": kind,
            kind: {},
        }

    def _schema(self, body: dict) -> dict:
        """The `properties` of a new database's data source, checked and shaped as Notion does."""
        initial = body.get("initial_data_source") or {}
        if not isinstance(initial, dict):
            raise _invalid("body failed validation: body.initial_data_source should be an object.")
        schema = initial.get("properties")
        where = "body.initial_data_source.properties"
        if not schema:  # as with no schema at all: a title column called Name
            return {"Name": self._property("Name", {"title": {}}, f"{where}.Name")}
        if not isinstance(schema, dict):
            raise _invalid(
                f"body failed validation: {where} should be an object, instead was `{json.dumps(schema)}`."
            )
        properties = {name: self._property(name, spec, f"{where}.{name}") for name, spec in schema.items()}
        if [p["type"] for p in properties.values()].count("title") != 1:
            raise _invalid("Title is not provided. A data source needs exactly one title property.")
        return properties

    def _property(self, name: str, spec: Any, where: str) -> dict:
        if not isinstance(spec, dict):
            raise _invalid(
                f"body failed validation: {where} should be an object, instead was `{json.dumps(spec)}`."
            )
        kinds = [key for key in spec if key != "type"]
        if len(kinds) != 1 or kinds[0] not in PROPERTY_TYPES or spec.get("type", kinds[0]) != kinds[0]:
            raise _invalid(
                f"body failed validation: {where} should have exactly one property type of "
                f"{', '.join(sorted(PROPERTY_TYPES))}, instead was `{json.dumps(sorted(spec))}`."
            )
        kind = kinds[0]
        config = spec[kind]
        if config is None:
            config = {}
        if not isinstance(config, dict):
            raise _invalid(
                f"body failed validation: {where}.{kind} should be an object, "
                f"instead was `{json.dumps(config)}`."
            )
        if kind in ("select", "multi_select"):
            config = {"options": self._options(config.get("options", []), kind, f"{where}.{kind}.options")}
        elif kind == "number":
            number_format = config.get("format", "number")
            if number_format not in NUMBER_FORMATS:
                raise _invalid(
                    f"body failed validation: {where}.number.format should be one of "
                    f"{', '.join(f'`{f}`' for f in NUMBER_FORMATS)}, "
                    f"instead was `{json.dumps(number_format)}`."
                )
            config = {"format": number_format}
        elif kind == "relation":
            config = self._relation_config(config, f"{where}.relation")
        return {
            "id": "title" if kind == "title" else uuid.uuid4().hex[:4],
            "name": name,
            "description": spec.get("description"),
            "type": kind,
            kind: config,
        }

    def _relation_config(self, config: dict, where: str) -> dict:
        """A relation's schema as Notion keeps it ("Data source properties", relation): the data source
        it relates to, and that data source's database. One-way (`single_property`) only here."""
        source_id = self._id(config.get("data_source_id"), f"body failed validation: {where}.data_source_id")
        related = self.store.get(source_id)
        if related is None or related["object"] != "data_source" or related.get("in_trash"):
            raise _invalid(
                f"Could not find data source with ID: {source_id}. Make sure the relevant pages and "
                "databases are shared with your integration."
            )
        if "dual_property" in config:
            raise _invalid(
                f"body failed validation: {where}: this sandbox makes single_property relations only."
            )
        if not isinstance(config.get("single_property"), dict):
            raise _invalid(
                f"body failed validation: {where}.single_property should be defined, instead was `undefined`."
            )
        return {
            "database_id": related["parent"]["database_id"],
            "data_source_id": source_id,
            "type": "single_property",
            "single_property": {},
        }

    def _options(self, options: Any, kind: str, where: str) -> list[dict]:
        if not isinstance(options, list):
            raise _invalid(
                f"body failed validation: {where} should be an array, instead was `{json.dumps(options)}`."
            )
        if len(options) > ARRAY_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.length should be ≤ `{ARRAY_LIMIT}`, "
                f"instead was `{len(options)}`."
            )
        shaped, names = [], set()
        for index, option in enumerate(options):
            name = option.get("name") if isinstance(option, dict) else None
            if not isinstance(name, str) or not name.strip():
                raise _invalid(f"body failed validation: {where}[{index}].name should be defined.")
            if "," in name:
                raise _invalid(f"Invalid {kind} option, commas not allowed: {name}")
            if name in names:
                raise _invalid(f"Duplicate {kind} option: {name}")
            names.add(name)
            shaped.append(
                {
                    "id": str(uuid.uuid4()),
                    "name": name,
                    "color": option.get("color") or "default",
                    "description": option.get("description"),
                }
            )
        return shaped

    # Endpoints

    def create_database(self, *, body: dict, query: dict) -> dict:
        parent_id = self._parent_page(body)
        title = self._rich_text(body.get("title", []), "body.title")
        properties = self._schema(body)
        database_id, source_id = str(uuid.uuid4()), str(uuid.uuid4())
        url = f"https://www.notion.so/{database_id.replace('-', '')}"
        now = _now(precise=True)
        database = {
            "object": "database",
            "id": database_id,
            "title": title,
            "description": [],
            "parent": {"type": "page_id", "page_id": parent_id},
            "is_inline": bool(body.get("is_inline", False)),
            "in_trash": False,
            "is_locked": False,
            "created_time": now,
            "last_edited_time": now,
            "data_sources": [{"id": source_id, "name": plain_text(title)}],
            "icon": None,
            "cover": None,
            "url": url,
            "public_url": None,
        }
        minute = _now()
        source = {
            "object": "data_source",
            "id": source_id,
            "cover": None,
            "icon": None,
            "created_time": minute,
            "created_by": self._user(),
            "last_edited_by": self._user(),
            "last_edited_time": minute,
            "title": title,
            "description": [],
            "is_inline": database["is_inline"],
            "properties": properties,
            "parent": {"type": "database_id", "database_id": database_id},
            "database_parent": {"type": "page_id", "page_id": parent_id},
            "url": url,
            "public_url": None,
            "archived": False,
            "in_trash": False,
        }
        self.store.put(database)
        self.store.put(source)
        self._put_view(database_id, source_id, "Table", "table", {"type": "table"})
        return dict(database)

    def retrieve_database(self, raw_id: str, *, body: dict, query: dict) -> dict:
        return dict(
            self._get(self._id(raw_id, "path failed validation: path.database_id"), ("database",), "database")
        )

    def retrieve_data_source(self, raw_id: str, *, body: dict, query: dict) -> dict:
        source_id = self._id(raw_id, "path failed validation: path.data_source_id")
        return dict(self._get(source_id, ("data_source",), "data_source"))

    def update_data_source(self, raw_id: str, *, body: dict, query: dict) -> dict:
        """`body.properties` changes the schema as Notion does: a property's schema adds it (or
        changes its type), `{"name": ...}` renames it, null removes it; `title` and `in_trash`
        (or `archived`) change those. The answer is the whole data source, as retrieve gives it."""
        source_id = self._id(raw_id, "path failed validation: path.data_source_id")
        source = copy.deepcopy(self._get(source_id, ("data_source",), "data_source"))
        changes = body.get("properties", {})
        if not isinstance(changes, dict):
            raise _invalid(
                "body failed validation: body.properties should be an object, "
                f"instead was `{json.dumps(changes)}`."
            )
        schema = source["properties"]
        by_id = {spec["id"]: name for name, spec in schema.items()}
        for key, change in changes.items():
            name = key if key in schema else by_id.get(key)
            where = f"body.properties.{key}"
            if change is None or (isinstance(change, dict) and set(change) == {"name"}):
                if name is None:
                    raise _invalid(f"Could not find property with name or id: {key}")
                if change is None:
                    if schema[name]["type"] == "title":
                        raise _invalid("Cannot delete the title property of a data source.")
                    del schema[name]
                else:
                    new_name = self._property_name(change["name"], f"{where}.name")
                    schema[new_name] = {**schema.pop(name), "name": new_name}
                continue
            asked_name = change.get("name", name or key) if isinstance(change, dict) else key
            spec = self._property(
                self._property_name(asked_name, f"{where}.name"),
                {k: v for k, v in change.items() if k != "name"} if isinstance(change, dict) else change,
                where,
            )
            if name is not None:
                if schema[name]["type"] == "title" and spec["type"] != "title":
                    raise _invalid("Cannot change the type of the title property.")
                spec["id"] = schema.pop(name)["id"]
            elif spec["type"] == "title":
                raise _invalid("A data source has exactly one title property: another can't be added.")
            schema[spec["name"]] = spec
        if "title" in body:
            source["title"] = self._rich_text(body["title"], "body.title")
        for flag in ("in_trash", "archived"):
            if flag in body:
                if not isinstance(body[flag], bool):
                    raise _invalid(f"body failed validation: body.{flag} should be a boolean.")
                source["in_trash"] = source["archived"] = body[flag]
        source["last_edited_time"] = _now()
        source["last_edited_by"] = self._user()
        self.store.put(source)
        return dict(source)

    @staticmethod
    def _property_name(name: Any, where: str) -> str:
        if not isinstance(name, str) or not name.strip():
            raise _invalid(f"body failed validation: {where} should be a non-empty string.")
        return name

    def query_data_source(self, raw_id: str, *, body: dict, query: dict) -> dict:
        """The data source's pages, oldest first, those matching `body.filter` only (see `_filter`)."""
        source_id = self._id(raw_id, "path failed validation: path.data_source_id")
        source = self._get(source_id, ("data_source",), "data_source")
        matches = self._filter(source, body.get("filter"), "body.filter")
        pages = [
            obj
            for obj in reversed(list(self.store.newest_first(("page",))))
            if obj.get("parent", {}).get("data_source_id") == source_id
            and not obj.get("in_trash")
            and matches(obj)
        ]
        return self._listing(pages, body, "page_or_data_source")

    def _filter(self, source: dict, condition: Any, where: str, depth: int = 0) -> Callable[[dict], bool]:
        """A test of a page for a filter ("Filter data source entries"): a compound `or`/`and` of
        conditions, nested two levels at most, or one condition on a property: `equals` (and
        `contains` for text) on title, rich_text, number, select, email, url, phone_number,
        checkbox and unique_id, `contains` on a relation (a page ID), `is_empty` on any of them."""
        if condition is None and depth == 0:
            return lambda page: True
        if isinstance(condition, dict) and len(condition) == 1 and set(condition) <= {"or", "and"}:
            [(joined, parts)] = condition.items()
            if depth >= 2:
                raise _invalid(f"body failed validation: {where} is nested more than two levels deep.")
            tests = [
                self._filter(source, part, f"{where}.{joined}[{i}]", depth + 1)
                for i, part in enumerate(self._items(parts, f"{where}.{joined}"))
            ]
            combine = any if joined == "or" else all
            return lambda page: combine(test(page) for test in tests)
        if not isinstance(condition, dict) or not isinstance(condition.get("property"), str):
            raise _invalid(f"body failed validation: {where}.property should be defined.")
        name = condition["property"]
        by_id = {spec["id"]: key for key, spec in source["properties"].items()}
        name = name if name in source["properties"] else by_id.get(name, name)
        if name not in source["properties"]:
            raise _invalid(f"Could not find property with name or id: {condition['property']}")
        kind = source["properties"][name]["type"]
        test = condition.get(kind)
        if kind not in _FILTERED or not isinstance(test, dict) or len(test) != 1:
            raise _invalid(
                f"body failed validation: {where}.{kind} should be a {kind} filter "
                f"(this sandbox filters {', '.join(sorted(_FILTERED))} properties)."
            )
        [(operator, wanted)] = test.items()
        if operator == "is_empty" and wanted is True:
            return lambda page: _filter_value(kind, page["properties"].get(name, {})) in (None, "", [])
        if operator not in _FILTERED[kind]:
            raise _invalid(f"body failed validation: {where}.{kind}.{operator} is not supported here.")

        def matches(page: dict) -> bool:
            held = _filter_value(kind, page["properties"].get(name, {}))
            if operator == "contains" and kind == "relation":
                return parse_notion_id(str(wanted)) in held
            if operator == "contains":
                return str(wanted).lower() in str(held or "").lower()
            return held == wanted

        return matches

    def create_page(self, *, body: dict, query: dict) -> dict:
        parent = body.get("parent")
        properties = body.get("properties")
        if not isinstance(parent, dict):
            raise _invalid("body failed validation: body.parent should be defined, instead was `undefined`.")
        if not isinstance(properties, dict):
            raise _invalid("body failed validation: body.properties should be an object.")
        page_id = str(uuid.uuid4())
        if "data_source_id" in parent:
            source_id = self._id(
                parent["data_source_id"], "body failed validation: body.parent.data_source_id"
            )
            # A copy: new select options join the stored schema only if the whole page is made.
            source = copy.deepcopy(self._get(source_id, ("data_source",), "data_source"))
            full_parent = {
                "type": "data_source_id",
                "data_source_id": source_id,
                "database_id": source["parent"]["database_id"],
            }
            page_properties = self._page_values(source, properties)
        elif "page_id" in parent:
            parent_id = self._id(parent["page_id"], "body failed validation: body.parent.page_id")
            self._get(parent_id, ("page",), "page")
            full_parent = {"type": "page_id", "page_id": parent_id}
            if set(properties) - {"title"}:
                raise _invalid("body failed validation: a page under a page has only a title property.")
            title = _title_value(properties.get("title"))
            page_properties = {
                "title": {
                    "id": "title",
                    "type": "title",
                    "title": self._rich_text(title, "body.properties.title.title"),
                }
            }
        else:
            raise _invalid("body failed validation: body.parent should have a data_source_id or a page_id.")
        template = self._chosen_template(body, parent)
        blocks = self._blocks(body.get("children", []), page_id, "body.children")
        page = self._page(page_id, parent=full_parent, properties=page_properties)
        if "data_source_id" in parent:
            self._fill_set_by_notion(page, source)
            self.store.put(source)
            self._attach(
                file
                for value in page_properties.values()
                if value["type"] == "files"
                for file in value["files"]
            )
        answer = copy.deepcopy(page)
        if template is not None:
            self._apply_template(template, page, source, given=properties)
        self.store.put(page)
        for block in blocks:
            self.store.put(block)
            self.store.add_child(page_id, block["id"])
        # With a template, the answer is the page before Notion applied it: empty but for what was sent.
        return answer

    # Data source templates ("Creating pages from templates", "List data source templates")

    def _templates(self, source_id: str) -> list[dict]:
        found = (self.store.get(child) for child in self.store.children(source_id))
        return [obj for obj in found if obj and obj["object"] == "template"]

    def list_templates(self, raw_id: str, *, body: dict, query: dict) -> dict:
        source_id = self._id(raw_id, "path failed validation: path.data_source_id")
        self._get(source_id, ("data_source",), "data_source")
        shown = [
            {"id": one["id"], "name": one["name"], "is_default": one["is_default"]}
            for one in self._templates(source_id)
        ]
        listing = self._listing(shown, query, "template")
        return {
            "templates": listing["results"],
            "has_more": listing["has_more"],
            "next_cursor": listing["next_cursor"],
        }

    def _chosen_template(self, body: dict, parent: dict) -> dict | None:
        """The template a "Create a page" body asks for, checked; None for none."""
        chosen = body.get("template", {"type": "none"})
        kind = chosen.get("type") if isinstance(chosen, dict) else None
        if kind not in ("none", "default", "template_id"):
            raise _invalid(
                "body failed validation: body.template.type should be `none`, `default` or `template_id`."
            )
        if kind == "none":
            return None
        if "data_source_id" not in parent:
            raise _invalid("A template can only be applied to a page whose parent is a data source.")
        if body.get("children"):
            raise _invalid("body failed validation: children can't be given with a template.")
        source_id = parse_notion_id(str(parent["data_source_id"]))
        templates = self._templates(str(source_id))
        if kind == "default":
            defaults = [one for one in templates if one["is_default"]]
            if not defaults:
                raise _invalid("This data source has no default template.")
            return defaults[0]
        template_id = self._id(chosen.get("template_id"), "body failed validation: body.template.template_id")
        found = [one for one in templates if one["id"] == template_id]
        if not found:
            raise _not_found("template", template_id)
        return found[0]

    def _apply_template(self, template: dict, page: dict, source: dict, *, given: dict) -> None:
        """What Notion does in the background: the template's values go into the properties the
        request left out, and a copy of its blocks into the page."""
        held = self._page_values(copy.deepcopy(source), template["properties"])
        for name, value in held.items():
            in_template = name in template["properties"] or value["id"] in template["properties"]
            if in_template and name not in given and value["id"] not in given:
                page["properties"][name] = value
        self._copy_blocks(template["id"], page["id"], "page")

    def _copy_blocks(self, from_id: str, to_id: str, parent_kind: str) -> None:
        for child_id in self.store.children(from_id):
            block = self.store.get(child_id)
            if block is None or block["object"] != "block":
                continue
            now = _now()
            copied = {
                **copy.deepcopy(block),
                "id": str(uuid.uuid4()),
                "parent": {"type": f"{parent_kind}_id", f"{parent_kind}_id": to_id},
                "created_time": now,
                "last_edited_time": now,
            }
            self.store.put(copied)
            self.store.add_child(to_id, copied["id"])
            if block.get("has_children"):
                self._copy_blocks(child_id, copied["id"], "block")

    # Page property values, checked against the data source's schema as Notion checks them

    def _page_values(self, source: dict, given: dict) -> dict:
        """The page's `properties` for the values `given` (by property name or ID), each as Notion
        shapes it; the properties not given are empty. New select options join the schema."""
        schema = source["properties"]
        by_id = {spec["id"]: name for name, spec in schema.items()}
        values = {}
        for key, value in given.items():
            name = key if key in schema else by_id.get(key)
            if name is None:
                raise _invalid(f"{key} is not a property that exists.")
            spec = schema[name]
            kind = spec["type"]
            if kind in READ_ONLY_TYPES:
                raise _invalid(f"{name} is a {kind} property: Notion sets its value, it can't be set.")
            if kind not in _SETTABLE:
                raise _invalid(f"{name} is a {kind} property, which this sandbox can't set.")
            if kind == "title" and not isinstance(value, dict):
                value = {"title": value}
            if not isinstance(value, dict) or kind not in value or value.get("type", kind) != kind:
                raise _invalid(f"{name} is expected to be {kind}.")
            values[name] = self._page_value(source, name, value[kind], f"body.properties.{name}.{kind}")
        shaped = {}
        for name, spec in schema.items():
            kind = spec["type"]
            value = values[name] if name in values else _EMPTY_VALUES.get(kind)
            shaped[name] = {"id": spec["id"], "type": kind, kind: value}
            if kind == "relation":
                shaped[name]["has_more"] = False
        return shaped

    def _page_value(self, source: dict, name: str, value: Any, where: str) -> Any:
        kind = source["properties"][name]["type"]
        shown = json.dumps(value, ensure_ascii=False)[:200]
        if kind in ("title", "rich_text"):
            return self._rich_text(value, where)
        if kind == "checkbox":
            if not isinstance(value, bool):
                raise _invalid(f"body failed validation: {where} should be a boolean, instead was `{shown}`.")
            return value
        if value is None:
            return [] if kind in ("multi_select", "people", "files") else None
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise _invalid(
                    f"body failed validation: {where} should be a number or `null`, instead was `{shown}`."
                )
            return value
        if kind in ("url", "email", "phone_number"):
            limit = URL_LIMIT if kind == "url" else CONTACT_LIMIT
            if not isinstance(value, str):
                raise _invalid(
                    f"body failed validation: {where} should be a string or `null`, instead was `{shown}`."
                )
            if utf16_len(value) > limit:
                raise _invalid(
                    f"body failed validation: {where}.length should be ≤ `{limit}`, "
                    f"instead was `{utf16_len(value)}`."
                )
            return value
        if kind in ("select", "status"):
            return self._option(source, name, value, where)
        if kind == "date":
            return self._date(value, where)
        items = self._items(value, where)
        if kind == "relation":
            related = source["properties"][name]["relation"]["data_source_id"]
            return [self._related_page(item, related, f"{where}[{i}]") for i, item in enumerate(items)]
        if kind == "multi_select":
            return [self._option(source, name, item, f"{where}[{i}]") for i, item in enumerate(items)]
        if kind == "people":
            return [
                {"object": "user", "id": self._person(item, f"{where}[{i}]")} for i, item in enumerate(items)
            ]
        return [self._file(item, f"{where}[{i}]") for i, item in enumerate(items)]

    @staticmethod
    def _items(value: Any, where: str) -> list:
        if not isinstance(value, list):
            raise _invalid(
                f"body failed validation: {where} should be an array, instead was `{json.dumps(value)}`."
            )
        if len(value) > ARRAY_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.length should be ≤ `{ARRAY_LIMIT}`, "
                f"instead was `{len(value)}`."
            )
        return value

    def _option(self, source: dict, name: str, value: Any, where: str) -> dict:
        """The schema's option named (or with the ID) in `value`; a new select option is added to
        the schema, as Notion does; a status option must exist."""
        spec = source["properties"][name]
        kind = spec["type"]
        if not isinstance(value, dict) or not isinstance(value.get("name", value.get("id")), str):
            raise _invalid(
                f"body failed validation: {where}.name should be a string, instead was `undefined`."
            )
        options = _shaped_options(spec)
        wanted_name, wanted_id = value.get("name"), value.get("id")
        for option in options:
            if option["name"] == wanted_name or (wanted_id is not None and option["id"] == wanted_id):
                return {"id": option["id"], "name": option["name"], "color": option["color"]}
        if kind == "status" or wanted_name is None:
            what = wanted_name if wanted_name is not None else wanted_id
            raise _invalid(f'Invalid {kind} option. {kind.capitalize()} option "{what}" does not exist.')
        if "," in wanted_name:
            raise _invalid(f"Invalid {kind} option, commas not allowed: {wanted_name}")
        if utf16_len(wanted_name) > OPTION_NAME_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.name.length should be ≤ `{OPTION_NAME_LIMIT}`, "
                f"instead was `{utf16_len(wanted_name)}`."
            )
        option = {"id": str(uuid.uuid4()), "name": wanted_name, "color": "default", "description": None}
        options.append(option)
        return {"id": option["id"], "name": option["name"], "color": option["color"]}

    @staticmethod
    def _date(value: Any, where: str) -> dict:
        if not isinstance(value, dict) or not _is_iso_date(value.get("start")):
            start = json.dumps(value.get("start") if isinstance(value, dict) else value)
            raise _invalid(
                f"body failed validation: {where}.start should be a valid ISO 8601 date string, "
                f"instead was `{start}`."
            )
        end = value.get("end")
        if end is not None and not _is_iso_date(end):
            raise _invalid(
                f"body failed validation: {where}.end should be a valid ISO 8601 date string, "
                f"instead was `{json.dumps(end)}`."
            )
        return {"start": value["start"], "end": end, "time_zone": value.get("time_zone")}

    def _related_page(self, value: Any, source_id: str, where: str) -> dict:
        """A page reference of a relation value: a page of the related data source ("Page properties",
        relation). Notion's docs name no message for another page: the sandbox answers 400
        validation_error, naming the page."""
        page_id = self._id(
            value.get("id") if isinstance(value, dict) else None, f"body failed validation: {where}.id"
        )
        page = self.store.get(page_id)
        if (
            page is None
            or page["object"] != "page"
            or page.get("in_trash")
            or page.get("parent", {}).get("data_source_id") != source_id
        ):
            raise _invalid(f"Relation page {page_id} is not a page of the related data source {source_id}.")
        return {"id": page_id}

    def _person(self, value: Any, where: str) -> str:
        raw = value.get("id") if isinstance(value, dict) else None
        return self._id(raw, f"body failed validation: {where}.id")

    def _file(self, value: Any, where: str) -> dict:
        if (
            isinstance(value, dict)
            and value.get("type", "file_upload" if "file_upload" in value else "") == "file_upload"
        ):
            attached = self._attachment(value.get("file_upload"), f"{where}.file_upload")
            name = value.get("name") if isinstance(value.get("name"), str) and value.get("name") else None
            name = name or self._file_upload(attached["_upload"])["filename"]
            return {"name": name[:FILE_NAME_LIMIT], **attached}
        external = value.get("external") if isinstance(value, dict) else None
        url = external.get("url") if isinstance(external, dict) else None
        if not isinstance(url, str) or not url:
            raise _invalid(
                f"body failed validation: {where}.external.url should be defined, instead was `undefined`."
            )
        if utf16_len(url) > URL_LIMIT:
            raise _invalid(
                f"body failed validation: {where}.external.url.length should be ≤ `{URL_LIMIT}`, "
                f"instead was `{utf16_len(url)}`."
            )
        name = value.get("name") if isinstance(value.get("name"), str) and value.get("name") else url
        return {"name": name[:FILE_NAME_LIMIT], "type": "external", "external": {"url": url}}

    def _fill_set_by_notion(self, page: dict, source: dict) -> None:
        """The values Notion gives a new page's read-only properties."""
        pages = [
            obj
            for obj in self.store.newest_first(("page",))
            if obj.get("parent", {}).get("data_source_id") == source["id"]
        ]
        for name, value in page["properties"].items():
            kind = value["type"]
            if kind in ("created_time", "last_edited_time"):
                value[kind] = page[kind]
            elif kind in ("created_by", "last_edited_by"):
                value[kind] = self._user()
            elif kind == "unique_id":
                prefix = (source["properties"][name].get("unique_id") or {}).get("prefix")
                value[kind] = {"prefix": prefix, "number": len(pages) + 1}

    def retrieve_page(self, raw_id: str, *, body: dict, query: dict) -> dict:
        return dict(self._get(self._id(raw_id, "path failed validation: path.page_id"), ("page",), "page"))

    def update_page(self, raw_id: str, *, body: dict, query: dict) -> dict:
        """ "Update page properties": the values given replace the page's, the others stay;
        `in_trash` moves it to the trash or back."""
        page_id = self._id(raw_id, "path failed validation: path.page_id")
        page = copy.deepcopy(self._get(page_id, ("page",), "page"))
        properties = body.get("properties", {})
        if not isinstance(properties, dict):
            raise _invalid("body failed validation: body.properties should be an object.")
        if page.get("in_trash") and body.get("in_trash") is not False:
            raise _invalid("Can't edit block that is archived. You must unarchive the block before editing.")
        source_id = page.get("parent", {}).get("data_source_id")
        if properties:
            if not source_id:
                raise _invalid("body failed validation: a page under a page has only a title property.")
            source = copy.deepcopy(self._get(source_id, ("data_source",), "data_source"))
            shaped = self._page_values(source, properties)
            given = {name for name in shaped if name in properties or shaped[name]["id"] in properties}
            for name in given:
                page["properties"][name] = shaped[name]
            self.store.put(source)
        if isinstance(body.get("in_trash"), bool):
            page["in_trash"] = page["archived"] = body["in_trash"]
        page["last_edited_time"] = _now()
        self.store.put(page)
        return dict(page)

    def append_children(self, raw_id: str, *, body: dict, query: dict) -> dict:
        block_id = self._id(raw_id, "path failed validation: path.block_id")
        parent = self._get(block_id, ("page", "block"), "block")
        if "children" not in body:
            raise _invalid(
                "body failed validation: body.children should be defined, instead was `undefined`."
            )
        # Rows may be appended to a table ("Table"), each as wide as the table was made.
        table_width = parent["table"]["table_width"] if parent.get("type") == "table" else None
        blocks = self._blocks(
            body["children"],
            block_id,
            "body.children",
            parent_kind=parent["object"],
            table_width=table_width,
        )
        for block in blocks:
            self.store.put(block)
            self.store.add_child(block_id, block["id"])
        if parent["object"] == "block" and blocks and not parent["has_children"]:
            self.store.put({**parent, "has_children": True})
        return self._listing(blocks, {}, "block")

    def list_children(self, raw_id: str, *, body: dict, query: dict) -> dict:
        block_id = self._id(raw_id, "path failed validation: path.block_id")
        self._get(block_id, ("page", "block"), "block")
        children = [self.store.get(child) for child in self.store.children(block_id)]
        return self._listing([c for c in children if c], query, "block")

    def delete_block(self, raw_id: str, *, body: dict, query: dict) -> dict:
        """Move a page, a database or a block to the trash; answer with it as a block, as Notion does."""
        block_id = self._id(raw_id, "path failed validation: path.block_id")
        obj = self.store.get(block_id)
        if obj is None or obj["object"] not in ("page", "database", "block"):
            raise _not_found("block", block_id)
        if obj.get("in_trash"):
            raise _invalid("Can't edit block that is archived. You must unarchive the block before editing.")
        now = _now()
        self.store.put({**obj, "archived": True, "in_trash": True, "last_edited_time": now})
        if obj["object"] == "database":
            for ref in obj["data_sources"]:
                source = self.store.get(ref["id"])
                if source is not None:
                    self.store.put({**source, "archived": True, "in_trash": True})
        if obj["object"] == "block":
            return {**obj, "archived": True, "in_trash": True, "last_edited_time": now}
        kind, title = (
            ("child_database", plain_text(obj["title"]))
            if obj["object"] == "database"
            else ("child_page", title_of(obj))
        )
        return {
            "object": "block",
            "id": block_id,
            "parent": obj["parent"],
            "created_time": obj["created_time"],
            "last_edited_time": now,
            "created_by": obj.get("created_by", self._user()),
            "last_edited_by": self._user(),
            "has_children": bool(self.store.children(block_id)),
            "archived": True,
            "in_trash": True,
            "type": kind,
            kind: {"title": title},
        }

    def create_comment(self, *, body: dict, query: dict) -> dict:
        parent = body.get("parent")
        if isinstance(parent, dict) and "block_id" in parent:
            block_id = self._id(parent["block_id"], "body failed validation: body.parent.block_id")
            self._get(block_id, ("block",), "block")
            comment_parent = {"type": "block_id", "block_id": block_id}
        else:
            comment_parent = {"type": "page_id", "page_id": self._parent_page(body)}
        now = _now()
        comment = {
            "object": "comment",
            "id": str(uuid.uuid4()),
            "parent": comment_parent,
            "discussion_id": str(uuid.uuid4()),
            "created_time": now,
            "last_edited_time": now,
            "created_by": self._user(),
            "rich_text": self._rich_text(body.get("rich_text"), "body.rich_text"),
            "display_name": {"type": "integration", "resolved_name": self.integration_name},
        }
        self.store.put(comment)
        return dict(comment)

    def list_comments(self, *, body: dict, query: dict) -> dict:
        parent_id = self._id(query.get("block_id"), "query failed validation: query.block_id")
        self._get(parent_id, ("page", "block"), "block")
        comments = [
            obj
            for obj in self.store.newest_first(("comment",))
            if parent_id in (obj["parent"].get("page_id"), obj["parent"].get("block_id"))
        ]
        return self._listing(list(reversed(comments)), query, "comment")

    def me(self, *, body: dict, query: dict) -> dict:
        """The token's bot user, as Notion shows an internal integration's (owned by its workspace)."""
        return {
            "object": "user",
            "id": self.bot_id,
            "name": self.integration_name,
            "avatar_url": None,
            "type": "bot",
            "bot": {
                "owner": {"type": "workspace", "workspace": True},
                "workspace_name": self.workspace_name,
                "workspace_id": self.workspace_id,
                "workspace_limits": {"max_file_upload_size_in_bytes": self.max_file_size},
            },
        }

    def search(self, *, body: dict, query: dict) -> dict:
        text = str(body.get("query") or "").lower()
        wanted = (body.get("filter") or {}).get("value")
        if wanted not in (None, "page", "data_source"):
            raise _invalid("body failed validation: body.filter.value should be `page` or `data_source`.")
        found = []
        for obj in self.store.newest_first(("page", "data_source")):
            if obj.get("in_trash"):
                continue
            if wanted and obj["object"] != wanted:
                continue
            if text in title_of(obj).lower():
                found.append(obj)
        return self._listing(found, body, "page_or_data_source")

    # Views ("Working with views", "Create a view", "Retrieve a view", "List views"; the object as
    # "View" shapes it). A view is an object of its own naming its database; every database is made
    # with a table view, as Notion makes one ("Working with views": default behavior).

    def _put_view(self, database_id: str, source_id: str, name: str, kind: str, configuration: dict) -> dict:
        view_id, now = str(uuid.uuid4()), _now(precise=True)
        view = {
            "object": "view",
            "id": view_id,
            "parent": {"type": "database_id", "database_id": database_id},
            "data_source_id": source_id,
            "name": name,
            "type": kind,
            "filter": None,
            "sorts": None,
            "configuration": configuration,
            "created_time": now,
            "created_by": self._user(),
            "last_edited_time": now,
            "last_edited_by": self._user(),
            "url": f"https://www.notion.so/{database_id.replace('-', '')}?v={view_id.replace('-', '')}",
        }
        self.store.put(view)
        return view

    def _view_property(self, source: dict, raw_id: Any, kinds: frozenset[str] | set[str], where: str) -> dict:
        """The property of `source` with the ID `raw_id`, if of one of `kinds`."""
        found = next((p for p in source["properties"].values() if p["id"] == raw_id), None)
        if found is None:
            raise _invalid(f"body failed validation: {where}: no property with ID `{json.dumps(raw_id)}`.")
        if found["type"] not in kinds:
            raise _invalid(
                f"body failed validation: {where}: the property “{found['name']}” is a {found['type']} "
                f"property, not one of {', '.join(sorted(kinds))}."
            )
        return found

    def _view_configuration(self, kind: str, config: Any, source: dict) -> dict:
        """A board's or calendar's configuration, checked against the data source's properties (the
        sandbox asks for one: the view is laid out by it); other views keep what was sent."""
        where = "body.configuration"
        if kind not in ("board", "calendar"):
            return config if isinstance(config, dict) else {"type": kind}
        if not isinstance(config, dict):
            raise _invalid(f"body failed validation: {where} should be defined for a {kind} view.")
        if config.get("type") != kind:
            raise _invalid(f"body failed validation: {where}.type should be `{kind}`, the view's type.")
        if kind == "calendar":
            found = self._view_property(
                source, config.get("date_property_id"), {"date"}, f"{where}.date_property_id"
            )
            return {**config, "date_property_name": found["name"]}
        group = config.get("group_by")
        if not isinstance(group, dict):
            raise _invalid(f"body failed validation: {where}.group_by should be defined for a board view.")
        found = self._view_property(
            source, group.get("property_id"), BOARD_GROUP_TYPES, f"{where}.group_by.property_id"
        )
        if group.get("type") != found["type"]:
            raise _invalid(
                f"body failed validation: {where}.group_by.type should be `{found['type']}`, "
                "the property's type."
            )
        if not isinstance(group.get("sort"), dict):
            raise _invalid(f"body failed validation: {where}.group_by.sort should be defined.")
        if found["type"] == "status" and group.get("group_by") not in ("group", "option"):
            raise _invalid(
                f"body failed validation: {where}.group_by.group_by should be `group` or `option`."
            )
        return {**config, "group_by": {**group, "property_name": found["name"]}}

    def create_view(self, *, body: dict, query: dict) -> dict:
        """`{database_id, data_source_id, name, type, configuration}`: a view of the database's data
        source. Of the places a view can go (`database_id`, `view_id`, `create_database`, exactly one),
        the sandbox knows a database's tabs only."""
        places = [key for key in ("database_id", "view_id", "create_database") if key in body]
        if len(places) != 1:
            raise _invalid("Provide exactly one of database_id, view_id, or create_database.")
        if places != ["database_id"]:
            raise _invalid(
                f"body failed validation: this sandbox adds views to a database only, not {places[0]}."
            )
        database = self._get(
            self._id(body["database_id"], "body failed validation: body.database_id"),
            ("database",),
            "database",
        )
        source_id = self._id(body.get("data_source_id"), "body failed validation: body.data_source_id")
        if source_id not in [ref["id"] for ref in database["data_sources"]]:
            raise _invalid(
                f"The data source {source_id} is not a data source of the database {database['id']}."
            )
        source = self._get(source_id, ("data_source",), "data_source")
        name, kind = body.get("name"), body.get("type")
        if not isinstance(name, str) or not name.strip():
            raise _invalid("body failed validation: body.name should be a non-empty string.")
        if kind not in VIEW_TYPES:
            raise _invalid(
                "body failed validation: body.type should be one of "
                f"{', '.join(f'`{t}`' for t in VIEW_TYPES)}, instead was `{json.dumps(kind)}`."
            )
        configuration = self._view_configuration(kind, body.get("configuration"), source)
        return dict(self._put_view(database["id"], source_id, name, kind, configuration))

    def retrieve_view(self, raw_id: str, *, body: dict, query: dict) -> dict:
        return dict(self._get(self._id(raw_id, "path failed validation: path.view_id"), ("view",), "view"))

    def list_views(self, *, body: dict, query: dict) -> dict:
        """The views of `database_id` (or of `data_source_id`), oldest first, as references."""
        if not (query.get("database_id") or query.get("data_source_id")):
            raise _invalid("At least one of database_id or data_source_id is required.")
        database_id = parse_notion_id(query.get("database_id") or "")
        source_id = parse_notion_id(query.get("data_source_id") or "")
        views = [
            {"object": "view", "id": view["id"]}
            for view in reversed(list(self.store.newest_first(("view",))))
            if (not database_id or view["parent"]["database_id"] == database_id)
            and (not source_id or view["data_source_id"] == source_id)
        ]
        return self._listing(views, query, "view")

    # File uploads ("Create a file upload", "Send a file upload", "Complete a file upload",
    # "Retrieve a file upload", "List file uploads"; the object as "File Upload" shapes it)

    def _size_refused(self) -> SandboxError:
        # The wording of the error a file import reports in "Importing external files".
        limit = self.max_file_size / (1024 * 1024)
        return _invalid(
            f"The file size is not within the allowed limit of {limit:g} MiB. "
            "Please try again with a new file upload."
        )

    def _file_name(self, name: Any, content_type: str | None, where: str) -> str:
        """A file name checked as Notion checks it: at most 900 bytes, of a supported type that
        agrees with the content type."""
        if not isinstance(name, str) or not name:
            raise _invalid(f"body failed validation: {where} should be a non-empty string.")
        if len(name.encode()) > FILE_NAME_BYTES:
            raise _invalid(
                f"body failed validation: {where}.length should be ≤ `{FILE_NAME_BYTES}` bytes, "
                f"instead was `{len(name.encode())}`."
            )
        if not categories_of_name(name):
            raise _invalid(f"{where} `{name}` does not have an extension of a supported file type.")
        if content_type is not None:
            if not categories_of_content_type(content_type):
                raise _invalid(f"The content type `{content_type}` is not a supported file type.")
            if not categories_of_name(name) & categories_of_content_type(content_type):
                raise _invalid(f"The content type `{content_type}` does not match the extension of `{name}`.")
        return name

    def _public_upload(self, upload: dict) -> dict:
        return {key: value for key, value in upload.items() if not key.startswith("_")}

    def _file_upload(self, raw_id: str) -> dict:
        """The stored upload, its status brought up to date: past its expiry time, unattached, it expired."""
        upload_id = self._id(raw_id, "path failed validation: path.file_upload_id")
        upload = self.store.get(upload_id)
        if upload is None or upload["object"] != "file_upload":
            raise _not_found("file_upload", upload_id)
        state = upload["_sandbox"]
        unattached = upload["status"] in ("pending", "uploaded") and not state["attached"]
        if unattached and self.clock() >= state["expires_at"]:
            upload = {**upload, "status": "expired", "last_edited_time": _iso(self.clock())}
            self.store.put(upload)
        return copy.deepcopy(upload)

    def create_file_upload(self, *, body: dict, query: dict) -> dict:
        mode = body.get("mode", "single_part")
        if mode not in ("single_part", "multi_part", "external_url"):
            raise _invalid(
                "body failed validation: body.mode should be one of `single_part`, `multi_part`, "
                f"`external_url`, instead was `{json.dumps(mode)}`."
            )
        filename, content_type = body.get("filename"), body.get("content_type")
        if content_type is not None and not isinstance(content_type, str):
            raise _invalid("body failed validation: body.content_type should be a string.")
        if filename is None and mode != "single_part":
            raise _invalid(
                f"body failed validation: body.filename should be defined when mode is `{mode}`, "
                "instead was `undefined`."
            )
        if filename is not None:
            self._file_name(filename, content_type, "body.filename")
        now = self.clock()
        upload_id = str(uuid.uuid4())
        upload: dict[str, Any] = {
            "object": "file_upload",
            "id": upload_id,
            "created_time": _iso(now),
            "created_by": {"id": self.bot_id, "type": "bot"},
            "last_edited_time": _iso(now),
            "expiry_time": _iso(now + UPLOAD_EXPIRY_SECONDS),
            "upload_url": f"{self.api_url}/v1/file_uploads/{upload_id}/send",
            "archived": False,
            "status": "pending",
            "filename": filename,
            "content_type": content_type,
            "content_length": None,
            "_sandbox": {
                "mode": mode,
                "parts": {},
                "attached": False,
                "expires_at": now + UPLOAD_EXPIRY_SECONDS,
            },
        }
        if mode == "multi_part":
            total = body.get("number_of_parts")
            if isinstance(total, bool) or not isinstance(total, int) or not 1 <= total <= PARTS_LIMIT:
                raise _invalid(
                    f"body failed validation: body.number_of_parts should be an integer between 1 and "
                    f"{PARTS_LIMIT} when mode is `multi_part`, instead was `{json.dumps(total)}`."
                )
            upload["number_of_parts"] = {"total": total, "sent": 0}
            upload["complete_url"] = f"{self.api_url}/v1/file_uploads/{upload_id}/complete"
        if mode == "external_url":
            url = body.get("external_url")
            if not isinstance(url, str) or not url.startswith("https://") or utf16_len(url) > URL_LIMIT:
                raise _invalid("body failed validation: body.external_url should be a public https URL.")
            # The sandbox fetches nothing: the import succeeds at once, and the file stays at its URL.
            upload.pop("upload_url")
            upload["status"] = "uploaded"
            assert filename is not None  # required in this mode: checked above
            upload["content_type"] = content_type or content_type_for(filename)
            upload["file_import_result"] = {"imported_time": _iso(now), "type": "success", "success": {}}
            upload["_sandbox"]["url"] = url
        self.store.put(upload)
        return self._public_upload(upload)

    def send_file_upload(self, raw_id: str, *, request: httpx.Request) -> dict:
        upload = self._file_upload(raw_id)
        state = upload["_sandbox"]
        if state["mode"] == "external_url":
            raise _invalid("This file upload imports a file from an external URL: it takes no contents.")
        if upload["status"] != "pending":
            raise _invalid(f"This file upload is {upload['status']}: it takes no more contents.")
        fields, sent = parse_form(request.headers.get("content-type", ""), request.content)
        if sent is None:
            raise _invalid("body failed validation: body.file should be defined, instead was `undefined`.")
        expected = upload["content_type"]
        if expected and sent.content_type.split(";")[0].strip() != expected.split(";")[0].strip():
            raise _invalid(
                f"The content type of the file sent, `{sent.content_type}`, does not match the "
                f"upload's `{expected}`."
            )
        if state["mode"] == "single_part":
            if "part_number" in fields:
                raise _invalid("body failed validation: part_number is only for `multi_part` uploads.")
            filename = self._file_name(
                sent.filename or upload["filename"], sent.content_type, "file.filename"
            )
            if sent.size > self.single_part_max:
                raise _invalid(
                    f"A single-part upload takes at most {self.single_part_max} bytes, instead was "
                    f"{sent.size}: send the file in parts (mode `multi_part`)."
                )
            if sent.size > self.max_file_size:
                raise self._size_refused()
            self.blobs.write(upload["id"], 1, sent.chunks)
            stored = self.blobs.assemble(upload["id"], [1], filename=filename)
            upload.update(status="uploaded", filename=filename, content_type=sent.content_type)
            upload["content_length"] = stored.size
            state["sha256"] = stored.sha256
        else:
            total = upload["number_of_parts"]["total"]
            raw = fields.get("part_number")
            if raw is None or not raw.isdigit() or not 1 <= int(raw) <= total:
                raise _invalid(
                    f"body failed validation: part_number should be an integer between 1 and {total}, "
                    f"instead was `{json.dumps(raw)}`."
                )
            number = int(raw)
            if sent.size > self.part_max or (number < total and sent.size < self.part_min):
                raise _invalid(
                    f"Part {number} is {sent.size} bytes: each part must be between {self.part_min} and "
                    f"{self.part_max} bytes, except the last, which may be smaller."
                )
            sizes = {**state["parts"], str(number): sent.size}
            if sum(sizes.values()) > self.max_file_size:
                raise self._size_refused()
            self.blobs.write(upload["id"], number, sent.chunks)
            state["parts"] = sizes
            upload["number_of_parts"]["sent"] = len(sizes)
            if not upload["content_type"]:
                upload["content_type"] = sent.content_type
        upload["last_edited_time"] = _iso(self.clock())
        self.store.put(upload)
        return self._public_upload(upload)

    def complete_file_upload(self, raw_id: str, *, body: dict, query: dict) -> dict:
        upload = self._file_upload(raw_id)
        state = upload["_sandbox"]
        if state["mode"] != "multi_part":
            raise _invalid("Only a file upload in `multi_part` mode is completed.")
        if upload["status"] != "pending":
            raise _invalid(f"This file upload is {upload['status']}: it can't be completed.")
        total = upload["number_of_parts"]["total"]
        missing = [number for number in range(1, total + 1) if str(number) not in state["parts"]]
        if missing:
            raise _invalid(
                f"Send all {total} parts before completing the file upload: "
                f"{', '.join(map(str, missing))} not sent."
            )
        if sum(state["parts"].values()) > self.max_file_size:
            raise self._size_refused()
        stored = self.blobs.assemble(upload["id"], list(range(1, total + 1)), filename=upload["filename"])
        upload.update(status="uploaded", content_length=stored.size, last_edited_time=_iso(self.clock()))
        state["sha256"] = stored.sha256
        self.store.put(upload)
        return self._public_upload(upload)

    def retrieve_file_upload(self, raw_id: str, *, body: dict, query: dict) -> dict:
        return self._public_upload(self._file_upload(raw_id))

    def list_file_uploads(self, *, body: dict, query: dict) -> dict:
        wanted = query.get("status")
        uploads = [
            self._public_upload(self._file_upload(obj["id"]))
            for obj in self.store.newest_first(("file_upload",))
        ]
        return self._listing([u for u in uploads if wanted in (None, u["status"])], query, "file_upload")

    def stored_sha256(self, upload_id: str) -> str | None:
        """The SHA-256 of the bytes the sandbox assembled for an upload (for tests and the viewer)."""
        upload = self.store.get(upload_id)
        return upload["_sandbox"].get("sha256") if upload else None

    def _attachment(self, value: Any, where: str, *, block_type: str | None = None) -> dict:
        """A file object of type `file_upload` as Notion reads it back once attached ("File object"):
        the upload must be uploaded and unexpired. The upload is marked attached by `_attach`."""
        raw = value.get("id") if isinstance(value, dict) else None
        upload_id = self._id(raw, f"body failed validation: {where}.id")
        stored = self.store.get(upload_id)
        if stored is None or stored["object"] != "file_upload":
            raise _invalid(f"Could not find file upload with ID: {upload_id}.")
        upload = self._file_upload(upload_id)
        if upload["status"] != "uploaded":
            raise _invalid(
                f"The file upload {upload_id} is {upload['status']}: only an uploaded file upload can be "
                "attached, within an hour of its creation."
            )
        if block_type is not None and not block_takes(block_type, upload["content_type"] or ""):
            raise _invalid(f"A {block_type} block can't show a file of type `{upload['content_type']}`.")
        url = upload["_sandbox"].get("url") or self.blobs.url(upload_id, upload["filename"])
        return {
            "type": "file",
            "file": {"url": url, "expiry_time": _iso(self.clock() + UPLOAD_EXPIRY_SECONDS)},
            "_upload": upload_id,
        }

    def _attach(self, files: Iterable[dict]) -> None:
        """Mark attached the uploads the file objects name, once the request holding them is made;
        an attached upload has no expiry time ("File Upload")."""
        for file in files:
            upload_id = file.pop("_upload", None)
            if upload_id is not None:
                upload = self._file_upload(upload_id)
                upload["_sandbox"]["attached"] = True
                upload["expiry_time"] = None
                self.store.put(upload)

    def _media(self, content: dict, place: str, *, kind: str) -> dict:
        """A media block's content (image, video, audio, pdf, file) as Notion reads it back: a
        caption, and an uploaded file or an external one ("File object")."""
        data: dict[str, Any] = {"caption": self._rich_text(content.get("caption", []), f"{place}.caption")}
        source = content.get("type", "file_upload" if "file_upload" in content else "external")
        if source == "file_upload":
            attached = self._attachment(content.get("file_upload"), f"{place}.file_upload", block_type=kind)
            data.update(attached)
            if kind in ("file", "pdf"):
                data["name"] = self._file_upload(attached["_upload"])["filename"]
        elif source == "external":
            url = self._external_url(content.get("external"), f"{place}.external")
            data.update(type="external", external={"url": url})
        else:
            raise _invalid(
                f"body failed validation: {place}.type should be `file_upload` or `external`, "
                f"instead was `{json.dumps(source)}`."
            )
        return data


def sandbox_wsgi_app(sandbox: NotionSandbox) -> Callable:
    """Serve a sandbox over HTTP through any WSGI server."""

    def app(environ: dict, start_response: Callable) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        query = environ.get("QUERY_STRING", "")
        url = f"http://sandbox{environ.get('PATH_INFO', '/')}" + (f"?{query}" if query else "")
        request = httpx.Request(
            environ["REQUEST_METHOD"], url, headers=headers, content=environ["wsgi.input"].read(length)
        )
        response = sandbox(request)
        start_response(
            f"{response.status_code} {response.reason_phrase}",
            [(key, value) for key, value in response.headers.items() if key.lower() != "content-length"],
        )
        return [response.content]

    return app
