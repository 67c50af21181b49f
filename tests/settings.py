"""Settings for the tests: the project's settings, made independent of a developer's `.env`."""

import os

# A developer's `.env` (written by `make run`) is not read: the tests set what they need.
os.environ["ENV_FILE"] = ""
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
os.environ["SECRET_KEY"] = "tests-only-not-a-secret"
# With TEST_REDIS_URL (CI's second run), pacing and the cache use Redis, as in a deployment.
os.environ["REDIS_URL"] = os.environ.get("TEST_REDIS_URL", "")
os.environ["DEBUG"] = "false"

from notionforms.settings import *  # noqa: F403

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
