"""Which Notion the app talks to, and where a link to one of its objects goes.

Without NOTION_KEY the app talks to its built-in sandbox; this is the one place that
decides what follows from that.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from integration.ids import is_notion_url


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    external: bool  # opens Notion, in a new tab

    def as_dict(self) -> dict[str, Any]:
        return {"href": self.href, "label": self.label, "external": self.external}


@dataclass(frozen=True)
class Workspace:
    is_sandbox: bool

    @property
    def name(self) -> str:
        return "the sandbox" if self.is_sandbox else "Notion"

    def link(self, object_id: str, url: Any = "") -> Link:
        """Where a person sees the object: in Notion, or in the sandbox's viewer.

        Notion's own `url` is used only if it is an https link to Notion; anything else
        (a `javascript:` URL, another host) is replaced by a link made from the ID.
        """
        if self.is_sandbox:
            return Link(reverse("sandbox:object", args=[object_id]), "Open in the sandbox", external=False)
        href = url if is_notion_url(url) else f"https://www.notion.so/{object_id.replace('-', '')}"
        return Link(href, "Open in Notion", external=True)


def workspace() -> Workspace:
    return Workspace(is_sandbox=not settings.NOTION_KEY)
