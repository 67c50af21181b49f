"""Data made before the sandbox had its own app, and before results had one shape, migrates."""

import json
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from integration.models import FormSubmission, NotionRequestLog
from integration.sandbox.models import SandboxObject

BEFORE = [("integration", "0002_sandbox")]


@pytest.fixture
def old_schema():
    """The database as it was at `BEFORE`; put back to the latest schema afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_sandbox_objects_and_old_submissions_survive_the_move(old_schema):
    user = old_schema.get_model("auth", "User").objects.create(username="ada")
    page_id = uuid.uuid4()
    old_schema.get_model("integration", "SandboxObject").objects.create(
        id=page_id, kind="page", data={"object": "page", "id": str(page_id)}
    )
    old_schema.get_model("integration", "FormSubmission").objects.create(
        key=uuid.uuid4(),
        user_id=user.pk,
        action="database",
        status="succeeded",
        result={
            "id": "5c6a2821-6bb1-4a7e-b6e1-c50111515c3d",
            "data_source_id": "0d5c7a3e-2b1f-4e9d-8a6c-3f2e1d0c9b8a",
            "url": "https://www.notion.so/5c6a28216bb14a7eb6e1c50111515c3d",
            "title": "Reading list",
        },
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert SandboxObject.objects.get(id=page_id).data["object"] == "page"
    submission = FormSubmission.objects.get()
    assert (submission.kind, submission.object_id, submission.title) == (
        "data_source",
        "0d5c7a3e-2b1f-4e9d-8a6c-3f2e1d0c9b8a",
        "Reading list",
    )
    assert submission.result["headline"] == "Database “Reading list” created"
    assert submission.result["link"] == {
        "href": "https://www.notion.so/5c6a28216bb14a7eb6e1c50111515c3d",
        "label": "Open in Notion",
        "external": True,
    }
    assert FormSubmission.objects.recent_objects(submission.user, "data_source")[0]["name"] == "Reading list"


BEFORE_JSON_BODIES = [("integration", "0007_job_rows_undo")]
OLD_BODIES = {
    "json": ('{\n  "object": "page",\n  "id": "1c2d3e4f"\n}', "<html>Bad gateway</html>"),
    "cut": ('{\n  "results": [\n    {"id": "1c2d\n…[truncated: 1234 more characters]', ""),
}


def _old_log_row(apps, request_body: str, response_body: str):
    return apps.get_model("integration", "NotionRequestLog").objects.create(
        operation="pages.create",
        method="POST",
        url="https://api.notion.com/v1/pages",
        correlation_id=uuid.uuid4(),
        source="web",
        request_body=request_body,
        response_body=response_body,
    )


@pytest.fixture
def schema_with_text_bodies():
    """The database as it was before bodies were JSON; put back to the latest schema afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_JSON_BODIES)
    yield executor.loader.project_state(BEFORE_JSON_BODIES).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_request_bodies_kept_as_text_become_json_with_their_truncation_flag_and_back(
    schema_with_text_bodies,
):
    ids = {name: _old_log_row(schema_with_text_bodies, *bodies).pk for name, bodies in OLD_BODIES.items()}

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    whole, cut = NotionRequestLog.objects.get(pk=ids["json"]), NotionRequestLog.objects.get(pk=ids["cut"])
    assert (whole.request_body, whole.request_body_truncated) == ({"object": "page", "id": "1c2d3e4f"}, False)
    assert (whole.response_body, whole.response_body_truncated) == ("<html>Bad gateway</html>", False)
    assert (cut.request_body, cut.request_body_truncated) == ('{\n  "results": [\n    {"id": "1c2d', True)
    assert (cut.response_body, cut.response_body_truncated) == (None, False)

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_JSON_BODIES)
    back = executor.loader.project_state(BEFORE_JSON_BODIES).apps.get_model("integration", "NotionRequestLog")
    whole, cut = back.objects.get(pk=ids["json"]), back.objects.get(pk=ids["cut"])
    assert json.loads(whole.request_body) == {"object": "page", "id": "1c2d3e4f"}
    assert whole.response_body == "<html>Bad gateway</html>"
    assert cut.request_body == '{\n  "results": [\n    {"id": "1c2d\n…[truncated]'
    assert cut.response_body == ""


def test_every_model_change_has_its_migration():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit:
        pytest.fail(f"models changed without a migration ({exit.code}):\n{out.getvalue()}")
