"""`manage.py prune`: everything that grows, deleted past its age in batches, each run recorded."""

import os
import time
import uuid
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from integration.models import FormSubmission, Job, JobRow, NotionRequestLog, PruneRun, Upload
from integration.sandbox.models import SandboxObject
from tests.factories import FormSubmissionFactory, JobFactory, NotionRequestLogFactory, UserFactory

OLD = timedelta(days=91)
RECENT = timedelta(days=89)


@pytest.fixture
def grown(settings, tmp_path):
    """Two of each kind of thing, one past the 90 days kept and one within them."""
    settings.IMPORTS_DIR = tmp_path / "imports"
    settings.IMPORTS_DIR.mkdir()
    now = timezone.now()
    made = {}
    for age, name in ((OLD, "old"), (RECENT, "recent")):
        made[f"log_{name}"] = NotionRequestLogFactory(created_at=now - age)
        made[f"submission_{name}"] = FormSubmissionFactory(created_at=now - age)
        job = JobFactory(kind=Job.Kind.IMPORT, state=Job.State.DONE, finished_at=now - age)
        JobRow.objects.bulk_create(JobRow(job=job, line=n, outcome="added") for n in range(3))
        made[f"job_{name}"] = job
        trashed = SandboxObject.objects.create(id=uuid.uuid4(), kind="page", data={"in_trash": True})
        SandboxObject.objects.filter(pk=trashed.pk).update(created_at=now - age)  # auto_now_add
    made["running"] = JobFactory(state=Job.State.RUNNING, created_at=now - OLD * 2)
    made["kept_in_sandbox"] = SandboxObject.objects.create(
        id=uuid.uuid4(), kind="page", data={"in_trash": False}
    )
    SandboxObject.objects.filter(pk=made["kept_in_sandbox"].pk).update(created_at=now - OLD)
    return made


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune", *args, stdout=out)
    return out.getvalue()


def test_it_deletes_only_what_is_older_than_the_days_kept(grown):
    output = prune("--days", "90", "--batch", "2")

    assert list(NotionRequestLog.objects.values_list("pk", flat=True)) == [grown["log_recent"].pk]
    assert list(FormSubmission.objects.values_list("pk", flat=True)) == [grown["submission_recent"].pk]
    assert set(Job.objects.values_list("pk", flat=True)) == {grown["job_recent"].pk, grown["running"].pk}
    assert JobRow.objects.filter(job=grown["job_recent"]).count() == 3
    assert not JobRow.objects.filter(job_id=grown["job_old"].pk).exists()
    assert SandboxObject.objects.filter(data__in_trash=True).count() == 1
    assert SandboxObject.objects.filter(pk=grown["kept_in_sandbox"].pk).exists()
    assert "  Notion request history: 1" in output
    assert "  rows of imports: 3" in output


def test_a_job_not_finished_is_kept_however_old(grown):
    prune()

    assert Job.objects.filter(pk=grown["running"].pk).exists()


def test_a_dry_run_counts_and_deletes_nothing(grown):
    before = NotionRequestLog.objects.count(), JobRow.objects.count(), FormSubmission.objects.count()

    output = prune("--dry-run")

    assert (
        NotionRequestLog.objects.count(),
        JobRow.objects.count(),
        FormSubmission.objects.count(),
    ) == before
    assert output.startswith("Would delete what is older than 90 days (from before ")
    run = PruneRun.objects.get()
    assert run.dry_run and run.counts["jobs"] == 1 and run.counts["rows of imports"] == 3


def test_each_run_is_recorded_with_what_it_deleted(grown):
    output = prune()

    run = PruneRun.objects.get()
    assert (run.days, run.dry_run) == (90, False)
    assert run.finished_at is not None
    assert run.counts["form submissions"] == 1
    assert run.counts["Notion request history"] == 1
    assert f"Recorded as prune run {run.pk}." in output


def test_the_days_kept_default_to_the_setting(grown, settings):
    settings.RETENTION_DAYS = 100

    prune()

    assert NotionRequestLog.objects.count() == 2
    assert PruneRun.objects.get().days == 100


def test_finished_task_results_past_the_days_kept_are_deleted(grown, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from integration.jobs import run_job

    run_job.enqueue(0)
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now() - OLD)
    run_job.enqueue(0)  # still queued: kept

    prune()

    assert DBTaskResult.objects.count() == 1


