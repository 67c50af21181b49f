import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.utils import timezone


class Source(models.TextChoices):
    WEB = "web", "Web form"
    COMMAND = "command", "Management command"
    JOB = "job", "Background job"
    # The capability checks of check_notion and the Connection page: their 404s are answers, not failures.
    PROBE = "probe", "Capability probe"
    # Incoming: an event Notion (or the sandbox) sent to /notion/webhooks/ (integration/webhooks).
    WEBHOOK = "webhook", "Notion webhook (incoming)"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class AuditContext:
    """Who asked for the requests of one user action, and the id that groups them."""

    correlation_id: uuid.UUID = field(default_factory=uuid.uuid4)
    username: str = ""
    source: str = Source.OTHER


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    CLIENT_ERROR = "client_error", "Client error (4xx)"
    SERVER_ERROR = "server_error", "Server error (5xx)"
    NO_RESPONSE = "no_response", "No response"
    # Notion answered, but only the status and the object ID could be written (integration/http/audit.py).
    INCOMPLETE = "incomplete", "Answered; record incomplete"
    # An incoming webhook event this app did not take: unsigned, forged, stale, replayed, too big…
    REFUSED = "refused", "Refused (incoming)"

    @classmethod
    def for_status(cls, status: int) -> "Outcome":
        if status < 400:
            return cls.SUCCESS
        return cls.CLIENT_ERROR if status < 500 else cls.SERVER_ERROR


