#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notionforms.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:
        # A setting with a bad value: its one-line message names it, a traceback would bury it.
        sys.stderr.write(f"ImproperlyConfigured: {error}\n")
        sys.exit(1)


if __name__ == "__main__":
    main()
