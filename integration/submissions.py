"""Form submissions: each sent to Notion once, whatever the browser resends, and its result kept.

`submit` owns the one-time key, who may use it, the call to Notion and the stored result;
`home_sections` builds what the home page shows of them. Views only bind forms and render.
"""

import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from integration import attachments, jobs
from integration.http.policy import action_timeout
from integration.masking import mask_json
from integration.models import AuditContext, FormSubmission, NotionRequestLog, Source
from integration.notion import comments, content, databases
from integration.notion.columns import DEFAULT_TITLE, Column
from integration.notion.database_views import DatabaseView, ViewMade
from integration.notion.errors import MAYBE_DONE, NotionError
from integration.notion.files import LocalFile
from integration.notion.markdown import TooDeep
from integration.notion.shapes import title_of
from integration.notion.values import value_text
from integration.notion.workspace import workspace

logger = logging.getLogger(__name__)

Action = FormSubmission.Action
Status = FormSubmission.Status

# How long a repeated submission waits for the first one, still running, to finish.
DUPLICATE_WAIT_SECONDS = 30


class KeyInUse(Exception):
    """The form's one-time key belongs to another user or another form."""


@dataclass(frozen=True)
class ActionResult:
    """What one action made, in the one shape pages, pick lists and the script read.

    `kind`, `object_id` and `title` name the page or data source the pick lists offer next.
    """

    kind: str
    object_id: str
    title: str
    headline: str
    ids: list[tuple[str, str]]  # labelled IDs to show
    link: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.ids[0][1],
            "title": self.title,
            "headline": self.headline,
            "ids": [list(pair) for pair in self.ids],
            "url": self.link["href"],
            "link": self.link,
            **self.extra,
        }


def _page_title(user: User, page_id: str) -> str:
    """The title this user last saw for the page, if any."""
    titles = FormSubmission.objects.filter(user=user, kind="page", object_id=page_id).exclude(title="")
    return titles.values_list("title", flat=True).first() or ""


def _quoted(title: str) -> str:
    return f"“{title}”" if title else "the page"


@dataclass(frozen=True)
class Run:
    """How one submission is sent: under which audit context, until when, while whom still waits."""

    context: AuditContext
    deadline: float  # time.monotonic()
    keep_going: Callable[[], bool] | None = None


def _create_database(user: User, data: dict, run: Run) -> ActionResult:
    title_property = data.get("title_property") or DEFAULT_TITLE
    columns = [Column.from_dict(one) for one in data.get("columns", [])]
    database = databases.create_database(
        title=data["name"],
        title_property=title_property,
        columns=columns,
        views=[DatabaseView.from_dict(one) for one in data.get("views", [])],
        context=run.context,
        deadline=run.deadline,
    )
    source_id = database["data_sources"][0]["id"]
    title = title_of(database)
    views = [ViewMade.from_dict(one) for one in database.get(databases.VIEWS_MADE, [])]
    refused = sum(not one.made for one in views)
    headline = f"Database {_quoted(title)} created"
    if refused:  # the database stays: said at once, each view's reason below
        headline += f"; {refused} view{'s' if refused != 1 else ''} not made"
    return ActionResult(
        kind="data_source",
        object_id=source_id,
        title=title,
        headline=headline,
        ids=[("Database ID", database["id"]), ("Data source ID", source_id)],
        link=workspace().link(database["id"], database.get("url")).as_dict(),
        extra={
            "data_source_id": source_id,
            "columns": [[title_property, "title"], *([one.name, one.type] for one in columns)],
            **({"views": [one.as_dict() for one in views]} if views else {}),
        },
    )


def _create_page(user: User, data: dict, run: Run) -> ActionResult:
    uploads = {
        prop: [attachments.from_dict(one) for one in files]
        for prop, files in (data.get("uploads") or {}).items()
    }
    try:
        page, values = attachments.create_page_with_files(
            data_source_id=data["data_source_id"],
            title=data["name"],
            header=data["header"],
            values=data.get("values") or {},
            uploads=uploads,
            template=data.get("template") or "",
            context=run.context,
            deadline=run.deadline,
        )
    except attachments.FileRefused as refused:
        raise NotionError(code="file_refused", hint=str(refused)) from None
    source_id = page.get("parent", {}).get("data_source_id")
    title = title_of(page)
    return ActionResult(
        kind="page",
        object_id=page["id"],
        title=title,
        headline=f"Page {_quoted(title)} added",
        ids=[("Page ID", page["id"])],
        link=workspace().link(page["id"], page.get("url")).as_dict(),
        extra={
            "data_source_id": source_id if isinstance(source_id, str) else data["data_source_id"],
            "sent": [[name, value_text(value)] for name, value in values.items()],
            "template": data.get("template_name") or "",
        },
    )


