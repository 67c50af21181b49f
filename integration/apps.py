from django.apps import AppConfig


class IntegrationConfig(AppConfig):
    name = "integration"
    verbose_name = "Notion integration"

    def ready(self) -> None:
        from integration import checks  # noqa: F401  (registers the system checks)
