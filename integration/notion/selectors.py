"""Reading from Notion: data sources and their schema, titles, and the workspace's search."""

from collections.abc import Iterator
from typing import Any

from django.core.cache import cache
from notion_client import Client

from integration.models import AuditContext
from integration.notion.client import notion_client
from integration.notion.errors import NotionError, expect, notion_call
from integration.notion.limits import ARRAY_LIMIT
from integration.notion.shapes import plain_text, title_of
from integration.notion.shapes import title_property as find_title_property

SEARCH_PAGE_SIZE = 20
COMMENTS_PAGE_SIZE = 20
# How long a data source's schema is reused: long enough that typing never fetches it again,
# short enough that a column added in Notion shows up soon.
SCHEMA_SECONDS = 60


def exists(client: Client, kind: str, object_id: str) -> bool:
    """Whether `object_id` is a `kind` ("page" or "database") the integration can see."""
    retrieve = client.pages.retrieve if kind == "page" else client.databases.retrieve
    try:
        with notion_call(write=False, what=kind):
            return isinstance(retrieve(object_id), dict)
    except NotionError:
        return False


def data_source(client: Client, source_id: str) -> dict:
    """The data source with this ID, or the only data source of the database with this ID."""
    try:
        with notion_call(write=False, what="data source"):
            return expect(client.data_sources.retrieve(source_id), "data_source", write=False)
    except NotionError as error:
        if error.code != "object_not_found":
            raise
        not_found = error
    # People often paste a database's link, whose ID is the database's, not its data source's.
    try:
        with notion_call(write=False, what="data source"):
            database = client.databases.retrieve(source_id)
    except NotionError:
        if exists(client, "page", source_id):
            raise NotionError(
                code="not_a_data_source",
                hint="This is a page, not a data source: enter the ID or link of a database, "
                "or of one of its data sources.",
            ) from None
        raise not_found from None
    sources = database.get("data_sources") if isinstance(database, dict) else None
    if not isinstance(sources, list) or not sources or not all(isinstance(s, dict) for s in sources):
        raise not_found
    if len(sources) > 1:
        names = ", ".join(f"{s.get('name') or 'untitled'} ({s.get('id')})" for s in sources)
        raise NotionError(
            code="ambiguous_database",
            hint=f"This database has {len(sources)} data sources; enter the ID of one of them: {names}.",
        )
    with notion_call(write=False, what="data source"):
        return expect(client.data_sources.retrieve(str(sources[0].get("id"))), "data_source", write=False)


def _schema_key(source_id: str) -> str:
    return f"notionforms:data-source-schema:{source_id}"


def cached_data_source(client: Client, source_id: str) -> dict:
    """`data_source(client, source_id)`, its ID, title and properties only, kept a minute."""
    found = cache.get(_schema_key(source_id))
    if found is None:
        source = data_source(client, source_id)
        found = {key: source.get(key) for key in ("object", "id", "title", "properties")}
        cache.set(_schema_key(source_id), found, SCHEMA_SECONDS)
    return found


def data_source_schema(*, source_id: str, context: AuditContext | None = None) -> dict:
    """The data source (or a database's only one) with this ID, with its properties, kept a minute."""
    found = cache.get(_schema_key(source_id))
    if found is not None:
        return found
    with notion_client(context) as client:
        return cached_data_source(client, source_id)


def remember_data_source(source: dict) -> None:
    """Keep `source` (a data source Notion just answered with) as its schema for the next minute."""
    found = {key: source.get(key) for key in ("object", "id", "title", "properties")}
    cache.set(_schema_key(str(source.get("id"))), found, SCHEMA_SECONDS)


def known_data_source(source_id: str) -> dict | None:
    """The data source with this ID if it was fetched within the last minute, without asking Notion."""
    return cache.get(_schema_key(source_id)) if source_id else None


def find_page_by_text(client: Client, source_id: str, property_name: str, text: str) -> dict | None:
    """The first page of the data source whose rich_text property `property_name` is `text`, if any."""
    with notion_call(write=False, what="data source"):
        answer = client.data_sources.query(
            source_id,
            filter={"property": property_name, "rich_text": {"equals": text}},
            page_size=1,
        )
    answer = expect(answer, "list", write=False, check=lambda a: isinstance(a["results"], list))
    found = [page for page in answer["results"] if isinstance(page, dict) and isinstance(page.get("id"), str)]
    return found[0] if found else None


def query_pages(client: Client, source_id: str, filter: dict | None = None) -> Iterator[dict]:
    """The pages of the data source matching `filter` ("Filter data source entries"), all of them,
    a page of 100 results per request ("Pagination")."""
    cursor = None
    while True:
        with notion_call(write=False, what="data source"):
            answer = client.data_sources.query(
                source_id,
                **({"filter": filter} if filter else {}),
                page_size=100,
                **({"start_cursor": cursor} if cursor else {}),
            )
        answer = expect(answer, "list", write=False, check=lambda a: isinstance(a["results"], list))
        yield from (
            page for page in answer["results"] if isinstance(page, dict) and isinstance(page.get("id"), str)
        )
        cursor = answer.get("next_cursor")
        if not answer.get("has_more") or not cursor:
            return


