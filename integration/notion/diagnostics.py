"""What the app can do in Notion with its settings, found out by requests that create nothing.

`notion_checks` asks who the token belongs to (users.me), whether NOTION_PAGE_ID is a page shared
with the integration, and which of the capabilities the app needs the integration has. The
writes are probes aimed at an ID no object has: Notion answers 404 to an integration that may
write, and 403 `restricted_resource` to one that may not, before it looks for the object. The
capability requests are in the history with the source "probe", under the caller's correlation ID.
"""

from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

from notion_client import APIErrorCode, APIResponseError, Client

from integration.models import AuditContext, Source
from integration.notion.client import notion_client
from integration.notion.errors import NotionError, expect, notion_call
from integration.notion.shapes import title_of
from integration.notion.workspace import Workspace, workspace

PROBE_ID = "00000000-0000-4000-8000-000000000000"  # no object has it: a write to it adds nothing
_PROBE_TEXT = [{"type": "text", "text": {"content": "notionforms capability check"}}]

TOKEN = "Token"
VERSION = "API version"
PARENT_PAGE = "NOTION_PAGE_ID"
READ_CONTENT = "Read content"
INSERT_CONTENT = "Insert content"
READ_COMMENTS = "Read comments"
INSERT_COMMENTS = "Insert comments"
CAPABILITIES = (READ_CONTENT, INSERT_CONTENT, READ_COMMENTS, INSERT_COMMENTS)
SHARE = "Open the page in Notion, then ••• → Add connections → choose the integration."


@dataclass(frozen=True)
class Check:
    """One thing the app needs, checked: `result` says what was found, `fix` what to do if it failed."""

    name: str
    passed: bool
    result: str
    fix: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _failed(name: str, error: NotionError, fix: str = "") -> Check:
    return Check(
        name, False, str(error), fix or "See the request in the request history for Notion's answer."
    )


def _not_checked(names: tuple[str, ...], why: str) -> list[Check]:
    return [Check(name, False, f"Not checked: {why}.", "Fix the check above first.") for name in names]


def _capability_missing(name: str) -> Check:
    return Check(
        name,
        False,
        f"Notion refused (403 restricted_resource): the integration lacks the “{name}” capability.",
        f"In Notion's integration settings, under Capabilities, tick “{name}”, save, and check again.",
    )


def _token(client: Client, here: Workspace) -> tuple[Check, NotionError | None]:
    try:
        with notion_call(write=False, what="user"):
            me = expect(client.users.me(), "user", write=False, check=lambda user: user["type"] == "bot")
    except NotionError as error:
        fix = ""
        if error.code == "unauthorized":
            fix = (
                "Set NOTION_KEY to the integration's secret (Notion's integration settings → "
                "Internal Integration Secret), then restart."
            )
        return _failed(TOKEN, error, fix), error
    bot = me.get("bot")
    bot = bot if isinstance(bot, dict) else {}
    who = (
        f"the bot “{me.get('name') or 'unnamed'}” of the workspace “{bot.get('workspace_name') or 'unnamed'}”"
    )
    if here.is_sandbox:
        return Check(TOKEN, True, f"The sandbox (NOTION_KEY is not set) answers as {who}."), None
    return Check(TOKEN, True, f"Valid: {who}."), None


def _version(client: Client, refused: NotionError | None) -> Check:
    sent = client.options.notion_version
    if refused is None:
        return Check(VERSION, True, f"Notion-Version {sent}, accepted.")
    if refused.code == "missing_version" or (refused.status == 400 and "version" in refused.message.lower()):
        return Check(
            VERSION,
            False,
            f"Notion refused the Notion-Version {sent} the app sends: {refused.message}",
            "This app is built for that version: tell whoever maintains it.",
        )
    return _not_checked((VERSION,), f"Notion-Version {sent} is sent, but users.me failed")[0]


def _retrieved(call: Callable[[], Any], kind: str) -> dict | None:
    try:
        with notion_call(write=False, what=kind):
            return expect(call(), kind, write=False)
    except NotionError:
        return None


def _mistaken_for_page(client: Client, object_id: str) -> str:
    """What `object_id` is, if it is a database or a data source rather than a page; else ""."""
    database = _retrieved(lambda: client.databases.retrieve(object_id), "database")
    if database is not None:
        return f"a database (“{title_of(database)}”)"
    source = _retrieved(lambda: client.data_sources.retrieve(object_id), "data_source")
    if source is not None:
        return f"a data source (“{title_of(source)}”) of a database"
    return ""


