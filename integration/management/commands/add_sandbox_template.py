from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integration.management.arguments import data_source_id, one_line
from integration.notion.values import InvalidValues, page_values, properties_of
from integration.notion.workspace import workspace
from integration.sandbox.engine import SandboxError
from integration.sandbox.store import sandbox


class Command(BaseCommand):
    help = (
        "Give a data source of the built-in sandbox a template, as Notion's app makes them: property "
        "values with --value, paragraphs with --paragraph. Pages can then be made from it by form 2, "
        "add_page --template and import_csv --template."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the template's name")
        parser.add_argument("--data-source", required=True, help="ID or link of the sandbox's data source")
        parser.add_argument(
            "--default", action="store_true", help="make it the data source's default template"
        )
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="PROPERTY=VALUE",
            help="a property's value as the page form takes it, repeatable: 'Status=Done'",
        )
        parser.add_argument(
            "--paragraph",
            action="append",
            default=[],
            metavar="TEXT",
            help="a paragraph of its content, repeatable",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not workspace().is_sandbox:
            raise CommandError("NOTION_KEY is set: make templates in Notion's app, not here.")
        source_id = data_source_id(options["data_source"])
        engine = sandbox()
        source = engine.store.get(source_id)
        if source is None or source.get("object") != "data_source":
            raise CommandError(f"--data-source: the sandbox has no data source {source_id}.")
        typed = {}
        for spec in options["value"]:
            name, equals, value = spec.partition("=")
            if not equals:
                raise CommandError(f"--value {spec!r}: write it as NAME=VALUE.")
            typed[name.strip()] = value
        try:
            values = page_values(properties_of(source), typed)
            template = engine.add_template(
                source_id,
                options["name"],
                is_default=options["default"],
                properties=values,
                children=[
                    {"paragraph": {"rich_text": [{"text": {"content": text}}]}}
                    for text in options["paragraph"]
                ],
            )
        except (InvalidValues, SandboxError) as refused:
            raise CommandError(one_line(f"Nothing was made. {refused}")) from None
        self.stdout.write(f"Template ID: {template['id']}")
