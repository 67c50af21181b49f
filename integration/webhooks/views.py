"""The endpoint Notion posts its webhook requests to: no login, no CSRF token, POST only."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from integration.notion.workspace import workspace
from integration.webhooks.service import Incoming, over_rate_limit, receive


def client_address(request: HttpRequest) -> str:
    """The address counted by the rate limit: the connection's, or behind a trusted proxy the last
    one in X-Forwarded-For (as the login lockout counts it)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.TRUST_X_FORWARDED_FOR and forwarded:
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The body, or None when it is longer than `limit` bytes: a Content-Length over it is refused
    unread, and no more than `limit` + 1 bytes of any body are ever read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@method_decorator([csrf_exempt, login_not_required], name="dispatch")
class WebhookView(View):
    """Notion's webhook requests: its verification request, then signed events (integration.webhooks)."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> JsonResponse:
        incoming = Incoming(
            body=None, headers=request.headers, path=request.path, sandbox=workspace().is_sandbox
        )
        if over_rate_limit(incoming, client_address(request)):
            return JsonResponse({"status": 429, "message": "Too many requests."}, status=429)
        body = read_body(request, settings.NOTION_WEBHOOK_MAX_BYTES)
        answer = receive(
            Incoming(body=body, headers=request.headers, path=request.path, sandbox=incoming.sandbox)
        )
        return JsonResponse(answer.as_dict(), status=answer.status)
