import getpass
import json
import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integration.management.arguments import database_title, full_address, one_line, parent_page, sending
from integration.models import AuditContext, Source
from integration.notion.columns import DEFAULT_TITLE, ColumnError, check_names, parse_column
from integration.notion.database_views import ViewError, ViewMade, check_views, parse_view
from integration.notion.databases import VIEWS_MADE, create_database
from integration.notion.workspace import workspace


class Command(BaseCommand):
    help = (
        "Create a Notion database under a page (by default NOTION_PAGE_ID), with a title column "
        "and the columns given with --property."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("title", help="the database's name")
        parser.add_argument(
            "--parent", default="", help="ID or link of the parent page (default: NOTION_PAGE_ID)"
        )
        parser.add_argument(
            "--property",
            action="append",
            default=[],
            metavar="NAME:TYPE[=OPTION,…]",
            help=(
                "a column, repeatable: e.g. 'Status:select=Todo,Done', 'Due:date', 'Price:number=dollar' "
                "(a number's format after '=')"
            ),
        )
        parser.add_argument(
            "--title-property",
            default=DEFAULT_TITLE,
            help=f"the title column's name (default: {DEFAULT_TITLE})",
        )
        parser.add_argument(
            "--view",
            action="append",
            default=[],
            metavar="KIND[:COLUMN]",
            help=(
                "a view beside the table, repeatable: 'board:Status' (grouped by a select or status "
                "column), 'calendar:Due' (by a date column); without a column, the first that fits; "
                "'table' is Notion's own, made with every database"
            ),
        )
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:  # one line on error; -v 2 also shows retries and failures
            logging.getLogger("integration").setLevel(logging.WARNING)
        title = database_title(options["title"])
        parent = parent_page(options["parent"])
        title_property = options["title_property"].strip()
        columns = []
        for spec in options["property"]:
            try:
                columns.append(parse_column(spec))
            except ColumnError as error:
                raise CommandError(one_line(f"--property {spec!r}: {error}")) from None
        try:
            check_names(title_property, columns)
        except ColumnError as error:
            raise CommandError(one_line(str(error))) from None
        try:
            views = check_views(
                [parse_view(spec) for spec in options["view"]], title_property=title_property, columns=columns
            )
        except ViewError as error:
            raise CommandError(one_line(f"--view: {error}")) from None
        context = AuditContext(source=Source.COMMAND, username=getpass.getuser())
        with sending(context, self.stderr):
            database = create_database(
                title=title,
                parent_page_id=parent,
                title_property=title_property,
                columns=columns,
                views=views,
                context=context,
            )
        here = workspace()
        made_views = [ViewMade.from_dict(one) for one in database.get(VIEWS_MADE, [])]
        result: dict[str, Any] = {
            "database_id": database["id"],
            "data_source_id": database["data_sources"][0]["id"],
            "url": full_address(here.link(database["id"], database.get("url")).href),
        }
        if made_views:
            result["views"] = [one.as_dict() for one in made_views]
        made = [(title_property, "title"), *((one.name, one.type) for one in columns)]
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            lines = [
                f"Database ID: {result['database_id']}",
                f"Data source ID: {result['data_source_id']}",
                f"URL: {result['url']}",
                "Columns: " + ", ".join(f"{name} ({kind})" for name, kind in made),
                *(f"View: {one.describe()}" for one in made_views),
            ]
            if here.notice:
                lines[2] = f"Sandbox view: {result['url']} (in the app)"
                lines.append(f"Sandbox: {here.notice}")
            self.stdout.write("\n".join(lines))
        refused = [one for one in made_views if not one.made]
        if refused:  # the database stays: exit 1 for a script to see that a view is missing
            count = len(refused)
            raise CommandError(
                f"{count} view{'s' if count != 1 else ''} not made; the database was made and kept."
            )
