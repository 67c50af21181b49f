import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import PAGE_VAR, ChangeList
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from integration.export import FORMATS, export_request_log
from integration.ids import parse_notion_id
from integration.models import FormSubmission, Job, JobRow, NotionRequestLog, Outcome, PruneRun, Source
from integration.notion.endpoints import ENDPOINTS
from integration.notion.events import EVENT_TYPES, VERIFICATION

# The history is read on a laptop beside the forms: the list needs the width the
# navigation sidebar would take, and that sidebar would only repeat the two models.
admin.site.enable_nav_sidebar = False

EMPTY = "—"
NOTHING_TO_EXPORT = (
    "Select the rows to export, or use the “Export these rows” links above the list to export all of it, "
    "as it is filtered."
)
BADGES: dict[str, str] = {
    Outcome.SUCCESS: "good",
    Outcome.CLIENT_ERROR: "bad",
    Outcome.SERVER_ERROR: "bad",
    Outcome.NO_RESPONSE: "none",
    Outcome.REFUSED: "bad",
    FormSubmission.Status.SUCCEEDED: "good",
    FormSubmission.Status.FAILED: "bad",
    FormSubmission.Status.PENDING: "none",
    Job.State.DONE: "good",
    Job.State.FAILED: "bad",
    JobRow.Outcome.ADDED: "good",
    JobRow.Outcome.REFUSED: "bad",
}


def _body(value: object, truncated: bool) -> str:
    """A stored body as a reader wants it: JSON pretty-printed, text as it came, a cut one marked."""
    if value is None:
        return EMPTY
    if isinstance(value, str):
        text = f"{value}\n…[truncated]" if truncated else value
    else:
        text = json.dumps(value, indent=2, ensure_ascii=False)
    return format_html("<pre>{}</pre>", text)


def _json(value: object) -> str:
    return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False))


