import os
import sys
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils import timezone

from integration.export import FORMATS, export_request_log
from integration.management.arguments import one_line
from integration.models import NotionRequestLog, Outcome
from integration.notion.endpoints import ENDPOINTS


def moment(option: str, raw: str) -> tuple[datetime, bool]:
    """The time in `raw`, an ISO 8601 date (its start) or date-time, and whether it was a date.

    A time without a zone is in TIME_ZONE.
    """
    try:
        return timezone.make_aware(datetime.combine(date.fromisoformat(raw), time())), True
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"{option} {raw!r} is neither a date (2026-12-01) nor a date-time (2026-12-01T09:30:00+00:00)."
        ) from None
    return (value if timezone.is_aware(value) else timezone.make_aware(value)), False


class Command(BaseCommand):
    help = (
        "Export the request history as CSV or JSON Lines: one line per attempt to Notion, every column, "
        "oldest first, secrets masked. Written to stdout, or to --output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format", default="csv", metavar="csv|jsonl", help="csv (the default) or jsonl (JSON Lines)"
        )
        parser.add_argument(
            "--since",
            default="",
            metavar="DATE",
            help="only requests from then on: a date (from its start) or an ISO 8601 date-time",
        )
        parser.add_argument(
            "--until",
            default="",
            metavar="DATE",
            help="only requests until then: a date (to its end, the whole day included) or an ISO 8601 "
            "date-time (included); a time without a zone is in TIME_ZONE",
        )
        parser.add_argument(
            "--operation", default="", metavar="OP", help="only this operation, e.g. pages.create"
        )
        parser.add_argument(
            "--outcome", default="", metavar="|".join(Outcome.values), help="only requests with this outcome"
        )
        parser.add_argument(
            "--output",
            default="",
            metavar="FILE",
            help="write to FILE (replaced only once the export is complete; readable by you only) "
            "instead of stdout",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        format = options["format"]
        if format not in FORMATS:
            raise CommandError(f"--format must be csv or jsonl, not {format!r}.")
        rows = self.rows(options)
        chunks = export_request_log(rows, format=format)
        if not options["output"]:
            self.write_out(chunks)
            return
        target = Path(options["output"])
        write_whole(target, chunks)
        self.stderr.write(f"Exported the request history to {target}.")

    def write_out(self, chunks: Any) -> None:
        """Write `chunks` to stdout; if its reader goes away (`| head`), stop there, quietly."""
        try:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
        except BrokenPipeError:
            # Python's own flush at exit would meet the closed pipe again: stdout goes nowhere now.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())

    def rows(self, options: dict[str, Any]) -> QuerySet[NotionRequestLog]:
        rows = NotionRequestLog.objects.all()
        if options["since"]:
            since, _ = moment("--since", options["since"])
            rows = rows.filter(created_at__gte=since)
        if options["until"]:
            until, whole_day = moment("--until", options["until"])
            if whole_day:
                until += timedelta(days=1)
                rows = rows.filter(created_at__lt=until)
            else:
                rows = rows.filter(created_at__lte=until)
            if options["since"] and (until <= since if whole_day else until < since):
                raise CommandError("--until is before --since: nothing to export.")
        if options["operation"]:
            rows = rows.filter(operation=known_operation(options["operation"]))
        if options["outcome"]:
            if options["outcome"] not in Outcome.values:
                raise CommandError(
                    f"--outcome must be one of {', '.join(Outcome.values)}, not {options['outcome']!r}."
                )
            rows = rows.filter(outcome=options["outcome"])
        return rows


def known_operation(raw: str) -> str:
    """`raw` if the app has an operation of that name or the history has a request of it."""
    operation = raw.strip()
    known = [endpoint.operation for endpoint in ENDPOINTS]
    if operation in known or NotionRequestLog.objects.filter(operation=operation).exists():
        return operation
    raise CommandError(
        one_line(f"--operation {raw!r} is not an operation of the app: one of {', '.join(known)}.")
    )


def write_whole(target: Path, chunks: Any) -> None:
    """Write `chunks` to `target` through a temporary file beside it, so that `target` is either
    the whole export or untouched: an error or Ctrl-C removes the temporary file."""
    try:
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as error:
        raise CommandError(f"Can't write to {str(target)!r}: {error.strerror or error}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException as error:
        os.unlink(temporary)
        if isinstance(error, OSError):
            raise CommandError(f"Can't write to {str(target)!r}: {error.strerror or error}.") from None
        raise
