from django.db import models


class SandboxObject(models.Model):
    """An object of the built-in Notion sandbox, kept as Notion returns it."""

    id = models.UUIDField(primary_key=True)
    kind = models.CharField(max_length=32, db_index=True)
    data = models.JSONField()
    parent = models.UUIDField(null=True, blank=True, db_index=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "integration_sandboxobject"  # where it was made, before the sandbox had its own app
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.id}"
