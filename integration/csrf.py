"""What a form sent from an out-of-date page gets, instead of Django's bare "CSRF verification failed".

A tab opened before its person logged in again (here or in another tab) holds a CSRF token
that is no longer valid, and everything it sends is refused. The page's script knows it by
the status (403) and says so beside the form. Without JavaScript, a form of the home page sent
from the app's own origin by a person logged in comes back as it was filled, with a fresh
token, so that one more click sends it; any other refusal gets a page saying what to do.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve

from integration.home import STEP
from integration.views import HomeView, NotionFormView, wants_fragment

OUT_OF_DATE = (
    "This page is out of date (you logged in again elsewhere): what you typed is kept; "
    "reload the page to send it."
)
SENT_BACK = (
    "This page was out of date (you logged in again elsewhere), so nothing was sent. "
    "What you typed is kept here, on the page brought up to date: send it again."
)


def _same_origin(request: HttpRequest) -> bool:
    """Whether the browser says the form was sent by a page of this app (never by another site)."""
    return request.headers.get("Origin") == f"{request.scheme}://{request.get_host()}"


def home_form_action(request: HttpRequest) -> str | None:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    view_class = getattr(match.func, "view_class", None)
    if isinstance(view_class, type) and issubclass(view_class, NotionFormView):
        return view_class.action
    return None


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    if wants_fragment(request):
        return HttpResponse(OUT_OF_DATE, status=403, content_type="text/plain; charset=utf-8")
    action = home_form_action(request)
    if action and request.user.is_authenticated and _same_origin(request):
        form = STEP[action].form_class(request.POST, prefix=action)
        form.add_error(None, SENT_BACK)
        context = HomeView(request=request).get_context_data(bound_form=form)
        return render(request, "integration/home.html", context, status=403)
    return render(request, "integration/out_of_date.html", status=403)
