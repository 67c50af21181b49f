from django.db import migrations


class Migration(migrations.Migration):
    """The sandbox's objects now belong to the `sandbox` app; their table stays where it is."""

    dependencies = [
        ("integration", "0002_sandbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SandboxObject")],
            database_operations=[],
        ),
    ]
