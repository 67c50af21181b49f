"""Small pieces of the project's security and account handling that are not about Notion."""

import math
from collections.abc import Callable

from axes.helpers import get_cool_off
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.generic import RedirectView

View = Callable[[HttpRequest], HttpResponse]


class LogoutView(auth_views.LogoutView):
    """Log out, then say so on the login page the browser is sent to."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        # The session is gone: the message travels in the messages cookie.
        messages.success(request, "You have been logged out.")
        return response


def lockout_message(request: HttpRequest) -> str:
    minutes = math.ceil(get_cool_off(request).total_seconds() / 60)
    return f"Too many failed attempts: try again in {minutes} minute{'s' if minutes != 1 else ''}."


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The login page, saying why it refuses, for django-axes to answer a locked-out login with."""
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username", "")})
    context = {"form": form, "lockout": lockout_message(request), "next": request.POST.get("next", "")}
    return render(request, "registration/login.html", context, status=429)


def private_pages(get_response: View) -> View:
    """Let no browser or proxy keep a page: they show Notion data, the audit log or a CSRF token.

    Every response Django makes gets `Cache-Control: private, no-store` unless its view set a
    Cache-Control of its own (the admin's never_cache does). Static files are answered by
    WhiteNoise before this runs and keep their long cache.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "private, no-store"
        return response

    return middleware


class FaviconView(RedirectView):
    """/favicon.ico, asked for by browsers on every page (the admin's too): the app's icon."""

    def get_redirect_url(self, *args: object, **kwargs: object) -> str:
        # At request time: the name of the collected file carries its hash.
        return static("favicon.svg")


favicon = login_not_required(cache_control(max_age=86400, public=True)(FaviconView.as_view()))
