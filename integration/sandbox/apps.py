from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "integration.sandbox"
    label = "sandbox"
    verbose_name = "Notion sandbox"