def _parent_page(client: Client, here: Workspace) -> tuple[Check, str | None]:
    """The check of the page new databases go under, and its ID if the next checks can use it."""
    if here.missing_parent_page:
        fix = (
            "Set NOTION_PAGE_ID in .env to the ID or link of the page new databases go under, "
            f"restart, and share that page with the integration. {SHARE}"
        )
        return Check(
            PARENT_PAGE, False, "NOTION_PAGE_ID is not set: new databases have nowhere to go.", fix
        ), None
    page_id = here.default_parent_page()
    try:
        with notion_call(write=False, what="page"):
            page = expect(client.pages.retrieve(page_id), "page", write=False)
    except NotionError as error:
        if error.code == "restricted_resource":  # the capability checks below say which is missing
            return _failed(PARENT_PAGE, error, "Give the integration the “Read content” capability."), page_id
        mistaken = (
            _mistaken_for_page(client, page_id)
            if error.code in ("object_not_found", "validation_error")
            else ""
        )
        if mistaken:
            return Check(
                PARENT_PAGE,
                False,
                f"{page_id} is {mistaken}, not a page: new databases go under a page.",
                "Set NOTION_PAGE_ID to the ID or link of a page (the one the database is on, say).",
            ), None
        if error.code == "object_not_found":
            return Check(
                PARENT_PAGE,
                False,
                f"Notion can't find the page {page_id}: it does not exist, "
                "or it is not shared with the integration.",
                SHARE,
            ), None
        return _failed(PARENT_PAGE, error), None
    where = "the sandbox's top page" if here.is_sandbox else "shared with the integration"
    return Check(PARENT_PAGE, True, f"The page “{title_of(page)}” ({page_id}), {where}."), page_id


def _probe(name: str, call: Callable[[], Any], *, write: bool, allowed: str) -> Check:
    """Whether the integration has the capability `name`, by `call`; a write's 404 means it has
    (and is the answer expected, not a failure to log)."""
    try:
        with notion_call(write=write, what="page"):
            try:
                call()
            except APIResponseError as answer:
                if not (write and answer.code == APIErrorCode.ObjectNotFound):
                    raise
    except NotionError as error:
        if error.code == "restricted_resource":
            return _capability_missing(name)
        return _failed(name, error)
    return Check(name, True, allowed)


def _capabilities(client: Client, page_id: str) -> list[Check]:
    nothing_added = "(probed with an ID no object has: nothing was added)"
    return [
        _probe(
            READ_CONTENT,
            lambda: client.blocks.children.list(block_id=page_id, page_size=1),
            write=False,
            allowed="Allowed: the page's blocks were listed.",
        ),
        _probe(
            INSERT_CONTENT,
            lambda: client.blocks.children.append(
                block_id=PROBE_ID, children=[{"paragraph": {"rich_text": _PROBE_TEXT}}]
            ),
            write=True,
            allowed=f"Allowed {nothing_added}.",
        ),
        _probe(
            READ_COMMENTS,
            lambda: client.comments.list(block_id=page_id, page_size=1),
            write=False,
            allowed="Allowed: the page's comments were listed.",
        ),
        _probe(
            INSERT_COMMENTS,
            lambda: client.comments.create(parent={"page_id": PROBE_ID}, rich_text=_PROBE_TEXT),
            write=True,
            allowed=f"Allowed {nothing_added}.",
        ),
    ]


def notion_checks(*, context: AuditContext) -> list[Check]:
    """The token, the API version, NOTION_PAGE_ID and the capabilities, checked in Notion (or the sandbox)."""
    here = workspace()
    with notion_client(context) as client:
        token, refused = _token(client, here)
        checks = [token, _version(client, refused)]
        if refused is not None:
            return checks + _not_checked((PARENT_PAGE, *CAPABILITIES), "the token check failed")
        page, page_id = _parent_page(client, here)
        checks.append(page)
        if page_id is None:
            return checks + _not_checked(CAPABILITIES, "they are checked on the page of NOTION_PAGE_ID")
    # The probes' rows are marked as such, for the history's filters to leave them out.
    with notion_client(replace(context, source=Source.PROBE)) as client:
        return checks + _capabilities(client, page_id)
