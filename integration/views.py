"""The home page with its four forms, one view per form, and the workspace search.

Without JavaScript each form posts, the result is stored with the submission, and
the browser is sent back to the home page where the result stands next to its form
(post/redirect/get). With JavaScript the page's script asks for the answering
section alone and puts it in place.
"""

import socket
from collections.abc import Callable
from typing import Any, ClassVar, cast
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.mixins import UserPassesTestMixin
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, TemplateView

from integration import diagnostics, jobs
from integration.forms import BlockField, CommentForm, DatabaseForm, NotionForm, PageForm
from integration.home import STEP, comment_targets, home_sections, recent_objects
from integration.ids import parse_notion_id
from integration.middleware import LoggedInRequest, take_kept_form
from integration.models import AuditContext, FormSubmission, Job, Source
from integration.notion import selectors
from integration.notion.errors import NotionError
from integration.notion.templates import NO_TEMPLATE, Template, known_templates, templates_or_none
from integration.preview import Preview, content_preview
from integration.submissions import KeyInUse, submit
from integration.webhooks import service as webhooks


def wants_fragment(request: HttpRequest) -> bool:
    """The page's script asks for the answering section alone, to put it in place."""
    return request.headers.get("X-Requested-With") == "fetch"


def client_waits(request: HttpRequest) -> Callable[[], bool] | None:
    """Whether the browser that sent `request` still waits for the answer, if the server can tell.

    gunicorn gives the connection's socket: a peek that finds it closed means the browser left.
    """
    connection = request.META.get("gunicorn.socket")
    if connection is None:
        return None

    def waits() -> bool:
        try:
            return connection.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT) != b""
        except BlockingIOError:  # open, and nothing more sent: still waiting
            return True
        except OSError:
            return False

    return waits


def web_context(request: HttpRequest) -> AuditContext:
    return AuditContext(username=request.user.get_username(), source=Source.WEB)


def chosen_data_source(raw: str) -> str:
    """The data source ID in what was typed, or "" if there is none."""
    try:
        return PageForm.base_fields["data_source_id"].clean(raw)
    except ValidationError:
        return ""


def chosen_ids(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "")[:100] for name in ("data_source_id", "page_id")}


class HomeView(TemplateView):
    request: LoggedInRequest
    template_name = "integration/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        recent = recent_objects(user)
        targets = kwargs.get("targets")
        page_id = parse_notion_id(self.request.GET.get("page_id", "")) or ""
        block_id = parse_notion_id(self.request.GET.get("block_id", "")) or ""
        if targets is None and page_id and block_id:  # after a comment on a block, without JavaScript
            targets = comment_targets(user, page_id=page_id, block_id=block_id)
        context.update(
            sections=home_sections(
                user,
                chosen=chosen_ids(self.request),
                bound=kwargs.get("bound_form"),
                recent=recent,
                kept=take_kept_form(self.request),
                targets=targets,
            ),
            recent_sources=recent["data_source_id"],
            recent_pages=recent["page_id"],
        )
        return context