def title_property(source: dict) -> str:
    """The name of the data source's title property (each data source has exactly one)."""
    name = find_title_property(source.get("properties"))
    if name is None:
        raise NotionError(
            code="unexpected_response",
            hint="This data source has no title property, so a page can't be named in it.",
        )
    return name


def search(
    *, query: str, kind: str, cursor: str = "", context: AuditContext | None = None
) -> tuple[list[dict[str, str]], str]:
    """Pages or data sources shared with the integration whose title holds `query`.

    Returns one page of results, newest first, and the cursor of the next page ("" if none).
    """
    body: dict[str, Any] = {
        "query": query,
        "filter": {"property": "object", "value": kind},
        "page_size": SEARCH_PAGE_SIZE,
    }
    if cursor:
        body["start_cursor"] = cursor
    with notion_client(context) as client, notion_call(write=False, what="workspace"):
        answer = client.search(**body)
    answer = expect(answer, "list", write=False, check=lambda a: isinstance(a.get("results"), list))
    found = [
        {"id": obj["id"], "name": title_of(obj) or "Untitled"}
        for obj in answer["results"]
        if isinstance(obj, dict) and isinstance(obj.get("id"), str)
    ]
    next_cursor = answer.get("next_cursor")
    return found, next_cursor if isinstance(next_cursor, str) else ""


# Form 4's list of blocks: how many levels of children it reads, how many blocks it lists,
# and how many reads of Notion it may take for them (about 3 a second are allowed).
BLOCK_LEVELS = 3
BLOCK_COUNT = 200
BLOCK_READS = 15
# Blocks whose children are not the page's content to comment on: other pages, a table's rows.
_NOT_DESCENDED = frozenset({"child_page", "child_database", "table"})


def page_blocks(*, page_id: str, context: AuditContext | None = None) -> list[dict[str, Any]]:
    """The page's blocks in reading order, each with its type, its text and its `level` (0 at
    the top), read with paged `blocks.children.list` (Notion's "Retrieve block children"):
    children down to `BLOCK_LEVELS` levels, at most `BLOCK_COUNT` blocks in `BLOCK_READS` reads."""
    blocks: list[dict[str, Any]] = []
    reads = 0

    def read(client: Client, parent_id: str, level: int) -> None:
        nonlocal reads
        cursor = ""
        while reads < BLOCK_READS and len(blocks) < BLOCK_COUNT:
            reads += 1
            paging = {"start_cursor": cursor} if cursor else {}
            with notion_call(write=False, what="page" if level == 0 else "block"):
                answer = client.blocks.children.list(parent_id, page_size=ARRAY_LIMIT, **paging)
            answer = expect(answer, "list", write=False, check=lambda a: isinstance(a["results"], list))
            for block in answer["results"]:
                if len(blocks) >= BLOCK_COUNT:
                    return
                if not isinstance(block, dict) or not isinstance(block.get("id"), str):
                    continue
                kind = str(block.get("type") or "")
                content = block.get(kind)
                text = plain_text(content.get("rich_text")) if isinstance(content, dict) else ""
                blocks.append({"id": block["id"], "type": kind, "text": text, "level": level})
                if block.get("has_children") and level + 1 < BLOCK_LEVELS and kind not in _NOT_DESCENDED:
                    read(client, block["id"], level + 1)
            following = answer.get("next_cursor") if answer.get("has_more") else None
            if not isinstance(following, str) or not following:
                return
            cursor = following

    with notion_client(context) as client:
        read(client, page_id, 0)
    return blocks


def comments_on(
    *, parent_id: str, cursor: str = "", context: AuditContext | None = None
) -> tuple[list[dict[str, str]], str]:
    """The open comments on a page or block, oldest first, a page at a time; and the next cursor."""
    query: dict[str, Any] = {"block_id": parent_id, "page_size": COMMENTS_PAGE_SIZE}
    if cursor:
        query["start_cursor"] = cursor
    with notion_client(context) as client, notion_call(write=False, what="page or block"):
        answer = client.comments.list(**query)
    answer = expect(answer, "list", write=False, check=lambda a: isinstance(a["results"], list))
    found = []
    for comment in answer["results"]:
        if not isinstance(comment, dict) or not isinstance(comment.get("id"), str):
            continue
        author = comment.get("display_name")
        found.append(
            {
                "id": comment["id"],
                "text": plain_text(comment.get("rich_text")),
                "created_time": str(comment.get("created_time") or ""),
                "author": str(author.get("resolved_name") or "") if isinstance(author, dict) else "",
            }
        )
    next_cursor = answer.get("next_cursor")
    return found, next_cursor if isinstance(next_cursor, str) else ""
