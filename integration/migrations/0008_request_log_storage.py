"""The request history keeps its bodies as JSON with a truncation flag, and has the indexes of
the admin's filters (each with the time the list is ordered by) instead of one per column.

Bodies were pretty-printed text, cut with a marker `…[truncated: N more characters]`: text
that parses becomes its JSON, a cut one its text before the marker with the flag set, other
text a JSON string, an empty body null. Going back writes pretty JSON text again (a cut
body ends with `…[truncated]`, the number of characters cut being no longer known).
"""

import json
import re

import django.utils.timezone
from django.db import migrations, models

import integration.models

MARKER = re.compile(r"\n…\[truncated(?:: \d+ more characters)?\]\Z")
BATCH = 2000
BODIES = [("request_body", "request_data"), ("response_body", "response_data")]


def _as_json(text: str) -> tuple[object, bool]:
    if not text:
        return None, False
    cut = MARKER.search(text)
    if cut:
        return text[: cut.start()], True
    try:
        return json.loads(text), False
    except ValueError:
        return text, False


def _as_text(value: object, truncated: bool) -> str:
    if value is None:
        return ""
    if truncated:
        return f"{value}\n…[truncated]"
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False)


def _convert(apps, schema_editor, read: list[str], write: list[str], convert) -> None:
    """Rewrite the columns `write` of every row from its columns `read`, a batch at a time: one
    SELECT and one executemany per batch (bulk_update's CASE expressions take minutes a million)."""
    connection = schema_editor.connection
    model = apps.get_model("integration", "NotionRequestLog")
    fields = [model._meta.get_field(name) for name in write]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    select = f"SELECT id, {', '.join(map(quote, read))} FROM {table} WHERE id > %s ORDER BY id LIMIT %s"
    update = f"UPDATE {table} SET {', '.join(f'{quote(name)} = %s' for name in write)} WHERE id = %s"
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last, BATCH])
            batch = cursor.fetchall()
            if not batch:
                return
            cursor.executemany(
                update,
                [
                    [
                        field.get_db_prep_save(value, connection)
                        for field, value in zip(fields, convert(row[1:]), strict=True)
                    ]
                    + [row[0]]
                    for row in batch
                ],
            )
            last = batch[-1][0]


def bodies_to_json(apps, schema_editor) -> None:
    def convert(texts: tuple[str, str]) -> list[object]:
        (request, request_cut), (response, response_cut) = map(_as_json, texts)
        return [request, request_cut, response, response_cut]

    _convert(
        apps,
        schema_editor,
        ["request_body", "response_body"],
        ["request_data", "request_body_truncated", "response_data", "response_body_truncated"],
        convert,
    )


def bodies_to_text(apps, schema_editor) -> None:
    def convert(stored: tuple) -> list[str]:
        request, request_cut, response, response_cut = stored
        return [_as_text(_loaded(request), request_cut), _as_text(_loaded(response), response_cut)]

    _convert(
        apps,
        schema_editor,
        ["request_data", "request_body_truncated", "response_data", "response_body_truncated"],
        ["request_body", "response_body"],
        convert,
    )


def _loaded(value: str | None) -> object:
    # A plain cursor reads a JSON column as its text, on PostgreSQL as on SQLite.
    return None if value is None else json.loads(value)


def _body_field() -> models.JSONField:
    return models.JSONField(blank=True, encoder=integration.models.CompactJSONEncoder, null=True)


class Migration(migrations.Migration):
    dependencies = [
        ("integration", "0007_job_rows_undo"),
    ]

    operations = [
        migrations.AlterField(
            model_name="notionrequestlog",
            name="created_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="notionrequestlog",
            name="operation",
            field=models.CharField(max_length=64),
        ),
        migrations.AlterField(
            model_name="notionrequestlog",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("success", "Success"),
                    ("client_error", "Client error (4xx)"),
                    ("server_error", "Server error (5xx)"),
                    ("no_response", "No response"),
                ],
                default="no_response",
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="notionrequestlog",
            name="source",
            field=models.CharField(
                choices=[
                    ("web", "Web form"),
                    ("command", "Management command"),
                    ("job", "Background job"),
                    ("other", "Other"),
                ],
                max_length=16,
            ),
        ),
        migrations.AlterField(
            model_name="notionrequestlog",
            name="correlation_id",
            field=models.UUIDField(),
        ),
        migrations.AlterField(
            model_name="notionrequestlog",
            name="request_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AlterField(
            model_name="notionrequestlog",
            name="object_id",
            field=models.CharField(blank=True, max_length=36),
        ),
        migrations.AlterField(
            model_name="notionrequestlog",
            name="parent_id",
            field=models.CharField(blank=True, max_length=36),
        ),
        migrations.AddField(
            model_name="notionrequestlog",
            name="request_body_truncated",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="notionrequestlog",
            name="response_body_truncated",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(model_name="notionrequestlog", name="request_data", field=_body_field()),
        migrations.AddField(model_name="notionrequestlog", name="response_data", field=_body_field()),
        migrations.RunPython(bodies_to_json, bodies_to_text, elidable=False),
        migrations.RemoveField(model_name="notionrequestlog", name="request_body"),
        migrations.RemoveField(model_name="notionrequestlog", name="response_body"),
        migrations.RenameField(
            model_name="notionrequestlog", old_name="request_data", new_name="request_body"
        ),
        migrations.RenameField(
            model_name="notionrequestlog", old_name="response_data", new_name="response_body"
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["created_at", "id"], name="request_log_time"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["operation", "created_at", "id"], name="request_log_operation_time"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["outcome", "created_at", "id"], name="request_log_outcome_time"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["source", "created_at", "id"], name="request_log_source_time"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["sandbox", "created_at", "id"], name="request_log_answered_by_time"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["correlation_id", "created_at", "id"], name="request_log_action_time"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["request_id"], name="request_log_request_id"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["object_id"], name="request_log_object_id"),
        ),
        migrations.AddIndex(
            model_name="notionrequestlog",
            index=models.Index(fields=["parent_id"], name="request_log_parent_id"),
        ),
    ]
