"""System checks: `manage.py check` (and every command) says when the pacing store can't be reached."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

PACING_MIGRATION = ("integration", "0004_pacing_and_recent_objects")


@register("notionforms")
def pacing_store_is_reachable(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Requests to Notion are not sent while their pacing store is down: say so before they fail."""
    if settings.REDIS_URL:
        import redis

        try:
            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
        except redis.RedisError as error:
            return [
                Error(
                    f"Redis at REDIS_URL can't be reached ({type(error).__name__}): no request to Notion "
                    "will be sent, as their pacing is kept there.",
                    hint="Start Redis, or unset REDIS_URL to keep the pacing in the database.",
                    id="notionforms.E001",
                )
            ]
        return []
    try:
        connection = connections["audit"]
        if PACING_MIGRATION not in MigrationRecorder(connection).applied_migrations():
            return []  # not migrated yet: `migrate` makes the table, and runserver says to run it
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM integration_pacingstate")
    except DatabaseError as error:
        return [
            Error(
                f"The pacing table can't be read ({type(error).__name__}: {error}): no request to Notion "
                "will be sent.",
                hint="Check DATABASE_URL, and run `manage.py migrate`.",
                id="notionforms.E002",
            )
        ]
    return []
