import getpass
import json
import logging
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integration import attachments
from integration.ids import parse_notion_id
from integration.management.arguments import full_address, sending
from integration.models import AuditContext, Source
from integration.notion import content
from integration.notion.files import LocalFile
from integration.notion.workspace import workspace


class Command(BaseCommand):
    help = (
        "Add content to a page: Markdown (or plain text) from a file or standard input, and images "
        "and files attached with --attach, placed where the Markdown names them (![caption](name.png)) "
        "or after the text."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("page", help="ID or link of the page")
        parser.add_argument(
            "source", nargs="?", default="-", help="the file to read (default: standard input)"
        )
        parser.add_argument("--format", choices=[content.MARKDOWN, content.PLAIN], default=content.MARKDOWN)
        parser.add_argument(
            "--attach", action="append", default=[], metavar="PATH", help="a file to upload, repeatable"
        )
        parser.add_argument("--json", action="store_true", help="print the result as one JSON object")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verbosity"] < 2:
            logging.getLogger("integration").setLevel(logging.WARNING)
        page_id = parse_notion_id(options["page"])
        if page_id is None:
            raise CommandError(f"Neither a Notion page ID nor a Notion link: {options['page']!r}.")
        text = self.read(options["source"])
        files = []
        for path in options["attach"]:
            if not Path(path).is_file():
                raise CommandError(f"--attach {path!r}: no such file.")
            files.append(LocalFile.at(Path(path)))
        if len({file.name for file in files}) < len(files):
            raise CommandError(
                "Two attached files have the same name: rename one, so each can be told apart."
            )
        described = [(file.name, file.content_type) for file in files]
        context = AuditContext(source=Source.COMMAND, username=getpass.getuser())
        with sending(context, self.stderr):
            attachments.check_for_workspace(files, context=context)
            uploaded = attachments.upload_all(files, context=context)
            added = content.append_content(
                page_id=page_id,
                content=text,
                text_format=options["format"],
                context=context,
                files=described,
                uploaded=uploaded,
            )
        url = full_address(workspace().link(page_id).href)
        if options["json"]:
            self.stdout.write(json.dumps({"page_id": page_id, "blocks": added.count, "url": url}))
            return
        self.stdout.write(f"{added.count} block{'s' if added.count != 1 else ''} added to {url}")

    def read(self, source: str) -> str:
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Could not read {source}: {error}") from None
        if not text.strip():
            raise CommandError("The content is empty: nothing was sent.")
        return text
