from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from integration.models import NotionRequestLog


class Command(BaseCommand):
    help = "Delete audit log rows older than --days, in batches so the table stays usable meanwhile."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=90, help="keep this many days (default 90)")
        parser.add_argument("--batch", type=int, default=5000, help="rows deleted per statement")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1 or options["batch"] < 1:
            self.stderr.write("--days and --batch must be at least 1.")
            raise SystemExit(2)
        cutoff = timezone.now() - timedelta(days=options["days"])
        old = NotionRequestLog.objects.filter(created_at__lt=cutoff)
        total = 0
        while batch := list(old.order_by("id").values_list("id", flat=True)[: options["batch"]]):
            deleted, _ = NotionRequestLog.objects.filter(id__in=batch).delete()
            total += deleted
            self.stdout.write(f"Deleted {total} rows so far…")
        self.stdout.write(f"Deleted {total} rows older than {cutoff:%Y-%m-%d %H:%M} UTC.")
