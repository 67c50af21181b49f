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
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from integration import notion
from integration.audit import AuditContext
from integration.forms import CommentForm, ContentForm, DatabaseForm, NotionForm, PageForm
from integration.models import FormSubmission, SandboxObject, Source

logger = logging.getLogger(__name__)

Action = FormSubmission.Action
Status = FormSubmission.Status

# How long a repeated submission waits for the first one, still running, to finish.
DUPLICATE_WAIT_SECONDS = 30


def notion_url(object_id: str, url: str = "") -> str:
    """Where a person sees the object: in Notion, or in the sandbox's own viewer."""
    if notion.in_sandbox():
        return reverse("sandbox-object", args=[object_id])
    return url or f"https://www.notion.so/{object_id.replace('-', '')}"


def wants_fragment(request: HttpRequest) -> bool:
    """The page's script asks for the answering section alone, to put it in place."""
    return request.headers.get("X-Requested-With") == "fetch"


def recent_objects(user: Any) -> dict[str, list[dict[str, str]]]:
    """The data sources and pages `user` made or used lately, by the form field that takes them."""
    return {
        "data_source_id": FormSubmission.objects.recent_ids(user, "data_source"),
        "page_id": FormSubmission.objects.recent_ids(user, "page"),
    }


def form_sections(
    request: HttpRequest,
    bound: NotionForm | None = None,
    recent: dict[str, list[dict[str, str]]] | None = None,
) -> list[dict[str, Any]]:
    """The four forms of the home page, each with its recent answers, IDs carried forward."""
    user = request.user
    chained = {
        "data_source_id": request.GET.get("data_source_id", ""),
        "page_id": request.GET.get("page_id", ""),
    }
    recent = recent if recent is not None else recent_objects(user)
    for name, objects in recent.items():
        if not chained[name] and objects:
            chained[name] = objects[0]["id"]
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
                "id_field": next((name for name in chained if name in view.form_class.base_fields), ""),
            }
        )
    return sections


class HomeView(TemplateView):
    template_name = "integration/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        recent = recent_objects(self.request.user)
        context.update(
            sections=form_sections(self.request, kwargs.get("bound_form"), recent),
            recent_sources=recent["data_source_id"],
            recent_pages=recent["page_id"],
            parent_page_missing=not notion.in_sandbox() and not settings.NOTION_PAGE_ID,
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
        return self.answer(bound=form, status=400)

    def answer(self, bound: NotionForm | None = None, status: int = 200) -> HttpResponse:
        """The home page with this form's answer; only its section when the page's script asks."""
        if wants_fragment(self.request):
            [section] = [s for s in form_sections(self.request, bound) if s["action"] == self.action]
            return render(self.request, "integration/section.html", {"section": section}, status=status)
        context = HomeView(request=self.request).get_context_data(bound_form=bound)
        return self.render_to_response(context, status=status)

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

    def done(self, submission: FormSubmission) -> HttpResponse:
        if wants_fragment(self.request):
            return self.answer()
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
            "url": notion_url(database["id"], database.get("url", "")),
            "title": notion.object_title(database),
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
            "url": notion_url(page["id"], page.get("url", "")),
            "title": notion.object_title(page),
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


class SearchView(TemplateView):
    """Search the workspace for a page or data source to put in a form."""

    template_name = "integration/search.html"
    targets = {"data_source": ("page", "data_source_id"), "page": ("content", "page_id")}

    def get_template_names(self) -> list[str]:
        if wants_fragment(self.request):
            return ["integration/search_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        kind = self.request.GET.get("kind", "page")
        if kind not in self.targets:
            kind = "page"
        action, field = self.targets[kind]
        action = self.request.GET.get("for", action)
        query = self.request.GET.get("q", "").strip()[:200]
        context.update(kind=kind, query=query, field=field, action=action, results=[], error=None)
        audit_context = AuditContext(username=self.request.user.get_username(), source=Source.WEB)
        try:
            results, cursor = notion.search(
                query=query, kind=kind, cursor=self.request.GET.get("cursor", "")[:100], context=audit_context
            )
            context.update(results=results, next_cursor=cursor)
        except notion.NotionError as error:
            context["error"] = error
        return context


class SandboxObjectView(TemplateView):
    """What the sandbox holds for one object: the sandbox's stand-in for opening it in Notion."""

    template_name = "integration/sandbox_object.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj = get_object_or_404(SandboxObject, id=kwargs["object_id"])
        data = obj.data
        blocks = SandboxObject.objects.filter(parent=obj.id, kind="block").order_by("position")
        comments = SandboxObject.objects.filter(kind="comment", data__parent__page_id=str(obj.id))
        sources = [s["id"] for s in data.get("data_sources", [])] or (
            [str(obj.id)] if obj.kind == "data_source" else []
        )
        pages = SandboxObject.objects.filter(kind="page", data__parent__data_source_id__in=sources)
        context.update(
            obj=obj,
            title=notion.object_title(data) or "Untitled",
            blocks=[
                (b.data["type"], "".join(t["plain_text"] for t in b.data[b.data["type"]]["rich_text"]))
                for b in blocks
            ],
            comments=[
                ("".join(t["plain_text"] for t in c.data["rich_text"]), c.data["created_time"])
                for c in comments
            ],
            pages=[(str(p.id), notion.object_title(p.data) or "Untitled") for p in pages],
            sources=data.get("data_sources", []),
        )
        return context