def _content_in_background(
    user: User, data: dict, run: Run, parts: int, files: list[LocalFile]
) -> ActionResult:
    page_id = data["page_id"]
    job = jobs.start_content_job(
        user=user,
        page_id=page_id,
        text=data["content"],
        text_format=data.get("format") or content.PLAIN,
        parts=parts,
        correlation_id=run.context.correlation_id,
        files=attachments.keep_for_job(files),
    )
    job_url = reverse("job", args=[job.pk])
    return ActionResult(
        kind="page",
        object_id=page_id,
        title=_page_title(user, page_id),
        headline="Sending in the background: see the job",
        ids=[("Job", str(job.pk)), ("Page ID", page_id)],
        link={"href": job_url, "label": "See the job", "external": False},
        extra={"page_id": page_id, "job_url": job_url},
    )


def _append_content(user: User, data: dict, run: Run) -> ActionResult:
    page_id = data["page_id"]
    text_format = data.get("format") or content.PLAIN
    files = [attachments.from_dict(one) for one in data.get("attachments") or []]
    described = [(file.name, file.content_type) for file in files]
    try:
        attachments.check_for_workspace(files, context=run.context)
    except attachments.FileRefused as refused:
        raise NotionError(code="file_refused", hint=str(refused)) from None
    plan: content.ContentPlan | None = data.get("plan")  # the form's; a command's data has none
    if plan is None:
        try:
            plan = content.plan_with_files(data["content"], text_format=text_format, files=described)
        except TooDeep:
            plan = None  # append_content says so
    parts = len(plan.steps) if plan else 0
    if settings.NOTION_CONTENT_BACKGROUND_REQUESTS < parts <= settings.NOTION_CONTENT_MAX_REQUESTS:
        return _content_in_background(user, data, run, parts, files)
    # Content refused as it is (too deep) is refused by append_content before anything is sent.
    uploaded = attachments.upload_all(files, context=run.context, deadline=run.deadline) if plan else {}
    try:
        added = content.append_content(
            page_id=page_id,
            content=data["content"],
            text_format=text_format,
            context=run.context,
            deadline=run.deadline,
            max_requests=settings.NOTION_CONTENT_MAX_REQUESTS,
            keep_going=run.keep_going,
            files=described,
            uploaded=uploaded,
            plan=plan,
        )
    except NotionError as error:
        if files and error.code != "too_deep":
            error.hint += _unattached_after(error, files)
        raise
    title = _page_title(user, page_id)
    blocks = added.blocks
    first = blocks[0].get("id") if blocks and isinstance(blocks[0], dict) else ""
    count = added.count
    return ActionResult(
        kind="page",
        object_id=page_id,
        title=title,
        headline=f"{count} block{'s' if count != 1 else ''} added to {_quoted(title)}",
        ids=[("First block ID", str(first or "")), ("Page ID", page_id)],
        link=workspace().link(page_id).as_dict(),
        extra={"page_id": page_id, "blocks": count, "files": [file.name for file in files]},
    )


def _unattached_after(error: NotionError, files: list[LocalFile]) -> str:
    """What became of the uploaded files when adding their blocks failed."""
    if error.maybe_done:
        return ""  # the hint says to look at the page: the files may be there
    return (
        f" {attachments.names(files)} had been uploaded to Notion; any whose block was not added is "
        "attached to nothing, and Notion drops it within an hour."
    )


def _add_comment(user: User, data: dict, run: Run) -> ActionResult:
    page_id = data["page_id"]
    block_id = data.get("block_id", "")
    comment = comments.add_comment(
        page_id=page_id, block_id=block_id, text=data["comment"], context=run.context, deadline=run.deadline
    )
    title = _page_title(user, page_id)
    discussion = comment.get("discussion_id")
    on = f"a block of {_quoted(title)}" if block_id else _quoted(title)
    return ActionResult(
        kind="page",
        object_id=page_id,
        title=title,
        headline=f"Comment added to {on}",
        ids=[
            ("Comment ID", comment["id"]),
            *([("Block ID", block_id)] if block_id else []),
            ("Page ID", page_id),
        ],
        link=workspace().link(page_id).as_dict(),
        extra={"page_id": page_id, "discussion_id": discussion if isinstance(discussion, str) else ""},
    )


ACTIONS: dict[str, Callable[[User, dict, Run], ActionResult]] = {
    Action.DATABASE: _create_database,
    Action.PAGE: _create_page,
    Action.CONTENT: _append_content,
    Action.COMMENT: _add_comment,
}


def _app_error(submission: FormSubmission) -> dict[str, Any]:
    writes = NotionRequestLog.objects.filter(
        correlation_id=submission.correlation_id, method__in=["POST", "PATCH"]
    )
    maybe_done = writes.exists()
    reference = str(submission.correlation_id)
    return {
        "source": "app",
        "code": "app_error",
        "hint": f"Something went wrong in this app, not in Notion; it was logged as error {reference}."
        + (MAYBE_DONE if maybe_done else " Nothing was sent to Notion: try again."),
        "reference": reference,
        "maybe_done": maybe_done,
    }


