"""A login that keeps what was typed: a form sent without JavaScript after the session ended is
kept across the login and put back in its form, for the same person only.

(With JavaScript the page's script keeps it in the browser instead.)
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django.urls import reverse

from integration.masking import mask_json

KEPT = "notionforms.kept_form"  # in the session
WHO = "notionforms_user"  # a signed cookie: who last used the app in this browser
KEEP_AT_MOST = 200_000  # characters; a longer text is not kept in the session
_MONTH = 30 * 24 * 3600


class LoggedInRequest(HttpRequest):
    """A request past `LoginKeepsWhatWasTyped`: every page but the login's has a logged-in user.
    For the type checker only (django-stubs' README, "How do I annotate cases where
    request.user is sure to be authenticated?")."""

    user: User


class LoginKeepsWhatWasTyped(LoginRequiredMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            name = user.get_username()
            if request.get_signed_cookie(WHO, default=None, salt=WHO) != name:
                response.set_signed_cookie(
                    WHO, name, salt=WHO, max_age=_MONTH, httponly=True, samesite="Lax",
                    secure=settings.SESSION_COOKIE_SECURE,
                )  # fmt: skip
        return response

    def handle_no_permission(
        self, request: HttpRequest, view_func: Callable[..., HttpResponseBase]
    ) -> HttpResponseRedirect:
        action = getattr(getattr(view_func, "view_class", None), "action", None)
        who = request.get_signed_cookie(WHO, default=None, salt=WHO)
        by_script = request.headers.get("X-Requested-With") == "fetch"
        if request.method != "POST" or action is None or who is None or by_script:
            return super().handle_no_permission(request, view_func)
        prefix = f"{action}-"
        typed = {
            name.removeprefix(prefix): value
            for name, value in request.POST.items()
            if name.startswith(prefix) and name != f"{prefix}submission_key"
        }
        if sum(len(value) for value in typed.values()) <= KEEP_AT_MOST:
            # The token never reaches the session store, even typed into a form by mistake.
            request.session[KEPT] = {"action": action, "for": who, "fields": mask_json(typed)}
        return redirect_to_login(
            f"{reverse('home')}#{action}",
            resolve_url(self.get_login_url(view_func)),
            self.get_redirect_field_name(view_func),
        )


def take_kept_form(request: HttpRequest) -> dict[str, Any] | None:
    """The form kept across the login, if it is this user's; it is given once."""
    kept = request.session.pop(KEPT, None)
    if isinstance(kept, dict) and kept.get("for") == request.user.get_username():
        return kept
    return None
