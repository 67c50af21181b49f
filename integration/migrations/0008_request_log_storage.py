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
BATCH = 1000
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


def _each_batch(apps, schema_editor, fields: list[str]):
    rows = apps.get_model("integration", "NotionRequestLog").objects.using(schema_editor.connection.alias)
    last = 0
    while batch := list(rows.filter(id__gt=last).order_by("id").only("id", *fields)[:BATCH]):
        yield rows, batch
        last = batch[-1].id


def bodies_to_json(apps, schema_editor) -> None:
    text_fields = [text for text, _ in BODIES]
    for rows, batch in _each_batch(apps, schema_editor, text_fields):
        for row in batch:
            for text, data in BODIES:
                value, truncated = _as_json(getattr(row, text))
                setattr(row, data, value)
                setattr(row, f"{text}_truncated", truncated)
        rows.bulk_update(batch, [field for text, data in BODIES for field in (data, f"{text}_truncated")])


def bodies_to_text(apps, schema_editor) -> None:
    json_fields = [field for text, data in BODIES for field in (data, f"{text}_truncated")]
    for rows, batch in _each_batch(apps, schema_editor, json_fields):
        for row in batch:
            for text, data in BODIES:
                setattr(row, text, _as_text(getattr(row, data), getattr(row, f"{text}_truncated")))
        rows.bulk_update(batch, [text for text, _ in BODIES])


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