def _run(submission: FormSubmission, user: User, data: dict, run: Run) -> None:
    try:
        result = ACTIONS[submission.action](user, data, run)
        submission.result = mask_json(result.as_json())
        submission.kind, submission.object_id = result.kind, result.object_id
        submission.title = mask_json(result.title)[: FormSubmission._meta.get_field("title").max_length]
        submission.status = Status.SUCCEEDED
    except NotionError as error:
        submission.error = error.as_dict()
        submission.status = Status.FAILED
    except Exception:
        logger.exception(
            "Sending the %s form to Notion failed (error %s)", submission.action, submission.correlation_id
        )
        submission.error = _app_error(submission)
        submission.status = Status.FAILED
    submission.finished_at = timezone.now()
    submission.save(update_fields=["result", "error", "status", "kind", "object_id", "title", "finished_at"])


def _interrupted(submission: FormSubmission) -> dict[str, Any]:
    reference = str(submission.correlation_id)
    return {
        "source": "app",
        "code": "interrupted",
        "hint": "This submission stopped without an answer (the app was restarted, or its worker died)."
        + MAYBE_DONE,
        "reference": reference,
        "maybe_done": True,
    }


def _stale_before() -> datetime:
    """Submissions still pending that were created before this may never finish."""
    return timezone.now() - timedelta(seconds=action_timeout())


def as_shown(submissions: Iterable[FormSubmission]) -> list[FormSubmission]:
    """`submissions` as a page shows them: one still pending past the longest an action may take
    is shown interrupted (it may have been done). Nothing is written: a page's GET only reads;
    `expire_stale` records it."""
    cutoff = _stale_before()
    shown = list(submissions)
    for submission in shown:
        if submission.status == Status.PENDING and submission.created_at < cutoff:
            submission.status, submission.error = Status.FAILED, _interrupted(submission)
    return shown


def expire_stale(user: User | None = None) -> int:
    """Mark the submissions (of `user`, or everyone's) still pending past the longest an action
    may take as interrupted: they may have been done. Returns how many there were."""
    stale = FormSubmission.objects.filter(status=Status.PENDING, created_at__lt=_stale_before())
    if user is not None:
        stale = stale.filter(user=user)
    expired = 0
    for submission in stale:
        submission.error = _interrupted(submission)
        submission.status = Status.FAILED
        submission.finished_at = timezone.now()
        expired += FormSubmission.objects.filter(pk=submission.pk, status=Status.PENDING).update(
            status=submission.status, error=submission.error, finished_at=submission.finished_at
        )
    return expired


def _wait_for(submission: FormSubmission) -> None:
    """Wait a while for the first submission with this key to finish, or find it interrupted."""
    lifetime_end = submission.created_at + timedelta(seconds=action_timeout())
    seconds_left = (lifetime_end - timezone.now()).total_seconds()
    deadline = time.monotonic() + min(DUPLICATE_WAIT_SECONDS, max(0.0, seconds_left))
    while submission.status == Status.PENDING and time.monotonic() < deadline:
        time.sleep(0.2)
        submission.refresh_from_db()
    if submission.status == Status.PENDING and timezone.now() >= lifetime_end:
        expire_stale(submission.user)
        submission.refresh_from_db()


def _storable(data: dict) -> dict:
    """`data` as kept with its submission: JSON, without what a form made of it (a content plan)."""
    return {key: value for key, value in data.items() if not isinstance(value, content.ContentPlan)}


def submit(
    *,
    user: User,
    action: str,
    key: uuid.UUID,
    data: dict,
    source: str = Source.WEB,
    keep_going: Callable[[], bool] | None = None,
) -> FormSubmission:
    """Send one form's `data` to Notion once for this one-time `key`; return its submission.

    A key seen before gives the first submission, with its result, and sends nothing.
    Raises KeyInUse if the key is another user's or another form's. `keep_going` says
    whether whoever asked still waits for the answer: long work stops when they left.
    """
    try:
        submission, created = FormSubmission.objects.get_or_create(
            # The token never reaches the database, even typed into a form by mistake.
            key=key,
            defaults={"user": user, "action": action, "input": mask_json(_storable(data))},
        )
    except IntegrityError:  # the same key, created at the same moment by another request
        submission, created = FormSubmission.objects.get(key=key), False
    if submission.user_id != user.pk or submission.action != action:
        raise KeyInUse()
    if created:
        context = AuditContext(
            correlation_id=submission.correlation_id, username=user.get_username(), source=source
        )
        run = Run(context, time.monotonic() + settings.NOTION_ACTION_TIMEOUT, keep_going)
        _run(submission, user, data, run)
    else:
        _wait_for(submission)
    return submission