class NotionFormView(FormView):
    """Send one form to Notion once, then go back to the home page to show the result."""

    action: ClassVar[str]
    request: LoggedInRequest
    template_name = "integration/home.html"
    http_method_names = ["get", "post"]

    def get_form_class(self) -> type[NotionForm]:
        return STEP[self.action].form_class

    def get_prefix(self) -> str:
        return self.action

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return redirect("home")

    def form_invalid(self, form: NotionForm) -> HttpResponse:
        if "submission_key" in form.errors:
            form.expire()
        return self.answer(bound=form, status=400)

    def form_valid(self, form: NotionForm) -> HttpResponse:
        try:
            submission = submit(
                user=self.request.user,
                action=self.action,
                key=form.cleaned_data["submission_key"],
                data=form.notion_data(),
                keep_going=client_waits(self.request),
            )
        except KeyInUse:
            form.expire()
            return self.form_invalid(form)
        if wants_fragment(self.request):
            return self.answer()
        return HttpResponseRedirect(self.answer_url(submission))

    def answer_url(self, submission: FormSubmission) -> str:
        """Where a browser without JavaScript is sent to see the answer: the home page, at this form."""
        return f"{reverse('home')}#{self.action}"

    def answer(
        self,
        bound: NotionForm | None = None,
        status: int = 200,
        preview: Preview | None = None,
        shown: NotionForm | None = None,
        targets: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """The home page with this form's answer; only its section when the page's script asks.

        `bound`: the form as it was sent, with its errors; `shown`: a fresh form to show instead;
        `preview`: what the content form's Preview shows; `targets`: the comment form's blocks.
        """
        bound = bound or shown
        if wants_fragment(self.request):
            [section] = home_sections(self.request.user, bound=bound, only=self.action, targets=targets)
            section["preview"] = preview
            return render(self.request, "integration/section.html", {"section": section}, status=status)
        context = HomeView(request=self.request).get_context_data(bound_form=bound, targets=targets)
        for section in context["sections"]:
            if section["action"] == self.action:
                section["preview"] = preview
        return self.render_to_response(context, status=status)


class CreateDatabaseView(NotionFormView):
    action = "database"

    def answer_url(self, submission: FormSubmission) -> str:
        """The home page naming the new data source: the page form comes with its fields."""
        source_id = submission.result.get("data_source_id")
        if submission.status != FormSubmission.Status.SUCCEEDED or not source_id:
            return super().answer_url(submission)
        return f"{reverse('home')}?{urlencode({'data_source_id': source_id})}#{self.action}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "more_columns" in request.POST:  # the column builder without JavaScript: nothing is sent
            return self.answer(bound=DatabaseForm.with_more_rows(request.POST, prefix=self.action))
        return super().post(request, *args, **kwargs)


class CreatePageView(NotionFormView):
    """The page form, whose fields are those of its data source's schema.

    The schema comes from the cache, as the fields fragment left it; if it has expired and the
    form holds property fields, it is read again to check them before anything is sent. A form
    with the title alone is checked against it by Notion, in the submission.
    """

    action = "page"
    source: dict | None = None
    templates: list[Template] | None = None

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "source": self.source, "templates": self.templates}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        source_id = chosen_data_source(request.POST.get("page-data_source_id", ""))
        if "show_fields" in request.POST:
            return self.show_fields(source_id)
        self.source = selectors.known_data_source(source_id)
        self.templates = known_templates(source_id)
        if (
            self.templates is None
            and source_id
            and request.POST.get("page-template", NO_TEMPLATE) != NO_TEMPLATE
        ):
            # A template chosen a while ago: it is checked against the data source's templates now.
            self.templates = templates_or_none(data_source_id=source_id, context=web_context(request))
        form = self.get_form()
        has_property_fields = any(key.startswith("page-property_") for key in [*request.POST, *request.FILES])
        if self.source is None and has_property_fields and source_id:
            try:
                self.source = selectors.data_source_schema(source_id=source_id, context=web_context(request))
            except NotionError as error:
                form.add_error("data_source_id", error.hint)
                return self.form_invalid(form)
            form = self.get_form()
        fields_for = request.POST.get("page-fields_for")
        if fields_for and self.source is not None and fields_for != self.source.get("id"):
            # The fields sent were another data source's: none of them goes to this one.
            fresh = self.fresh_form(
                "The data source changed: these are its fields. Fill them, then send again."
            )
            return self.answer(shown=fresh, status=400)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def show_fields(self, source_id: str) -> HttpResponse:
        """Without JavaScript: the form again, with the fields of the data source it names."""
        if not source_id:
            return self.answer(shown=self.fresh_form("Enter a data source ID to show its fields."))
        context = web_context(self.request)
        try:
            self.source = selectors.data_source_schema(source_id=source_id, context=context)
        except NotionError as error:
            return self.answer(shown=self.fresh_form(error.hint))
        self.templates = templates_or_none(data_source_id=source_id, context=context)
        return self.answer(shown=self.fresh_form())

    def fresh_form(self, fields_error: str | None = None) -> PageForm:
        """A new form for `self.source`, with what was typed in the fields every data source has."""
        typed = PageForm(self.request.POST, prefix=self.action).data_typed()
        form = PageForm(prefix=self.action, initial=typed, source=self.source, templates=self.templates)
        form.fields_error = fields_error
        return form


class AddContentView(NotionFormView):
    """Add content to a page; or, with the Preview button, show how it will look, sending nothing."""

    action = "content"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "preview" not in request.POST:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form.is_valid()
        if "submission_key" in form.errors:
            form.expire()
        for name in set(form.errors) - {"content", "format", NON_FIELD_ERRORS}:
            del form.errors[name]  # a preview needs no page: its ID is checked when the content is sent
        preview = content_preview(form)
        return self.answer(bound=form, status=200 if preview else 400, preview=preview)


