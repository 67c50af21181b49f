"""Small pieces of the project's security and account handling that are not about Notion."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse


class LogoutView(auth_views.LogoutView):
    """Log out, then say so on the login page the browser is sent to."""

    def post(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        # The session is gone: the message travels in the messages cookie.
        messages.success(request, "You have been logged out.")
        return response
