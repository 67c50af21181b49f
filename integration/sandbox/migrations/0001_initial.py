from django.db import migrations, models


class Migration(migrations.Migration):
    """Take over the table the integration app made for the sandbox's objects, data and all."""

    initial = True

    dependencies = [
        ("integration", "0003_sandbox_moves_to_its_app"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SandboxObject",
                    fields=[
                        ("id", models.UUIDField(primary_key=True, serialize=False)),
                        ("kind", models.CharField(db_index=True, max_length=32)),
                        ("data", models.JSONField()),
                        ("parent", models.UUIDField(blank=True, db_index=True, null=True)),
                        ("position", models.PositiveIntegerField(default=0)),
                        ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={"db_table": "integration_sandboxobject", "ordering": ["created_at"]},
                ),
            ],
            database_operations=[],
        ),
    ]
