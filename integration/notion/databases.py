"""Databases: made under a page, with their first data source; properties added to a data source."""

from collections.abc import Sequence

from integration.models import AuditContext
from integration.notion.blocks import rich_text
from integration.notion.client import notion_client
from integration.notion.columns import DEFAULT_TITLE, Column, properties
from integration.notion.database_views import DatabaseView, create_views, resolve_views
from integration.notion.errors import NotionError, expect, notion_call
from integration.notion.selectors import exists, remember_data_source
from integration.notion.workspace import workspace

VIEWS_MADE = "views_made"  # the key, in create_database's answer, of what became of each view


def create_database(
    *,
    title: str,
    parent_page_id: str = "",
    title_property: str = DEFAULT_TITLE,
    columns: Sequence[Column] = (),
    views: Sequence[DatabaseView] = (),
    context: AuditContext | None = None,
    deadline: float | None = None,
) -> dict:
    """Create a database under a page (by default NOTION_PAGE_ID), with its title column
    `title_property` and `columns` after it, then each of `views` on it.

    Raises ColumnError or ViewError, before anything is sent, if Notion would refuse the columns
    or a view can't be laid out by them. What became of each view is under VIEWS_MADE in the
    answer ([ViewMade.as_dict()]): a view Notion refuses is reported there, the database kept.
    """
    schema = properties(title_property, columns)
    views = resolve_views(views, {name: next(iter(spec)) for name, spec in schema.items()})
    parent = parent_page_id or workspace().default_parent_page()
    if not parent:
        raise NotionError(
            code="not_configured",
            hint=(
                "No parent page: set NOTION_PAGE_ID to the page new databases go under, "
                "and share that page with the integration."
            ),
        )
    with notion_client(context, deadline=deadline) as client:
        try:
            with notion_call(write=True, what="parent page"):
                database = client.databases.create(
                    parent={"type": "page_id", "page_id": parent},
                    title=rich_text(title),
                    initial_data_source={"properties": schema},
                )
        except NotionError as error:
            if error.code == "object_not_found" and exists(client, "database", parent):
                raise NotionError(
                    code="not_a_page",
                    hint="The parent is a database, not a page: new databases go under a page.",
                ) from None
            raise
        database = expect(
            database,
            "database",
            write=True,
            check=lambda d: isinstance(d["data_sources"][0]["id"], str),
        )
        if not views:
            return database
        made = create_views(
            client, database_id=database["id"], data_source_id=database["data_sources"][0]["id"], views=views
        )
    return database | {VIEWS_MADE: [one.as_dict() for one in made]}


def add_properties(
    *, data_source_id: str, columns: Sequence[Column], context: AuditContext | None = None
) -> dict:
    """Add `columns` to the data source's schema (`data_sources.update`); the data source as it is now.

    A column named like an existing property changes that property's type: check the schema first.
    """
    with notion_client(context) as client, notion_call(write=True, what="data source"):
        source = client.data_sources.update(
            data_source_id, properties={one.name: one.schema() for one in columns}
        )
    source = expect(source, "data_source", write=True, check=lambda s: isinstance(s["properties"], dict))
    remember_data_source(source)
    return source