class CompactJSONEncoder(json.JSONEncoder):
    """JSON without spaces or escapes, as SQLite keeps it as text: `{"a":1,"é":2}`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "separators": (",", ":"), "ensure_ascii": False})


class NotionRequestLog(models.Model):
    """One HTTP attempt to Notion, as it was sent and answered, secrets masked.

    A row is written before the request goes out and completed when it returns,
    so an attempt that never got an answer stays visible as "no response".

    A body is kept as its JSON (secrets masked), or as a string when it is not JSON or
    was cut at NOTION_AUDIT_BODY_LIMIT characters (then its `…_truncated` flag is set);
    None when there was no body. The indexes are those of the admin's filters, each
    with the time the list is ordered by, and those of its search.
    """

    created_at = models.DateTimeField(default=timezone.now)
    operation = models.CharField(max_length=64)
    method = models.CharField(max_length=8)
    url = models.TextField()
    request_headers = models.JSONField(default=dict)
    request_body = models.JSONField(null=True, blank=True, encoder=CompactJSONEncoder)
    request_body_truncated = models.BooleanField(default=False)
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.NO_RESPONSE)
    response_headers = models.JSONField(default=dict)
    response_body = models.JSONField(null=True, blank=True, encoder=CompactJSONEncoder)
    response_body_truncated = models.BooleanField(default=False)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    correlation_id = models.UUIDField()
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=36, blank=True)
    parent_id = models.CharField(max_length=36, blank=True)
    username = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=16, choices=Source.choices)
    sandbox = models.BooleanField(default=False, help_text="Answered by the built-in sandbox, not Notion.")
    # An incoming webhook event (source "webhook"): when it happened in Notion, and the request of
    # this app that created its object, if the history has it. Its event ID is kept in `request_id`.
    # No constraint: pruning deletes the older requests first, leaving the link to nothing.
    event_at = models.DateTimeField(null=True, blank=True)
    origin = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "Notion request"
        constraints = [
            # Each event is taken once: a second delivery of its ID is recorded as refused.
            models.UniqueConstraint(
                fields=["request_id"],
                condition=models.Q(source="webhook", outcome="success"),
                name="request_log_event_once",
            )
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], name="request_log_time"),
            models.Index(fields=["operation", "created_at", "id"], name="request_log_operation_time"),
            models.Index(fields=["outcome", "created_at", "id"], name="request_log_outcome_time"),
            models.Index(fields=["source", "created_at", "id"], name="request_log_source_time"),
            models.Index(fields=["sandbox", "created_at", "id"], name="request_log_answered_by_time"),
            models.Index(fields=["correlation_id", "created_at", "id"], name="request_log_action_time"),
            # The search looks for a term in each of these (a plain B-tree: it never searches with LIKE).
            models.Index(fields=["request_id"], name="request_log_request_id"),
            models.Index(fields=["object_id"], name="request_log_object_id"),
            models.Index(fields=["parent_id"], name="request_log_parent_id"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.url} → {self.status or 'no response'}"


class SubmissionQuerySet(models.QuerySet):
    def recent_objects(self, user: object, kind: str, limit: int = 10) -> list[dict[str, str]]:
        """The pages or data sources `user` made or used lately, newest first, without repeats."""
        return self.recent_objects_of_kinds(user, [kind], limit)[kind]

    def recent_objects_of_kinds(
        self, user: object, kinds: list[str], limit: int = 10
    ) -> dict[str, list[dict[str, str]]]:
        """`recent_objects` of each kind, read in one query: each kind's latest rows, put together."""
        if not kinds:
            return {}
        latest = [
            self.filter(user=user, kind=kind, status=FormSubmission.Status.SUCCEEDED)
            .order_by("-created_at")
            .values_list("created_at", "kind", "object_id", "title")[: limit * 5]
            for kind in kinds
        ]
        # One round trip; each kind's query in a subquery of its own, where SQLite allows a LIMIT.
        queries = [query.query.sql_with_params() for query in latest]
        sql = " UNION ALL ".join(
            f"SELECT * FROM ({query}) AS recent_{n}" for n, (query, _) in enumerate(queries)
        )
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, [param for _, params in queries for param in params])
            rows = cursor.fetchall()
        found: dict[str, dict[str, dict[str, str]]] = {kind: {} for kind in kinds}
        # A union keeps no order: newest first again.
        for _, kind, object_id, title in sorted(rows, key=lambda row: row[0], reverse=True):
            objects = found[kind]
            if object_id not in objects:
                objects[object_id] = {"id": object_id, "name": title}
            elif not objects[object_id]["name"]:
                objects[object_id]["name"] = title
        return {kind: list(objects.values())[:limit] for kind, objects in found.items()}

    def latest_of_actions(
        self, user: object, actions: list[str], limit: int
    ) -> dict[str, list["FormSubmission"]]:
        """The latest `limit` submissions of each of `actions` by `user`, newest first, in one query."""
        latest = [self.filter(user=user, action=action)[:limit] for action in actions]
        if len(latest) < 2:
            return {action: list(rows) for action, rows in zip(actions, latest, strict=True)}
        queries = [rows.query.sql_with_params() for rows in latest]
        sql = " UNION ALL ".join(
            f"SELECT * FROM ({query}) AS latest_{n}" for n, (query, _) in enumerate(queries)
        )
        found: dict[str, list[FormSubmission]] = {action: [] for action in actions}
        rows = self.raw(sql, [param for _, params in queries for param in params])
        for submission in sorted(rows, key=lambda row: (row.created_at, row.pk), reverse=True):
            found[submission.action].append(submission)
        return found


class FormSubmission(models.Model):
    """One submission of one of the four forms, keyed by the one-time key its form carried.

    The key makes a repeated POST (double click, browser resend) show the first
    result instead of calling Notion again. The input is kept so that nothing a
    user typed is lost when Notion fails. `kind`, `object_id` and `title` name the
    page or data source the submission made or worked on, for the pick lists.
    """

    class Action(models.TextChoices):
        DATABASE = "database", "Create a database"
        PAGE = "page", "Add a page"
        CONTENT = "content", "Add content"
        COMMENT = "comment", "Add a comment"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    key = models.UUIDField(unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    input = models.JSONField(default=dict)
    result = models.JSONField(default=dict, blank=True)
    error = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=16, blank=True)
    object_id = models.CharField(max_length=36, blank=True)
    title = models.CharField(max_length=2000, blank=True)
    correlation_id = models.UUIDField(default=uuid.uuid4)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["user", "action", "-created_at"]),
            models.Index(
                fields=["user", "kind", "-created_at"],
                name="submission_recent_objects",
                condition=models.Q(status="succeeded"),
            ),
            models.Index(fields=["status", "created_at"], name="submission_status_time"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.status})"


