import json
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from integration.ids import parse_notion_id
from integration.models import FormSubmission, NotionRequestLog


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


class DateFilter(admin.SimpleListFilter):
    title = "date"
    parameter_name = "date"
    periods = {"today": ("Today", 0), "7d": ("Past 7 days", 7), "30d": ("Past 30 days", 30)}

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in self.periods.items()]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() not in self.periods:
            return queryset
        start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        return queryset.filter(created_at__gte=start - timedelta(days=self.periods[self.value()][1]))


@admin.register(NotionRequestLog)
class NotionRequestLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "operation",
        "method",
        "path",
        "status_shown",
        "duration_ms",
        "attempt",
        "username",
    ]
    list_filter = ["outcome", "operation", "source", "sandbox", DateFilter]
    search_fields = ["object_id"]  # the real search is get_search_results
    search_help_text = "A Notion object ID or link, a request ID, or a correlation ID."
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    fields = [
        "created_at",
        "operation",
        "method",
        "url",
        "status",
        "outcome",
        "duration_ms",
        "attempt",
        "correlation",
        "source",
        "sandbox",
        "username",
        "object_id",
        "parent_id",
        "request_id",
        "error_code",
        "error_message",
        "request_headers_shown",
        "request_body_shown",
        "response_headers_shown",
        "response_body_shown",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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

    @admin.display(description="path")
    def path(self, row: NotionRequestLog) -> str:
        return urlsplit(row.url).path

    @admin.display(description="status", ordering="status")
    def status_shown(self, row: NotionRequestLog) -> str:
        return str(row.status) if row.status else f"— {row.error_code or 'no response'}"

    @admin.display(description="correlation id")
    def correlation(self, row: NotionRequestLog) -> str:
        url = reverse("admin:integration_notionrequestlog_changelist")
        return format_html(
            '<a href="{}?correlation_id={}">{}</a> (every attempt of this action)',
            url,
            row.correlation_id,
            row.correlation_id,
        )

    @admin.display(description="request headers")
    def request_headers_shown(self, row: NotionRequestLog) -> str:
        return format_html("<pre>{}</pre>", json.dumps(row.request_headers, indent=2, ensure_ascii=False))

    @admin.display(description="response headers")
    def response_headers_shown(self, row: NotionRequestLog) -> str:
        return format_html("<pre>{}</pre>", json.dumps(row.response_headers, indent=2, ensure_ascii=False))

    @admin.display(description="request body")
    def request_body_shown(self, row: NotionRequestLog) -> str:
        return format_html("<pre>{}</pre>", _pretty(row.request_body))

    @admin.display(description="response body")
    def response_body_shown(self, row: NotionRequestLog) -> str:
        return format_html("<pre>{}</pre>", _pretty(row.response_body))


@admin.register(FormSubmission)
class FormSubmissionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "status", "user", "correlation"]
    list_filter = ["action", "status"]
    show_full_result_count = False
    actions = None
    readonly_fields = [f.name for f in FormSubmission._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Notion requests")
    def correlation(self, row: FormSubmission) -> str:
        url = reverse("admin:integration_notionrequestlog_changelist")
        return format_html('<a href="{}?correlation_id={}">requests</a>', url, row.correlation_id)
