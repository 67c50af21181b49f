"""Django's `runserver` (with the static files), saying last where to open the app and whether
there is a login to open it with, instead of Django's banner."""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.staticfiles.management.commands import runserver


class Command(runserver.Command):
    def on_bind(self, server_port: Any) -> None:
        # `addr` is set by runserver's handle(); django-stubs does not declare it.
        url = f"{self.protocol}://{self.addr}:{server_port}/"  # type: ignore[attr-defined]
        self.stdout.write("Django's development server is up: for a deployment, see docs/deploying.md.")
        if get_user_model().objects.filter(is_active=True).exists():
            self.stdout.write(self.style.SUCCESS(f"Open {url} and log in. Ctrl-C stops the app."))
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"No login exists yet: create one with `python manage.py createsuperuser`, "
                    f"then open {url} and log in. Ctrl-C stops the app."
                )
            )
