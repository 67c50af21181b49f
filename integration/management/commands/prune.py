from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize
from django.utils import timezone

from integration.retention import KEPT, prune


def _quiet(_: str) -> None:
    pass


class Command(BaseCommand):
    help = (
        "Delete what is older than --days (default RETENTION_DAYS): "
        + ", ".join(kept.label for kept in KEPT)
        + ", imported files no job needs, and uploads whose import was never started (after "
        "IMPORT_UPLOAD_HOURS); in batches, so the tables stay usable meanwhile. Form submissions "
        "left pending by a process that died are marked interrupted. "
        "Each run is recorded (admin: Prune runs). Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=None, help="keep this many days (default RETENTION_DAYS)"
        )
        parser.add_argument(
            "--batch", type=int, default=5000, help="rows deleted per statement (default 5000)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would be deleted, delete nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = settings.RETENTION_DAYS if options["days"] is None else options["days"]
        if days < 1 or options["batch"] < 1:
            raise CommandError("--days and --batch must be at least 1.")
        verbose = options["verbosity"] >= 2
        run = prune(
            days=days,
            batch=options["batch"],
            dry_run=options["dry_run"],
            progress=self.stdout.write if verbose else _quiet,
        )
        verb = "Would delete" if run.dry_run else "Deleted"
        cutoff = timezone.localtime(run.started_at - timedelta(days=days))
        self.stdout.write(
            f"{verb} what is older than {days} day{pluralize(days)} (from before {cutoff:%Y-%m-%d %H:%M %Z}):"
        )
        for label, count in run.counts.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(f"Recorded as prune run {run.pk}.")
