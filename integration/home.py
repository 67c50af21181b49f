"""What the home page shows: the four forms, each with its latest answers, IDs carried forward."""

from dataclasses import dataclass
from typing import Any, cast

from django.contrib.auth.models import User
from django.urls import reverse

from integration.forms import BlockField, CommentForm, ContentForm, DatabaseForm, NotionForm, PageForm
from integration.ids import parse_notion_id
from integration.models import AuditContext, FormSubmission, Source
from integration.notion import selectors
from integration.notion.errors import NotionError
from integration.notion.selectors import known_data_source
from integration.notion.templates import known_templates, templates_or_none
from integration.submissions import as_shown
from integration.webhooks.service import last_comment_event

Action = FormSubmission.Action
Status = FormSubmission.Status
HISTORY = 5  # answers shown per form, the latest open and the others folded


@dataclass(frozen=True)
class Step:
    action: str
    title: str
    form_class: type[NotionForm]
    id_field: str = ""  # the field that takes an ID from an earlier step
    button: str = "Submit"

    @property
    def url(self) -> str:
        return reverse(f"submit-{self.action}")


STEPS = [
    Step(Action.DATABASE, "1. Create a new database", DatabaseForm, button="Create database"),
    Step(Action.PAGE, "2. Add a page to the database", PageForm, "data_source_id", "Add page"),
    Step(Action.CONTENT, "3. Add content to the page", ContentForm, "page_id", "Add content"),
    Step(Action.COMMENT, "4. Add a comment to the content", CommentForm, "page_id", "Add comment"),
]
STEP = {step.action: step for step in STEPS}
KIND_OF_FIELD = {"data_source_id": "data_source", "page_id": "page"}


def recent_objects(user: User, fields: list[str] | None = None) -> dict[str, list[dict[str, str]]]:
    """The data sources and pages `user` made or used lately, by the form field that takes them
    (of `fields` only, if given), in one query."""
    names = list(KIND_OF_FIELD) if fields is None else fields
    found = FormSubmission.objects.recent_objects_of_kinds(user, [KIND_OF_FIELD[name] for name in names])
    return {name: found[KIND_OF_FIELD[name]] for name in names}


def comment_targets(user: User, *, page_id: str, block_id: str = "", cursor: str = "") -> dict[str, Any]:
    """What form 4 can comment on: the page's blocks, nested ones indented (not read again for
    the next page of comments, from `cursor`), and the comments already on the page or on the
    chosen block (oldest first, a page of them from `cursor`)."""
    context = AuditContext(username=user.get_username(), source=Source.WEB)
    targets: dict[str, Any] = {"page_id": page_id, "block_id": block_id, "blocks": [], "comments": []}
    # Read before the comments: a comment Notion reports after this makes the page's script read them again.
    targets["comment_event"] = last_comment_event(page_id)
    try:
        if not cursor:
            targets["blocks"] = selectors.page_blocks(page_id=page_id, context=context)
        found, next_cursor = selectors.comments_on(
            parent_id=block_id or page_id, cursor=cursor, context=context
        )
        targets.update(comments=found, next_cursor=next_cursor)
    except NotionError as error:
        targets["error"] = error
    return targets


def _unbound(step: Step, initial: dict[str, Any], *, read_for: Any = None) -> NotionForm:
    """The step's form, filled with `initial`; the page form with the fields of its data source,
    if they were read lately. The home page waits for Notion only when its address names the data
    source (`read_for`: the user it reads it for): after form 1 without JavaScript, or a search's pick."""
    if step.form_class is not PageForm:
        return step.form_class(prefix=step.action, initial=initial)
    source_id = parse_notion_id(str(initial.get("data_source_id") or "")) or ""
    source, error = known_data_source(source_id), None
    templates = known_templates(source_id)
    if source is None and source_id and read_for is not None:
        context = AuditContext(username=read_for.get_username(), source=Source.WEB)
        try:
            source = selectors.data_source_schema(source_id=source_id, context=context)
            templates = templates_or_none(data_source_id=source_id, context=context)
        except NotionError as failed:
            error = failed.hint
    form = PageForm(prefix=step.action, initial=initial, source=source, templates=templates)
    form.fields_error = error
    return form


def home_sections(
    user: User,
    *,
    chosen: dict[str, str] | None = None,
    bound: NotionForm | None = None,
    only: str | None = None,
    recent: dict[str, list[dict[str, str]]] | None = None,
    kept: dict[str, Any] | None = None,
    targets: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The sections of the home page (only the one of action `only`, if given).

    `chosen`: IDs picked for the ID fields (from a link's query string); otherwise each ID
    field offers the newest object made or used. `bound`: a submitted form, shown as sent.
    `kept`: a form kept across a login (integration.middleware), put back as it was typed.
    `targets`: the blocks and comments of the comment form's page (`comment_targets`).
    """
    shown = [step for step in STEPS if only is None or step.action == only]
    if recent is None:  # the ID fields shown offer the newest object made or used
        recent = recent_objects(user, [step.id_field for step in shown if step.id_field])
    carried = {}
    for name, objects in recent.items():
        carried[name] = (chosen or {}).get(name) or (objects[0]["id"] if objects else "")
    sections = []
    histories = FormSubmission.objects.latest_of_actions(user, [step.action for step in shown], HISTORY)
    for step in shown:
        history = as_shown(histories[step.action])
        restored = kept is not None and kept["action"] == step.action
        if bound is not None and bound.prefix == step.action:
            form = bound
        elif restored and kept is not None:
            form = _unbound(step, kept["fields"])
        else:
            latest = history[0] if history else None
            initial = dict(latest.input) if latest and latest.status == Status.FAILED else {}
            if step.id_field and not initial.get(step.id_field):
                initial[step.id_field] = carried[step.id_field]
            if targets is not None and step.action == Action.COMMENT:  # the block chosen stays chosen
                initial.update(page_id=targets["page_id"], block_id=targets["block_id"])
            named = step.id_field and (chosen or {}).get(step.id_field) == initial.get(step.id_field)
            form = _unbound(step, initial, read_for=user if named else None)
        sections.append(
            {
                "step": step,
                "action": step.action,
                "title": step.title,
                "form": form,
                "history": history,
                "restored": restored,
                "targets": targets if step.action == Action.COMMENT else None,
            }
        )
        if targets is not None and step.action == Action.COMMENT:
            cast(BlockField, form.fields["block_id"]).offer(targets["blocks"])
    return sections
