from django.http import HttpRequest

from integration.notion.workspace import Workspace, workspace


def workspace_in_use(request: HttpRequest) -> dict[str, Workspace]:
    """Which Notion the app talks to (Notion or its sandbox): every page says so."""
    return {"workspace": workspace()}