class PacingState(models.Model):
    """The shared schedule of requests to Notion (see integration.http.pacing).

    `next_at` is when the next request would be due if requests came evenly, in seconds
    since the epoch.
    """

    key = models.CharField(max_length=64, primary_key=True)
    next_at = models.FloatField()

    def __str__(self) -> str:
        return f"{self.key}: next at {self.next_at:.3f}"


class Job(models.Model):
    """Work for Notion done in the background by a `db_worker` process, and how far it got.

    Its requests are in the history under `correlation_id`. `progress` is what a worker needs
    to go on where another stopped; `result` the summary the job page ends with.
    """

    class Kind(models.TextChoices):
        CONTENT = "content", "Add content"
        IMPORT = "import", "Import a CSV file"
        UNDO = "undo", "Undo an import"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        PAUSED = "paused", "Paused: Notion is not answering"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        UNDONE = "undone", "Undone"

    FINISHED = (State.DONE, State.FAILED, State.CANCELLED, State.UNDONE)

    kind = models.CharField(max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    step = models.CharField(max_length=1000, blank=True, help_text="What the job is doing now.")
    input = models.JSONField(default=dict)
    progress = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    correlation_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    worker_id = models.CharField(max_length=64, blank=True)
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    turn_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last took it: its owner's turns come round-robin."
    )
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            models.Index(fields=["owner", "-turn_at"], name="job_owner_last_turn"),
        ]
        # Seeing another user's job takes `view_job`; cancelling, resuming or undoing it this one.
        permissions = [("manage_others_jobs", "Can cancel, resume and undo other users' jobs")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} job {self.pk} ({self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED


class Upload(models.Model):
    """A CSV file uploaded for import, kept under IMPORTS_DIR for its uploader's preview.

    Only its owner reaches it, by its random `token`. Once its import starts, `job` is set and
    the job owns the file; an upload never started is deleted with its file by `manage.py prune`
    once IMPORT_UPLOAD_HOURS old. `summary` is what reading the file once at upload found
    (`CsvFile.as_dict`): the preview shows it without reading the file again.
    """

    token = models.CharField(max_length=32, unique=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    path = models.CharField(max_length=1000)
    name = models.CharField(max_length=200)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="upload_abandoned", condition=models.Q(job=None))]

    def __str__(self) -> str:
        return f"Upload of {self.name}"


class WorkerBeat(models.Model):
    """The last time a `db_worker` process was heard from (it beats while it runs)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} at {self.seen_at:%H:%M:%S}"


class JobRow(models.Model):
    """One row of an import job's file and what became of it; the pages an undo moves to the trash
    or puts back as they were.

    A row is written `pending` before its page is asked for: if no answer comes back, the next
    run looks for the row's `key` in the data source before asking again. An update's row keeps
    the properties it changed as they were (`before`), written before the update is sent.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", "Sent, no answer yet"
        ADDED = "added", "Added"
        UPDATED = "updated", "Updated"
        UNCHANGED = "unchanged", "Already as it is"
        LEFT_OUT = "left_out", "Left out"
        SKIPPED = "skipped", "Skipped"
        REFUSED = "refused", "Refused by Notion"
        TRASHED = "trashed", "Moved to the trash"
        RESTORED = "restored", "Put back as it was"

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    key = models.CharField(max_length=32, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    page_id = models.CharField(max_length=36, blank=True)
    column = models.CharField(max_length=200, blank=True)
    message = models.TextField(blank=True)
    # An updated page's properties as they were before, as a request sets them: what undo sends back.
    before = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["job", "line", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "key"], condition=~models.Q(key=""), name="job_row_one_per_key"
            )
        ]
        indexes = [models.Index(fields=["job", "outcome", "line"], name="job_row_outcome")]

    def __str__(self) -> str:
        return f"Line {self.line}: {self.outcome}"


class PruneRun(models.Model):
    """One run of `manage.py prune`: what it deleted (or, with --dry-run, would have), table by table."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    days = models.PositiveIntegerField()
    dry_run = models.BooleanField(default=False)
    counts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"Prune of {self.started_at:%Y-%m-%d %H:%M}{' (dry run)' if self.dry_run else ''}"
