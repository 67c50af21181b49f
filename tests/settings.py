"""Settings for the tests: the project's settings, made independent of a developer's `.env`."""

import os
import tempfile
from pathlib import Path

# A developer's `.env` (written by `make run`) is not read: the tests set what they need.
os.environ["ENV_FILE"] = ""
# SQLite by default, as a newcomer runs the app; CI's second run sets a PostgreSQL server.
os.environ["DATABASE_URL"] = os.environ.get(
    "TEST_DATABASE_URL", f"sqlite:///{Path(tempfile.gettempdir()) / 'notionforms-tests.sqlite3'}"
)
os.environ["SECRET_KEY"] = "tests-only-not-a-secret"
# With TEST_REDIS_URL (CI's second run), pacing and the cache use Redis, as in a deployment.
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "")
os.environ["DEBUG"] = "false"

from notionforms.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory, so that the app processes some tests start can open it too.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": str(Path(tempfile.gettempdir()) / f"notionforms-test-{os.getpid()}.sqlite3")
    }
    # SQLite takes one writer at a time, and a test holds its transaction open on `default` to the
    # end: the audit connection could never write. A test that runs in a transaction therefore gets
    # the same connection as both (tests/conftest.py); a test that commits gets two, as the app has.
    DATABASES["audit"]["TEST"] = {"MIRROR": "default"}  # noqa: F405

NOTION_KEY = ""
NOTION_PAGE_ID = ""
NOTION_BASE_URL = "https://api.notion.com"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Pacing is tested on its own (tests/test_pacing.py); elsewhere it would only slow the tests.
NOTION_RATE_LIMIT = 0
# The test client speaks plain HTTP; HTTPS settings are checked by `check --deploy` in test_security.
SECURE_SSL_REDIRECT = False
# Jobs run at once, in the test's own process; the tests about the queue start a real db_worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# What the tests upload stays out of the checkout; removed at the end of the run (tests/conftest.py).
FILES_ROOT = Path(tempfile.gettempdir()) / f"notionforms-test-files-{os.getpid()}"
MEDIA_ROOT = FILES_ROOT / "media"
ATTACHMENTS_DIR = FILES_ROOT / "attachments"
