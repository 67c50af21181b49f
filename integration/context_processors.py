from django.http import HttpRequest

from integration import notion


def notion_mode(request: HttpRequest) -> dict[str, bool]:
    """Whether the app talks to the built-in sandbox: every page says so."""
    return {"sandbox": notion.in_sandbox()}