class AddCommentView(NotionFormView):
    """Comment on a page or one of its blocks; after a comment on a block, the form comes back
    with the page's blocks listed and that block still chosen."""

    action = "comment"
    commented_on: dict[str, str] | None = None

    def form_valid(self, form: NotionForm) -> HttpResponse:
        if form.cleaned_data.get("block_id"):
            self.commented_on = {key: form.cleaned_data[key] for key in ("page_id", "block_id")}
        return super().form_valid(form)

    def answer(self, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.commented_on is not None and wants_fragment(self.request):
            kwargs["targets"] = comment_targets(self.request.user, **self.commented_on)
        return super().answer(*args, **kwargs)

    def answer_url(self, submission: FormSubmission) -> str:
        """The home page naming the block commented on, for the form to keep it chosen."""
        if self.commented_on is None:
            return super().answer_url(submission)
        return f"{reverse('home')}?{urlencode(self.commented_on)}#{self.action}"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if "show_targets" not in request.POST:
            return super().post(request, *args, **kwargs)
        # "Show blocks and comments", without JavaScript: the form comes back as typed, nothing sent.
        typed = {
            name: request.POST.get(f"{self.action}-{name}", "") for name in ("page_id", "block_id", "comment")
        }
        page_id = parse_notion_id(typed["page_id"]) or ""
        block_id = parse_notion_id(typed["block_id"]) or ""
        form = CommentForm(prefix=self.action, initial=typed | {"page_id": page_id or typed["page_id"]})
        targets = comment_targets(self.request.user, page_id=page_id, block_id=block_id) if page_id else None
        context = HomeView(request=request).get_context_data(bound_form=form, targets=targets)
        return self.render_to_response(context)


class CommentTargetsView(TemplateView):
    """The blocks of a page and the comments on it or on one of its blocks, for form 4."""

    request: LoggedInRequest
    template_name = "integration/comment_targets_page.html"

    def get_template_names(self) -> list[str]:
        if wants_fragment(self.request):
            return ["integration/comment_targets.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page_id = parse_notion_id(self.request.GET.get("page_id", "")) or ""
        block_id = parse_notion_id(self.request.GET.get("block_id", "")) or ""
        form = CommentForm(prefix="comment", initial={"page_id": page_id, "block_id": block_id})
        targets = None
        if page_id:
            cursor = self.request.GET.get("cursor", "")[:100]
            targets = comment_targets(self.request.user, page_id=page_id, block_id=block_id, cursor=cursor)
            cast(BlockField, form.fields["block_id"]).offer(targets["blocks"])
        context.update(form=form, targets=targets, more=bool(self.request.GET.get("cursor")))
        return context


class CommentEventsView(View):
    """The last comment Notion reported on a page (`comment.created`), as JSON: form 4's script
    reads the comments again when it is later than the one they were read after."""

    def get(self, request: LoggedInRequest) -> JsonResponse:
        page_id = parse_notion_id(request.GET.get("page_id", "")) or ""
        return JsonResponse({"last": webhooks.last_comment_event(page_id) if page_id else 0})


class PageFieldsView(TemplateView):
    """The page form's fields for one data source, for the page's script to put in place."""

    template_name = "integration/page_fields.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        source_id = chosen_data_source(self.request.GET.get("data_source_id", "")[:2000])
        source, templates, error = None, None, None
        audit = web_context(self.request)
        try:
            if source_id:
                source = selectors.data_source_schema(source_id=source_id, context=audit)
                templates = templates_or_none(data_source_id=source_id, context=audit)
            else:
                error = "Enter a data source ID to show its fields."
        except NotionError as failed:
            error = failed.hint
        form = PageForm(prefix="page", source=source, templates=templates)
        form.fields_error = error
        context["form"] = form
        return context


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
        if self.request.GET.get("for") in STEP:
            action = self.request.GET["for"]
        query = self.request.GET.get("q", "").strip()[:200]
        context.update(kind=kind, query=query, field=field, action=action, results=[], error=None)
        audit_context = web_context(self.request)
        try:
            results, cursor = selectors.search(
                query=query, kind=kind, cursor=self.request.GET.get("cursor", "")[:100], context=audit_context
            )
            context.update(results=results, next_cursor=cursor)
        except NotionError as error:
            context["error"] = error
        return context


def may_manage(user: User, job: Job) -> bool:
    """Whether `user` may cancel, resume or undo `job`: their own, or with `manage_others_jobs`."""
    return job.owner_id == user.pk or user.has_perm("integration.manage_others_jobs")


def owned_job(request: LoggedInRequest, pk: int, *, acting: bool = False) -> Job:
    """The job, if it is the user's own or the user may see other users' jobs (`view_job`); else
    404, as for a job that is not. To cancel, resume or undo another user's job (`acting`), the
    user needs `manage_others_jobs` too; else 403, nothing done."""
    job = get_object_or_404(Job.objects.select_related("owner"), pk=pk)
    if job.owner_id == request.user.pk:
        return job
    if not request.user.has_perm("integration.view_job"):
        raise Http404("No such job.")
    if acting and not may_manage(request.user, job):
        raise PermissionDenied("Only the job's owner, or a user allowed to manage others' jobs, may do this.")
    return job


def job_page(request: LoggedInRequest, job: Job, error: str = "") -> HttpResponse:
    """The job page; with `error`, saying why what was asked of the job was not done."""
    context = {"job": job, "status": jobs.job_status(job), "error": error, **jobs.job_summary(job)}
    if job.finished_at is not None:
        context["changed_in_notion"] = webhooks.pages_changed_since(
            correlation_id=job.correlation_id, since=job.finished_at
        )
    context["may_manage"] = may_manage(request.user, job)
    if not context["may_manage"]:  # seen, not to be acted on: no button that would be refused
        context.update(can_resume=False, can_undo=False)
    return render(request, "integration/job.html", context, status=409 if error else 200)


class JobView(View):
    """A job's progress, kept up to date by the page's script, or by a refresh without it."""

    def get(self, request: LoggedInRequest, pk: int) -> HttpResponse:
        return job_page(request, owned_job(request, pk))


class JobStatusView(View):
    """A job's progress as JSON, for the job page's script."""

    def get(self, request: LoggedInRequest, pk: int) -> JsonResponse:
        return JsonResponse(jobs.job_status(owned_job(request, pk)))


class CancelJobView(View):
    def post(self, request: LoggedInRequest, pk: int) -> HttpResponse:
        jobs.cancel_job(owned_job(request, pk, acting=True))
        return redirect("job", pk=pk)


class ResumeJobView(View):
    """Go on with a paused, failed or cancelled import now, from the first row not handled."""

    def post(self, request: LoggedInRequest, pk: int) -> HttpResponse:
        job = owned_job(request, pk, acting=True)
        if not jobs.resume_job(job):
            return job_page(
                request, job, f"This job is {job.get_state_display().lower()}: it can't be resumed."
            )
        return redirect("job", pk=pk)


class UndoJobView(View):
    """Undo an import: first what it will do, to confirm; confirmed (`confirm=yes` posted), its
    undo job is queued, and its own job page shows the progress."""

    def get(self, request: LoggedInRequest, pk: int) -> HttpResponse:
        return self.confirmation(request, owned_job(request, pk, acting=True))

    def post(self, request: LoggedInRequest, pk: int) -> HttpResponse:
        job = owned_job(request, pk, acting=True)
        if request.POST.get("confirm") != "yes":
            return self.confirmation(request, job)
        try:
            undo = jobs.start_undo_job(user=request.user, job=job)
        except ValueError as error:
            return job_page(request, job, str(error))
        return redirect("job", pk=undo.pk)

    def confirmation(self, request: LoggedInRequest, job: Job) -> HttpResponse:
        try:
            summary = jobs.undo_summary(job)
        except ValueError as error:
            return job_page(request, job, str(error))
        return render(request, "integration/undo_confirm.html", {"job": job, "summary": summary})


class JobListView(ListView):
    """The user's own jobs, newest first (staff see everyone's in the admin)."""

    request: LoggedInRequest
    template_name = "integration/job_list.html"
    context_object_name = "jobs"
    paginate_by = 50

    def get_queryset(self) -> Any:
        return Job.objects.filter(owner=self.request.user).order_by("-created_at", "-id")


@method_decorator(never_cache, name="dispatch")
class ConnectionView(UserPassesTestMixin, TemplateView):
    """For staff: the checks of `manage.py check_notion`, made anew at each visit; the webhook
    endpoint's address, and the verification token Notion sent to it (the one page showing it)."""

    template_name = "integration/connection.html"

    def test_func(self) -> bool:
        return self.request.user.is_staff

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        audit = web_context(self.request)
        checks = diagnostics.run_checks(context=audit)
        failed = [check for check in checks if not check.passed]
        context.update(
            target=diagnostics.target(),
            checks=checks,
            failed=failed,
            passed=not failed,
            correlation_id=audit.correlation_id,
            webhook_url=self.request.build_absolute_uri(reverse("notion-webhooks")),
            webhook_token_set=bool(settings.NOTION_WEBHOOK_VERIFICATION_TOKEN),
            verification_token=webhooks.pending_verification_token(),
        )
        return context


@method_decorator(login_not_required, name="dispatch")
class HealthView(View):
    """/healthz, for a load balancer or a supervisor: "ok", or 503 "unavailable" when the database,
    the cache or the queue can't be used (nothing about why: the app's log says which), or 503
    naming the problem when jobs are due and no worker has been seen within JOBS_WORKER_TIMEOUT."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not diagnostics.healthy():
            answer = "unavailable"
        elif stalled := diagnostics.stalled_queue():
            answer = f"unavailable: {stalled}"
        else:
            answer = "ok"
        response = HttpResponse(answer, status=200 if answer == "ok" else 503, content_type="text/plain")
        response["Cache-Control"] = "no-store"
        return response
