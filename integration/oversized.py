"""A POST over Django's limits, answered by the app instead of a bare "Bad Request (400)".

Django refuses to read a POST body over DATA_UPLOAD_MAX_MEMORY_SIZE, or with more than
DATA_UPLOAD_MAX_NUMBER_FIELDS fields, wherever it is first read: in the CSRF check, before any
view. `PostOverLimits` reads it just before that check, and answers what is refused:

- the page's script is told the limit in a sentence (what was typed stays in the browser);
- a form of the home page comes back with the fields that could be read, once the CSRF token
  among them holds, saying which field was too big to keep;
- anything else gets the app's page naming the limit, showing nothing of what was sent.

A form sent without JavaScript is URL-encoded: its fields are read here one by one, keeping those
that fit the limits together (the CSRF token and the IDs, say) and measuring the others. A
multipart body (the page's script sends FormData) is past reading once Django refused it.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.datastructures import MultiValueDict
from django.utils.http import url_has_allowed_host_and_scheme

from integration.csrf import home_form_action
from integration.forms import NotionForm
from integration.home import STEP
from integration.notion.selectors import known_data_source
from integration.views import HomeView, chosen_data_source, wants_fragment

CHUNK = 64 * 1024
URLENCODED = "application/x-www-form-urlencoded"
FORMS = {URLENCODED, "multipart/form-data"}
TOO_MUCH = 413  # Content Too Large


@dataclass
class Oversized:
    """A POST over Django's limits: the fields kept, and why it was refused."""

    fields: QueryDict
    too_big: bool  # over DATA_UPLOAD_MAX_MEMORY_SIZE, else over DATA_UPLOAD_MAX_NUMBER_FIELDS
    size: int  # bytes of the body, as the browser announced them
    dropped: dict[str, int] = field(default_factory=dict)  # a field not kept → its size in bytes
    field_count: int | None = None  # how many fields it held, when they could be counted


def size_text(size: int) -> str:
    return str(filesizeformat(size))


def limit_text(oversized: Oversized) -> str:
    """What was over which limit, in a sentence."""
    if oversized.too_big:
        return (
            f"What you sent is {size_text(oversized.size)}; at most "
            f"{size_text(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)} can be sent in one form."
        )
    most = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    count = f"{oversized.field_count:,}" if oversized.field_count else f"more than {most:,}"
    return f"This form sent {count} fields; at most {most:,} can be sent in one form."


def _body_size(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _read_fields(request: HttpRequest) -> tuple[QueryDict, dict[str, int]]:
    """An URL-encoded body's fields, in order, as long as they fit the limits together; the size
    of each other one. Never much more than the limit in memory, however big the body."""
    budget = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    most = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    kept, dropped = QueryDict(mutable=True), dict[str, int]()
    used = 0
    current = b""  # the field being read, while it may still be kept
    name, measured = "", None  # the field being measured instead, and its size so far

    def take(part: bytes) -> None:
        nonlocal current, name, measured
        if measured is None:
            current += part
            if used + len(current) <= budget:
                return
            key, _, part = current.partition(b"=")
            name, current, measured = unquote_plus(key.decode("utf-8", "replace")), b"", 0
        measured += len(part) - 2 * part.count(b"%")  # %XX: one byte of the text

    def finish() -> None:
        nonlocal current, name, measured, used
        if measured is not None:
            dropped[name] = dropped.get(name, 0) + measured
        elif current and (most is None or len(kept) < most):
            key, _, value = current.decode("utf-8", "replace").partition("=")
            kept.appendlist(unquote_plus(key), unquote_plus(value))
            used += len(current)
        current, name, measured = b"", "", None

    while chunk := request.read(CHUNK):
        first, *others = chunk.split(b"&")
        take(first)
        for part in others:
            finish()
            take(part)
    finish()
    return kept, dropped


def read_oversized(request: HttpRequest, error: Exception) -> Oversized:
    """What can be kept of a POST Django refused with `error` (RequestDataTooBig or
    TooManyFieldsSent). Reads what is left of its body; the request's POST is what was kept."""
    too_big = isinstance(error, RequestDataTooBig)
    oversized = Oversized(QueryDict(mutable=True), too_big, _body_size(request))
    urlencoded = request.content_type == URLENCODED
    # Django's private request state (HttpRequest._load_post_and_files): django-stubs leaves it out.
    if urlencoded and too_big and not request._read_started:  # type: ignore[attr-defined]
        oversized.fields, oversized.dropped = _read_fields(request)
    elif urlencoded and not too_big:  # the body was read: only its fields are too many
        pairs = parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        oversized.field_count = len(pairs)
        for key, value in pairs[: settings.DATA_UPLOAD_MAX_NUMBER_FIELDS]:
            oversized.fields.appendlist(key, value)
    # What request.POST and request.FILES then return, under WSGI and ASGI alike (ASGI's FILES
    # has no setter).
    request._post = oversized.fields  # type: ignore[attr-defined]
    request._files = MultiValueDict()  # type: ignore[attr-defined]
    return oversized


class PostOverLimits:
    """Middleware, just before Django's CSRF check: a POST that check would find over Django's
    limits is answered here, saying which."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csrf = CsrfViewMiddleware(get_response)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        # Read when the CSRF check would read it, and only then.
        if (
            request.method != "POST"
            or request.content_type not in FORMS
            or getattr(view, "csrf_exempt", False)
        ):
            return None
        try:
            request.POST  # noqa: B018
        except (RequestDataTooBig, TooManyFieldsSent) as error:
            oversized = read_oversized(request, error)
        else:
            return None
        if wants_fragment(request):
            message = f"{limit_text(oversized)} Nothing was sent: what you typed is kept here."
            if oversized.too_big:
                message += " Shorten it, or send it in parts."
            return HttpResponse(message, status=TOO_MUCH, content_type="text/plain; charset=utf-8")
        action = home_form_action(request)
        if action and request.user.is_authenticated and oversized.fields:
            # What was kept is shown again only to the page it came from: its CSRF token must hold.
            refused = self.csrf.process_view(request, view, view_args, view_kwargs)
            return refused or _form_sent_back(request, action, oversized)
        return _too_much_page(request, oversized)


def _form_sent_back(request: HttpRequest, action: str, oversized: Oversized) -> HttpResponse:
    """The home page, with the form as it was sent but for the fields too big to keep."""
    kwargs = {}
    if action == "page":
        kwargs["source"] = known_data_source(chosen_data_source(request.POST.get("page-data_source_id", "")))
    form: NotionForm = STEP[action].form_class(request.POST, prefix=action, **kwargs)
    form.add_error(None, f"{limit_text(oversized)} Nothing was sent.")
    for name, size in oversized.dropped.items():
        field = name.removeprefix(f"{action}-")
        if field in form.fields:
            form.errors[field] = form.error_class(
                [
                    f"What you typed here was {size_text(size)}: too big to be read, so it could not "
                    "be kept. Shorten it, or send it in parts."
                ]
            )
    context = HomeView(request=request).get_context_data(bound_form=form)
    return render(request, "integration/home.html", context, status=TOO_MUCH)


def _too_much_page(request: HttpRequest, oversized: Oversized) -> HttpResponse:
    """The app's page naming the limit, showing nothing of what was sent; its link leads back to
    the page the form was on."""
    referer = request.headers.get("Referer", "")
    same_site = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    context = {
        "reason": f"{limit_text(oversized)} It was not read: nothing was done.",
        "back": referer if same_site else "/",
    }
    return render(request, "400.html", context, status=TOO_MUCH)
