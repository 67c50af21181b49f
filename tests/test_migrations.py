"""Data made before the sandbox had its own app, and before results had one shape, migrates."""

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from integration.models import FormSubmission
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
