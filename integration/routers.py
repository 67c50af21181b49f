from django.db.models import Model

_AUDIT_MODELS = {("integration", "notionrequestlog"), ("integration", "pacingstate")}


class AuditLogRouter:
    """Send the audit log and the pacing schedule through the `audit` connection; migrate them once."""

    def _is_audit_log(self, model: type[Model]) -> bool:
        # The pacing schedule is committed at once too, whatever the caller's transaction.
        return (model._meta.app_label, model._meta.model_name) in _AUDIT_MODELS

    def db_for_read(self, model: type[Model], **hints: object) -> str | None:
        return "audit" if self._is_audit_log(model) else None

    def db_for_write(self, model: type[Model], **hints: object) -> str | None:
        return "audit" if self._is_audit_log(model) else None

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: object
    ) -> bool | None:
        # `audit` is a second connection to the default database, not a database of its own.
        return db != "audit"
