"""gunicorn's settings for notionforms: `gunicorn -c gunicorn.conf.py notionforms.wsgi`.

A worker is given as long as the longest request the app allows: NOTION_ACTION_TIMEOUT for
one form's requests to Notion (pacing waits and retries included), the connect and read
timeouts of the last request, and a margin. Workers and threads come from the environment.
"""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notionforms.settings")
django.setup()

from integration.http.policy import action_timeout  # noqa: E402

wsgi_app = "notionforms.wsgi"
bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
# Threads let a worker answer others while one of its requests waits for Notion.
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(action_timeout() + 15)
graceful_timeout = timeout
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # "": none
errorlog = "-"
