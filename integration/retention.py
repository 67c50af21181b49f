"""Retention: what grows without end (the request history, form submissions, jobs and the rows of
imports, the task queue's results, the sandbox's trash, imported files), deleted past an age in
batches, so the tables stay usable meanwhile; uploads whose import never started, with their
files, past IMPORT_UPLOAD_HOURS. Form submissions left pending by a process that died are marked
interrupted. Each run is recorded as a `PruneRun`."""

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from integration.models import FormSubmission, Job, JobRow, NotionRequestLog, PruneRun, Upload
from integration.sandbox.models import SandboxObject
from integration.submissions import expire_stale


@dataclass(frozen=True)
class Kept:
    """One kind of thing that grows, and which of it is older than `cutoff`."""

    label: str
    old: Callable[[datetime], QuerySet]


KEPT = [
    # Rows of old jobs go before their jobs, in batches: a job of 100,000 rows would be one huge delete.
    Kept("rows of imports", lambda cutoff: JobRow.objects.filter(job__finished_at__lt=cutoff)),
    Kept("jobs", lambda cutoff: Job.objects.filter(finished_at__lt=cutoff)),
    Kept("form submissions", lambda cutoff: FormSubmission.objects.filter(created_at__lt=cutoff)),
    Kept("Notion request history", lambda cutoff: NotionRequestLog.objects.filter(created_at__lt=cutoff)),
    Kept("task queue results", lambda cutoff: DBTaskResult.objects.filter(finished_at__lt=cutoff)),
    Kept(
        "sandbox objects in the trash",
        lambda cutoff: SandboxObject.objects.filter(created_at__lt=cutoff, data__in_trash=True),
    ),
    Kept("earlier prune runs", lambda cutoff: PruneRun.objects.filter(started_at__lt=cutoff)),
]


def _in_batches(old: QuerySet, batch: int) -> Iterator[int]:
    """Delete `old` `batch` rows at a time; yield how many each batch deleted."""
    model = old.model
    while ids := list(old.order_by("pk").values_list("pk", flat=True)[:batch]):
        model.objects.filter(pk__in=ids).delete()
        yield len(ids)


def abandoned_uploads(now: datetime) -> QuerySet[Upload]:
    """Uploads whose import never started, IMPORT_UPLOAD_HOURS old or more: no preview needs them."""
    return Upload.objects.filter(job=None, created_at__lt=now - timedelta(hours=settings.IMPORT_UPLOAD_HOURS))


def stale_files(now: datetime) -> list[Path]:
    """Files in IMPORTS_DIR no job may still read (none, or one done or undone), IMPORT_UPLOAD_HOURS
    old or more."""
    folder = Path(settings.IMPORTS_DIR)
    if not folder.is_dir():
        return []
    in_use = set(
        Job.objects.filter(kind=Job.Kind.IMPORT)
        .exclude(state__in=(Job.State.DONE, Job.State.UNDONE))
        .values_list("input__file", flat=True)
    )
    since = (now - timedelta(hours=settings.IMPORT_UPLOAD_HOURS)).timestamp()
    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file() and str(path) not in in_use and path.stat().st_mtime < since
    ]


def prune(
    *, days: int, batch: int = 5000, dry_run: bool = False, progress: Callable[[str], None] = lambda _: None
) -> PruneRun:
    """Delete what is older than `days` days (with `dry_run`, only count it), recording the run."""
    now = timezone.now()
    cutoff = now - timedelta(days=days)
    run = PruneRun.objects.create(started_at=now, days=days, dry_run=dry_run)
    if not dry_run:
        expire_stale()  # the home page shows them interrupted already; this records it
    counts: dict[str, int] = {}
    for kept in KEPT:
        old = kept.old(cutoff)  # this run started after the cutoff: it is never among them
        # Progress only: the caller prints the counts, once, at the end.
        if dry_run:
            progress(f"{kept.label}: counting")
            counts[kept.label] = old.count()
        else:
            counts[kept.label] = 0
            started = time.monotonic()
            for deleted in _in_batches(old, batch):
                counts[kept.label] += deleted
                progress(f"{kept.label}: {counts[kept.label]} deleted ({time.monotonic() - started:.0f} s)")
    uploads = abandoned_uploads(now)
    if dry_run:
        counts["uploads never started"] = uploads.count()
    else:
        for path in uploads.values_list("path", flat=True).iterator():
            Path(path).unlink(missing_ok=True)
        counts["uploads never started"] = sum(_in_batches(uploads, batch))
    files = stale_files(now)
    if not dry_run:
        for file in files:
            file.unlink(missing_ok=True)
    counts["imported files"] = len(files)
    run.counts, run.finished_at = counts, timezone.now()
    run.save(update_fields=["counts", "finished_at"])
    return run