def test_imported_files_no_job_needs_are_deleted_once_a_day_old(grown, settings):
    folder = settings.IMPORTS_DIR
    stale, fresh, resumable = folder / "stale.csv", folder / "fresh.csv", folder / "resumable.csv"
    for path in (stale, fresh, resumable):
        path.write_text("Title\nDune\n")
    day_ago = time.time() - 25 * 3600
    os.utime(stale, (day_ago, day_ago))
    os.utime(resumable, (day_ago, day_ago))
    JobFactory(kind=Job.Kind.IMPORT, state=Job.State.FAILED, input={"file": str(resumable)})

    prune()

    assert sorted(path.name for path in folder.iterdir()) == ["fresh.csv", "resumable.csv"]
    assert PruneRun.objects.get().counts["imported files"] == 1


@pytest.fixture
def uploads(grown, settings):
    """Uploads of a CSV file for import: one never started past IMPORT_UPLOAD_HOURS (6 here), one
    within them, and one started long ago, whose file its job has."""
    settings.IMPORT_UPLOAD_HOURS = 6
    owner = UserFactory()
    now = timezone.now()

    def upload(name: str, hours: int, job: Job | None = None) -> Upload:
        path = settings.IMPORTS_DIR / name
        if job is None:
            path.write_text("Title\nDune\n")
        return Upload.objects.create(
            token=name,
            owner=owner,
            path=str(path),
            name=name,
            created_at=now - timedelta(hours=hours),
            job=job,
        )

    return {
        "abandoned": upload("abandoned.csv", 7),
        "fresh": upload("fresh.csv", 5),
        "started": upload("started.csv", 7, job=grown["running"]),
    }


def test_uploads_never_started_are_deleted_with_their_files_past_the_hours_kept(uploads, settings):
    prune()

    assert set(Upload.objects.values_list("token", flat=True)) == {"fresh.csv", "started.csv"}
    assert [path.name for path in settings.IMPORTS_DIR.iterdir()] == ["fresh.csv"]
    assert PruneRun.objects.get().counts["uploads never started"] == 1


def test_a_dry_run_keeps_the_uploads_never_started(uploads, settings):
    prune("--dry-run")

    assert Upload.objects.count() == 3
    assert (settings.IMPORTS_DIR / "abandoned.csv").exists()
    assert PruneRun.objects.get().counts["uploads never started"] == 1


@pytest.mark.parametrize("args", [["--days", "0"], ["--batch", "0"]])
def test_bad_arguments_are_refused_and_nothing_is_deleted(grown, args):
    with pytest.raises(CommandError, match=r"--days and --batch must be at least 1\."):
        prune(*args)

    assert NotionRequestLog.objects.count() == 2
    assert not PruneRun.objects.exists()


def test_staff_see_the_prune_runs_in_the_admin(grown, staff_browser):
    prune()

    page = staff_browser.get("/admin/integration/prunerun/").content.decode()

    assert "Notion request history: 1" in page


def test_it_says_the_cutoff_as_a_date_and_the_days_in_good_english(grown, settings):
    settings.TIME_ZONE = "UTC"

    output = prune("--days", "1")

    cutoff = PruneRun.objects.get().started_at - timedelta(days=1)
    first = output.splitlines()[0]
    assert first == f"Deleted what is older than 1 day (from before {cutoff:%Y-%m-%d %H:%M} UTC):"


def test_more_verbosity_shows_progress_but_each_count_once(grown):
    out = StringIO()
    call_command("prune", "--batch", "1", verbosity=2, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines.count("  Notion request history: 1") == 1
    assert sum(line.startswith("Notion request history: ") for line in lines) == 1  # its progress
    assert lines.count("  jobs: 1") == 1


def test_it_marks_submissions_left_pending_by_a_dead_process_interrupted(db, settings):
    now = timezone.now()
    stuck = FormSubmissionFactory(created_at=now - timedelta(seconds=settings.NOTION_ACTION_TIMEOUT + 60))
    running = FormSubmissionFactory()

    prune()

    stuck.refresh_from_db()
    running.refresh_from_db()
    assert stuck.status == "failed" and stuck.error["maybe_done"] and stuck.finished_at is not None
    assert running.status == "pending"


def test_a_dry_run_leaves_pending_submissions_as_they_are(db, settings):
    stuck = FormSubmissionFactory(
        created_at=timezone.now() - timedelta(seconds=settings.NOTION_ACTION_TIMEOUT + 60)
    )

    prune("--dry-run")

    stuck.refresh_from_db()
    assert stuck.status == "pending"
