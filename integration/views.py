"""The home page with its four forms, and one view per form that sends it to Notion.

Without JavaScript each form posts, the result is stored with the submission,
and the browser is sent back to the home page where the result stands next
to its form (post/redirect/get). A form whose key was already used is not sent
again: the first submission's result is shown.
"""

import logging
import time
from typing import Any, ClassVar

from django.conf import settings
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from integration import notion
from integration.audit import AuditContext
from integration.forms import CommentForm, ContentForm, DatabaseForm, NotionForm, PageForm
from integration.models import FormSubmission, Source

logger = logging.getLogger(__name__)

Action = FormSubmission.Action
Status = FormSubmission.Status

# How long a repeated submission waits for the first one, still running, to finish.
DUPLICATE_WAIT_SECONDS = 30


def notion_url(object_id: str) -> str:
    return f"https://www.notion.so/{object_id.replace('-', '')}"


def _title(obj: dict) -> str:
    for prop in (obj.get("properties") or {}).values():
        if isinstance(prop, dict) and prop.get("type") == "title":
            return "".join(part.get("plain_text", "") for part in prop.get("title") or [])
    return "".join(part.get("plain_text", "") for part in obj.get("title") or [])


class HomeView(TemplateView):
    template_name = "integration/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        recent_sources = FormSubmission.objects.recent_ids(user, "data_source")
        recent_pages = FormSubmission.objects.recent_ids(user, "page")
        chained = {
            "data_source_id": recent_sources[0]["id"] if recent_sources else "",
            "page_id": recent_pages[0]["id"] if recent_pages else "",
        }
        bound: NotionForm | None = kwargs.get("bound_form")
        sections = []
        for view in FORM_VIEWS:
            history = list(FormSubmission.objects.filter(user=user, action=view.action)[:5])
            if bound is not None and bound.prefix == view.action:
                form = bound
            else:
                latest = history[0] if history else None
                initial = dict(latest.input) if latest and latest.status == Status.FAILED else {}
                for name in chained:
                    if name in view.form_class.base_fields and not initial.get(name):
                        initial[name] = chained[name]
                form = view.form_class(prefix=view.action, initial=initial)
            sections.append(
                {
                    "action": view.action,
                    "title": view.title,
                    "form": form,
                    "history": history,
                    "url": view.url(),
                }
            )
        context.update(
            sections=sections,
            notion_configured=notion.is_configured(),
            parent_page_configured=bool(settings.NOTION_PAGE_ID),
        )
        return context


class NotionFormView(FormView):
    """Send one form to Notion once, then go back to the home page to show the result."""

    action: ClassVar[str]
    title: ClassVar[str]
    form_class: type[NotionForm]
    template_name = "integration/home.html"
    http_method_names = ["get", "post"]

    @classmethod
    def url(cls) -> str:
        return reverse(f"submit-{cls.action}")

    def get_prefix(self) -> str:
        return self.action

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("home")

    def form_invalid(self, form: NotionForm) -> HttpResponse:
        context = HomeView(request=self.request).get_context_data(bound_form=form)
        return self.render_to_response(context, status=400)

    def form_valid(self, form: NotionForm) -> HttpResponse:
        user = self.request.user
        try:
            submission, created = FormSubmission.objects.get_or_create(
                key=form.cleaned_data["submission_key"],
                defaults={"user": user, "action": self.action, "input": form.notion_data()},
            )
        except IntegrityError:  # the same key, created at the same moment by another request
            submission, created = FormSubmission.objects.get(key=form.cleaned_data["submission_key"]), False
        if submission.user_id != user.pk or submission.action != self.action:
            form.add_error(None, "This form has expired: reload the page and submit it again.")
            return self.form_invalid(form)
        if created:
            self.send(submission)
        else:
            self.wait_for(submission)
        return self.done(submission)

    def done(self, submission: FormSubmission) -> HttpResponseRedirect:
        return HttpResponseRedirect(f"{reverse('home')}#{self.action}")

    def send(self, submission: FormSubmission) -> None:
        context = AuditContext(
            correlation_id=submission.correlation_id,
            username=self.request.user.get_username(),
            source=Source.WEB,
        )
        try:
            submission.result = self.call_notion(submission.input, context)
            submission.status = Status.SUCCEEDED
        except notion.NotionError as error:
            submission.error = error.as_dict()
            submission.status = Status.FAILED
        except Exception:
            logger.exception("Sending the %s form to Notion failed", self.action)
            submission.error = {
                "code": "app_error",
                "hint": "Something went wrong in this app; it was logged.",
            }
            submission.status = Status.FAILED
        submission.finished_at = timezone.now()
        submission.save(update_fields=["result", "error", "status", "finished_at"])

    def wait_for(self, submission: FormSubmission) -> None:
        deadline = time.monotonic() + DUPLICATE_WAIT_SECONDS
        while submission.status == Status.PENDING and time.monotonic() < deadline:
            time.sleep(0.2)
            submission.refresh_from_db()

    def call_notion(self, data: dict[str, str], context: AuditContext) -> dict[str, Any]:
        """Make the Notion request(s) of this form; return what to show of the result."""
        raise NotImplementedError


class CreateDatabaseView(NotionFormView):
    action = Action.DATABASE
    title = "1. Create a new database"
    form_class = DatabaseForm

    def call_notion(self, data: dict[str, str], context: AuditContext) -> dict[str, Any]:
        database = notion.create_database(title=data["name"], context=context)
        return {
            "id": database["id"],
            "data_source_id": database["data_sources"][0]["id"],
            "url": database.get("url") or notion_url(database["id"]),
            "title": _title(database),
        }


class CreatePageView(NotionFormView):
    action = Action.PAGE
    title = "2. Add a page to the database"
    form_class = PageForm

    def call_notion(self, data: dict[str, str], context: AuditContext) -> dict[str, Any]:
        page = notion.create_page(
            data_source_id=data["data_source_id"], title=data["name"], header=data["header"], context=context
        )
        parent = page.get("parent") or {}
        return {
            "id": page["id"],
            "data_source_id": parent.get("data_source_id") or data["data_source_id"],
            "url": page.get("url") or notion_url(page["id"]),
            "title": _title(page),
        }


class AddContentView(NotionFormView):
    action = Action.CONTENT
    title = "3. Add content to the page"
    form_class = ContentForm

    def call_notion(self, data: dict[str, str], context: AuditContext) -> dict[str, Any]:
        blocks = notion.append_content(page_id=data["page_id"], content=data["content"], context=context)
        return {
            "id": blocks[0]["id"] if blocks else "",
            "page_id": data["page_id"],
            "blocks": len(blocks),
            "url": notion_url(data["page_id"]),
        }


class AddCommentView(NotionFormView):
    action = Action.COMMENT
    title = "4. Add a comment to the content"
    form_class = CommentForm

    def call_notion(self, data: dict[str, str], context: AuditContext) -> dict[str, Any]:
        comment = notion.add_comment(page_id=data["page_id"], text=data["comment"], context=context)
        return {
            "id": comment["id"],
            "page_id": data["page_id"],
            "discussion_id": comment.get("discussion_id", ""),
            "url": notion_url(data["page_id"]),
        }


FORM_VIEWS: list[type[NotionFormView]] = [CreateDatabaseView, CreatePageView, AddContentView, AddCommentView]
