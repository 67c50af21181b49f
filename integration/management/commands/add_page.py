import getpass
import json
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integration import attachments
from integration.management.arguments import data_source_id, full_address, one_line, sending
from integration.models import AuditContext, Source
from integration.notion.files import LocalFile, files_property_item, import_external, wait_for_import
from integration.notion.selectors import data_source_schema
from integration.notion.templates import UnknownTemplate, find_template, list_templates
from integration.notion.values import InvalidValues, page_values, properties_of, value_text
from integration.notion.workspace import workspace


def _pair(spec: str, option: str) -> tuple[str, str]:
    name, equals, value = spec.partition("=")
    if not equals or not name.strip():
        raise CommandError(f"{option} {spec!r}: write it as NAME=VALUE.")
    return name.strip(), value


class Command(BaseCommand):
    help = (
        "Add a page to a data source: its title, property values with --value, files uploaded to its "
        "files properties with --file, and files Notion imports from the web with --import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("title", help="the new page's title")
        parser.add_argument(
            "--data-source", required=True, help="ID or link of the data source (or of a database with one)"
        )
        parser.add_argument(
            "--value",
            action="append",
            default=[],
            metavar="PROPERTY=VALUE",
            help="a property's value as the page form takes it, repeatable: 'Status=Done', 'Tags=a,b'",
        )
        parser.add_argument(
            "--file",
            action="append",
            default=[],
            metavar="PROPERTY=PATH",
            help="a file to upload into a files property, repeatable: 'Attachments=report.pdf'",
        )
        parser.add_argument(
            "--import",
            dest="imports",
            action="append",
            default=[],
            metavar="PROPERTY=URL",
            help="a file at a public https URL for Notion to import (keep a copy of) into a files property",
        )
        parser.add_argument("--header", default="", help="a heading at the top of the page")
        parser.add_argument(
            "--template",
            default="",
            metavar="NAME_OR_ID",
            help="make the page from this template of the data source (its name or ID); Notion applies "
            "it in the background. No --header with it",
        )
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            logging.getLogger("integration").setLevel(logging.WARNING)
        source_id = data_source_id(options["data_source"])
        context = AuditContext(source=Source.COMMAND, username=getpass.getuser())
        if options["template"] and options["header"]:
            raise CommandError(
                "--template with --header: Notion takes no heading with a template. Add it afterwards "
                "with add_content, once the template's content is in."
            )
        with sending(context, self.stderr):
            properties = properties_of(data_source_schema(source_id=source_id, context=context))
            templates = (
                list_templates(data_source_id=source_id, context=context) if options["template"] else []
            )
        try:
            template = find_template(templates, options["template"]) if options["template"] else None
        except UnknownTemplate as unknown:
            raise CommandError(one_line(f"Nothing was sent. {unknown}")) from None
        try:
            values = page_values(properties, dict(_pair(spec, "--value") for spec in options["value"]))
        except InvalidValues as invalid:
            raise CommandError(one_line(f"Nothing was sent. {invalid}")) from None
        uploads: dict[str, list[LocalFile]] = {}
        for spec in options["file"]:
            name, path = _pair(spec, "--file")
            if properties.get(name, {}).get("type") != "files":
                raise CommandError(f"--file {spec!r}: this data source has no files property {name!r}.")
            if not Path(path).is_file():
                raise CommandError(f"--file {spec!r}: no such file.")
            uploads.setdefault(name, []).append(LocalFile.at(Path(path)))
        imports = []
        for spec in options["imports"]:
            name, url = _pair(spec, "--import")
            if properties.get(name, {}).get("type") != "files":
                raise CommandError(f"--import {spec!r}: this data source has no files property {name!r}.")
            imports.append((name, url))
        with sending(context, self.stderr):
            # Every local file is checked before Notion is asked to import anything.
            attachments.check_for_workspace(
                [file for group in uploads.values() for file in group], context=context
            )
            for name, url in imports:
                upload_id = import_external(url, context=context)
                wait_for_import(upload_id, context=context)
                item = files_property_item(upload_id, url.split("?")[0].rstrip("/").rsplit("/", 1)[-1])
                values[name] = {"files": [*values.get(name, {}).get("files", []), item]}
            page, sent = attachments.create_page_with_files(
                data_source_id=source_id,
                title=options["title"],
                header=options["header"],
                values=values,
                uploads=uploads,
                template=template.id if template else "",
                context=context,
            )
        url = full_address(workspace().link(page["id"], page.get("url")).href)
        shown = {name: value_text(value) for name, value in sent.items()}
        if options["json"]:
            made = {"page_id": page["id"], "url": url, "sent": shown}
            self.stdout.write(json.dumps({**made, **({"template": template.name} if template else {})}))
            return
        lines = [f"Page ID: {page['id']}", f"URL: {url}"]
        if template:
            lines.append(f"Template: {template.name} (Notion applies it in the background)")
        lines += [f"{name}: {text}".replace("\n", ", ") for name, text in shown.items()]
        self.stdout.write("\n".join(lines))