def _history_url(**params: object) -> str:
    url = reverse("admin:integration_notionrequestlog_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def _moment(value: datetime | None) -> str:
    """A time to the second with its zone: `2026-12-01 06:50:14 UTC`, date and time apart on a phone."""
    if value is None:
        return EMPTY
    local = timezone.localtime(value)
    return format_html(
        '<time datetime="{}"><span>{}</span> <span>{}</span></time>',
        local.isoformat(timespec="seconds"),
        local.strftime("%Y-%m-%d"),
        local.strftime("%H:%M:%S %Z"),
    )


def export_response(queryset: QuerySet, format: str) -> StreamingHttpResponse:
    """`queryset` exported as `format`, streamed, as a download named after today."""
    response = StreamingHttpResponse(
        export_request_log(queryset, format=format), content_type=FORMATS[format]
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="notion-requests-{stamp}.{format}"'
    return response


def _badge(kind: str, text: str) -> str:
    return format_html('<span class="status status-{}">{}</span>', BADGES.get(kind, "none"), text)


class DateFilter(admin.SimpleListFilter):
    title = "date"
    parameter_name = "date"
    periods = {"today": ("Today", 0), "7d": ("Past 7 days", 7), "30d": ("Past 30 days", 30)}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.periods.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        period = self.periods.get(self.value() or "")
        if period is None:
            return queryset
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return queryset.filter(created_at__gte=start - timedelta(days=period[1]))


class AnsweredByFilter(admin.SimpleListFilter):
    title = "answer from"
    parameter_name = "answered_by"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("notion", "Notion"), ("sandbox", "The built-in sandbox")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in ("notion", "sandbox"):
            return queryset
        # `IN (…)`, not `= …`: SQLite writes the latter `WHERE "sandbox"`, which no index serves.
        return queryset.filter(sandbox__in=[self.value() == "sandbox"])


class OperationFilter(admin.SimpleListFilter):
    """The operations of the endpoints table, then the webhook events': listing them from the rows
    would read the whole table."""

    title = "operation"
    parameter_name = "operation"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        sent = sorted({endpoint.operation for endpoint in ENDPOINTS})
        received = [*EVENT_TYPES, VERIFICATION, "webhook"]
        return [(name, name) for name in sent] + [(name, f"{name} (incoming)") for name in received]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(operation=self.value()) if self.value() else queryset


class SourceFilter(admin.SimpleListFilter):
    """Each source, and every source but the capability probes (whose 404s are expected answers)."""

    title = "source"
    parameter_name = "source"
    ALL_BUT_PROBES = "not_probe"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [*Source.choices, (self.ALL_BUT_PROBES, "All but capability probes")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == self.ALL_BUT_PROBES:
            # `IN (…)` of the others rather than a `NOT`: the source index serves it.
            return queryset.filter(source__in=[value for value in Source.values if value != Source.PROBE])
        if self.value() in Source.values:
            return queryset.filter(source=self.value())
        return queryset


# The columns of the history the list does not show: its page never reads them.
UNLISTED = ["request_headers", "request_body", "response_headers", "response_body"]


class HistoryPaginator(Paginator):
    """Counts the rows only as far as the pages it links to, never the whole table, and finds
    a page's rows by their IDs first, from the index alone: a deep page then skips index
    entries, not whole rows.

    `more` says there are rows past that reach; the list then says "more than N".
    """

    pages_ahead = 10
    object_list: QuerySet

    def __init__(self, object_list: QuerySet, per_page: int, *, page_number: int) -> None:
        super().__init__(object_list, per_page)
        self.reach = (page_number + self.pages_ahead) * per_page

    @cached_property
    def counted(self) -> int:
        return self.object_list[: self.reach + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.reach)

    @property
    def more(self) -> bool:
        return self.counted > self.reach

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        ids = list(self.object_list.values_list("pk", flat=True)[start : start + self.per_page])
        # The rows by their IDs alone: with the list's filters repeated, SQLite would walk
        # the filter's index for them.
        rows = (
            self.object_list.model._base_manager.db_manager(self.object_list.db).defer(*UNLISTED).order_by()
        )
        found = rows.in_bulk(ids)
        return Page([found[pk] for pk in ids if pk in found], number, self)


class HistoryChangeList(ChangeList):
    """The list's page reads only the columns it shows, not each row's bodies and headers.

    Only the page's rows are narrowed: the queryset actions and exports get is left whole.
    """

    def get_results(self, request: HttpRequest) -> None:
        whole = self.queryset
        self.queryset = whole.defer(*UNLISTED)
        try:
            super().get_results(request)
        finally:
            self.queryset = whole


class ActionFilter(admin.SimpleListFilter):
    """Every attempt of one action (`?correlation_id=`): listed among the filters only while it is on."""

    title = "action"
    parameter_name = "correlation_id"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        chosen = self.value()
        return [(chosen, f"This one ({chosen[:8]}…)")] if chosen else []

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if not self.value():
            return queryset
        try:
            action = uuid.UUID(self.value())
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error
        return queryset.filter(correlation_id=action)


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record to read, never to add, change or delete: what happened stays as it happened."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The admin names the model as the app's header does. Set here, not in the model's Meta, where a
# label would cost a migration; the migration state reads only what Meta declares.
NotionRequestLog._meta.verbose_name_plural = "Request history"


@admin.register(NotionRequestLog)
class NotionRequestLogAdmin(ReadOnlyAdmin):
    list_display = ["when", "status_shown", "operation", "request", "duration", "attempt", "user"]
    list_display_links = ["when"]
    list_filter = [ActionFilter, "outcome", OperationFilter, SourceFilter, AnsweredByFilter, DateFilter]
    search_fields = ["object_id"]  # the real search is get_search_results
    search_help_text = "A Notion object ID or link, a request ID, or a correlation ID."
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    empty_value_display = EMPTY
    actions = ["export_csv", "export_jsonl"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "when",
                    "status_shown",
                    "outcome",
                    "operation",
                    "method",
                    "url_shown",
                    "duration",
                    "attempt",
                    "correlation",
                    "source",
                    "answered_by",
                    "user",
                ]
            },
        ),
        ("IDs", {"fields": ["object_link", "parent_link", "request_id_shown", "event_at", "origin_link"]}),
        ("Error", {"fields": ["error_code", "error_message"]}),
        ("Request", {"fields": ["request_headers_shown", "request_body_shown"]}),
        ("Response", {"fields": ["response_headers_shown", "response_body_shown"]}),
    ]
    readonly_fields = [
        name for _, options in fieldsets for name in options["fields"] if isinstance(name, str)
    ]

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if self.exports_nothing(request):  # Django's admin would say "No items have been changed"
            self.message_user(request, NOTHING_TO_EXPORT, messages.WARNING)
            return HttpResponseRedirect(request.get_full_path())
        context = {"title": "Request history", "narrowed": self.narrowed(request), **(extra_context or {})}
        response = super().changelist_view(request, context)
        if isinstance(response, TemplateResponse) and response.context_data and "cl" in response.context_data:
            response.context_data["export"] = self.export_links(request, response.context_data["cl"])
        return response

    def get_urls(self) -> list[URLPattern]:
        export = path(
            "export/<str:format>/",
            self.admin_site.admin_view(self.export_view),
            name="integration_notionrequestlog_export",
        )
        return [export, *super().get_urls()]

    def export_links(self, request: HttpRequest, changelist: ChangeList) -> dict[str, Any] | None:
        """The links above the list that export it as it is filtered, searched and ordered.

        The number of rows is given only when the list was narrowed: the list's paginator has
        counted those already, while the whole table's count is what a paginator for a huge
        table avoids (or estimates), and the link would cost it back.
        """
        query = request.GET.copy()
        query.pop(PAGE_VAR, None)
        suffix = f"?{query.urlencode()}" if query else ""
        urls = {
            format: reverse("admin:integration_notionrequestlog_export", args=[format]) + suffix
            for format in FORMATS
        }
        if not changelist.queryset.query.has_filters():
            label = "Export these rows"
        elif changelist.result_count == 0:
            return None
        elif changelist.result_count == 1:
            label = "Export this row"
        else:
            label = f"Export these {changelist.result_count:,} rows"
        return {"label": label, "urls": urls}

    def export_view(self, request: HttpRequest, format: str) -> HttpResponseBase:
        """The list as it is filtered, searched and ordered, exported whole: the changelist's own query."""
        if format not in FORMATS:
            raise Http404(f"No export format {format!r}.")
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            queryset = self.get_changelist_instance(request).get_queryset(request)
        except IncorrectLookupParameters:
            # The list itself says what is wrong with these parameters.
            return HttpResponseRedirect(f"{_history_url()}?{request.GET.urlencode()}")
        return export_response(queryset, format)

    def exports_nothing(self, request: HttpRequest) -> bool:
        """Whether this is one of the export actions sent with no row selected (the admin's actions
        take selected rows only; the list's links export it whole)."""
        if request.method != "POST" or request.POST.getlist(ACTION_CHECKBOX_NAME):
            return False
        try:
            action = request.POST.getlist("action")[int(request.POST["index"])]
        except (KeyError, ValueError, IndexError):
            return False
        return action in self.actions

    @admin.action(description="Export selected rows as CSV", permissions=["view"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        return export_response(queryset, "csv")

    @admin.action(description="Export selected rows as JSON Lines", permissions=["view"])
    def export_jsonl(self, request: HttpRequest, queryset: QuerySet) -> StreamingHttpResponse:
        return export_response(queryset, "jsonl")

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        context = {"title": "Request to Notion", **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return HistoryChangeList

    def get_paginator(
        self, request: HttpRequest, queryset: QuerySet, per_page: int, *args: Any, **kwargs: Any
    ) -> HistoryPaginator:
        try:
            page_number = max(1, int(request.GET.get("p", 1)))
        except ValueError:
            page_number = 1
        return HistoryPaginator(queryset, per_page, page_number=page_number)

    def narrowed(self, request: HttpRequest) -> dict[str, str] | None:
        """What the list is narrowed to, to say so above it: one action, or one ID searched for."""
        try:
            action = str(uuid.UUID(request.GET.get("correlation_id", "")))
        except ValueError:
            action = None
        if action:
            return {"lead": "Showing every attempt of action", "id": action}
        term = request.GET.get("q", "").strip()
        if term:
            return {"lead": "Showing the requests about", "id": parse_notion_id(term) or term}
        return None

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        match = Q(request_id=term)
        notion_id = parse_notion_id(term)
        if notion_id:
            match |= Q(object_id=notion_id) | Q(parent_id=notion_id) | Q(correlation_id=uuid.UUID(notion_id))
        return queryset.filter(match), False

    @admin.display(description="Time", ordering="created_at")
    def when(self, row: NotionRequestLog) -> str:
        return _moment(row.created_at)

    @admin.display(description="Status", ordering="status")
    def status_shown(self, row: NotionRequestLog) -> str:
        if row.status:
            return _badge(row.outcome, str(row.status))
        badge = _badge(row.outcome, "no response")
        if not row.error_code:
            return badge
        return format_html('{} <small class="why">{}</small>', badge, row.error_code)

    @admin.display(description="Request")
    def request(self, row: NotionRequestLog) -> str:
        return format_html('<span class="method">{}</span> {}', row.method, urlsplit(row.url).path)

    @admin.display(description="URL")
    def url_shown(self, row: NotionRequestLog) -> str:
        return row.url

    @admin.display(description="Duration", ordering="duration_ms")
    def duration(self, row: NotionRequestLog) -> str:
        return EMPTY if row.duration_ms is None else f"{row.duration_ms:,} ms"

    @admin.display(description="User", ordering="username")
    def user(self, row: NotionRequestLog) -> str:
        return row.username or EMPTY

    @admin.display(description="Answer from")
    def answered_by(self, row: NotionRequestLog) -> str:
        return "The built-in sandbox, not Notion" if row.sandbox else "Notion"

    @admin.display(description="Correlation ID")
    def correlation(self, row: NotionRequestLog) -> str:
        return format_html(
            '<a href="{}">{}</a> (every attempt of this action)',
            _history_url(correlation_id=row.correlation_id),
            row.correlation_id,
        )

    def _id_link(self, notion_id: str) -> str:
        if not notion_id:
            return EMPTY
        return format_html(
            '<a href="{}">{}</a> (every request about it)', _history_url(q=notion_id), notion_id
        )

    @admin.display(description="Object ID")
    def object_link(self, row: NotionRequestLog) -> str:
        return self._id_link(row.object_id)

    @admin.display(description="Parent ID")
    def parent_link(self, row: NotionRequestLog) -> str:
        return self._id_link(row.parent_id)

    @admin.display(description="Notion request ID")
    def request_id_shown(self, row: NotionRequestLog) -> str:
        return row.request_id or EMPTY

    @admin.display(description="The request that created its object")
    def origin_link(self, row: NotionRequestLog) -> str:
        if row.origin_id is None:
            return EMPTY
        url = reverse("admin:integration_notionrequestlog_change", args=[row.origin_id])
        return format_html('<a href="{}">Request {}</a>', url, row.origin_id)

    @admin.display(description="Request headers")
    def request_headers_shown(self, row: NotionRequestLog) -> str:
        return _json(row.request_headers)

    @admin.display(description="Response headers")
    def response_headers_shown(self, row: NotionRequestLog) -> str:
        return _json(row.response_headers)

    @admin.display(description="Request body")
    def request_body_shown(self, row: NotionRequestLog) -> str:
        return _body(row.request_body, row.request_body_truncated)

    @admin.display(description="Response body")
    def response_body_shown(self, row: NotionRequestLog) -> str:
        return _body(row.response_body, row.response_body_truncated)


@admin.register(FormSubmission)
class FormSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["when", "action", "status_shown", "user", "correlation"]
    list_filter = ["action", "status"]
    show_full_result_count = False
    actions = None
    empty_value_display = EMPTY
    readonly_fields = (
        "when",
        "finished",
        "action",
        "status_shown",
        "user",
        "correlation",
        "input_shown",
        "result_shown",
        "error_shown",
        "key_shown",
    )
    fields = readonly_fields  # every field shown, none editable

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        return super().changelist_view(request, {"title": "Form submissions", **(extra_context or {})})

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        context = {"title": "Form submission", **(extra_context or {})}
        return super().change_view(request, object_id, form_url, context)

    @admin.display(description="Time", ordering="created_at")
    def when(self, row: FormSubmission) -> str:
        return _moment(row.created_at)

    @admin.display(description="Finished")
    def finished(self, row: FormSubmission) -> str:
        return _moment(row.finished_at)

    @admin.display(description="Status", ordering="status")
    def status_shown(self, row: FormSubmission) -> str:
        return _badge(row.status, row.get_status_display())

    @admin.display(description="Notion requests")
    def correlation(self, row: FormSubmission) -> str:
        return format_html('<a href="{}">requests</a>', _history_url(correlation_id=row.correlation_id))

    @admin.display(description="What was typed")
    def input_shown(self, row: FormSubmission) -> str:
        return _json(row.input)

    @admin.display(description="Result")
    def result_shown(self, row: FormSubmission) -> str:
        return _json(row.result) if row.result else EMPTY

    @admin.display(description="Error")
    def error_shown(self, row: FormSubmission) -> str:
        return _json(row.error) if row.error else EMPTY

    @admin.display(description="One-time key")
    def key_shown(self, row: FormSubmission) -> str:
        return str(row.key)


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    """Every user's background jobs, read-only: staff follow them here and on each job's page."""

    list_display = ["when", "kind", "state_shown", "owner", "counts", "step", "correlation"]
    list_filter = ["kind", "state"]
    show_full_result_count = False
    actions = None
    empty_value_display = EMPTY
    readonly_fields = (
        "when",
        "started",
        "last_turn",
        "finished",
        "kind",
        "state_shown",
        "owner",
        "counts",
        "step",
        "worker_id",
        "cancel_requested",
        "correlation",
        "page",
        "rows",
        "result_shown",
        "progress_shown",
    )
    fields = readonly_fields  # every field shown, none editable

    @admin.display(description="Queued", ordering="created_at")
    def when(self, row: Job) -> str:
        return _moment(row.created_at)

    @admin.display(description="Started")
    def started(self, row: Job) -> str:
        return _moment(row.started_at)

    @admin.display(description="Last turn")
    def last_turn(self, row: Job) -> str:
        return _moment(row.turn_at)

    @admin.display(description="Finished")
    def finished(self, row: Job) -> str:
        return _moment(row.finished_at)

    @admin.display(description="State", ordering="state")
    def state_shown(self, row: Job) -> str:
        return _badge(row.state, row.get_state_display())

    @admin.display(description="Done / skipped / failed of total")
    def counts(self, row: Job) -> str:
        return f"{row.done} / {row.skipped} / {row.failed} of {row.total}"

    @admin.display(description="Notion requests")
    def correlation(self, row: Job) -> str:
        return format_html('<a href="{}">requests</a>', _history_url(correlation_id=row.correlation_id))

    @admin.display(description="Job page")
    def page(self, row: Job) -> str:
        return format_html('<a href="{}">{}</a>', reverse("job", args=[row.pk]), "progress and summary")

    @admin.display(description="Rows")
    def rows(self, row: Job) -> str:
        if row.kind != Job.Kind.IMPORT:
            return EMPTY
        url = reverse("admin:integration_jobrow_changelist") + f"?job__id__exact={row.pk}"
        return format_html('<a href="{}">each row of the file and what became of it</a>', url)

    @admin.display(description="Summary")
    def result_shown(self, row: Job) -> str:
        return _json(row.result) if row.result else EMPTY

    @admin.display(description="Progress")
    def progress_shown(self, row: Job) -> str:
        return _json({key: value for key, value in row.progress.items() if key != "ids"}) or EMPTY


@admin.register(JobRow)
class JobRowAdmin(ReadOnlyAdmin):
    """The rows of import jobs, read-only: which became which page, which were skipped and why."""

    list_display = ["job_link", "line", "outcome_shown", "page_id", "column", "message"]
    list_filter = ["outcome"]
    search_fields = ["=key", "=page_id"]
    search_help_text = "A row's import key or a page ID, whole."
    show_full_result_count = False
    actions = None
    empty_value_display = EMPTY
    list_select_related = ["job"]

    @admin.display(description="Job", ordering="job")
    def job_link(self, row: JobRow) -> str:
        return format_html('<a href="{}">{}</a>', reverse("job", args=[row.job_id]), row.job_id)

    @admin.display(description="Outcome", ordering="outcome")
    def outcome_shown(self, row: JobRow) -> str:
        return _badge(row.outcome, row.get_outcome_display())


@admin.register(PruneRun)
class PruneRunAdmin(ReadOnlyAdmin):
    """What each `manage.py prune` deleted, or with --dry-run would have."""

    list_display = ["when", "days", "dry_run", "deleted"]
    actions = None
    readonly_fields = ("when", "finished", "days", "dry_run", "deleted")
    fields = readonly_fields  # every field shown, none editable

    @admin.display(description="Started", ordering="started_at")
    def when(self, row: PruneRun) -> str:
        return _moment(row.started_at)

    @admin.display(description="Finished")
    def finished(self, row: PruneRun) -> str:
        return _moment(row.finished_at)

    @admin.display(description="Deleted")
    def deleted(self, row: PruneRun) -> str:
        return ", ".join(f"{label}: {count}" for label, count in row.counts.items()) or EMPTY
