"""Which Notion the app talks to, and what follows from that.

Without NOTION_KEY the app talks to its built-in sandbox. This is the one place that
knows what differs then: the credentials and the transport, where a link to an object
goes, the page new databases go under, and how errors and notices are worded.
"""

import functools
from dataclasses import dataclass
from typing import Any

import httpx
from django.conf import settings
from django.urls import reverse

from integration.ids import is_notion_url
from integration.sandbox.store import BASE_URL, TOKEN, root_page, sandbox


@dataclass(frozen=True)
class Link:
    href: str
    label: str
    external: bool  # opens Notion, in a new tab

    def as_dict(self) -> dict[str, Any]:
        return {"href": self.href, "label": self.label, "external": self.external}


@functools.cache
def _network() -> httpx.HTTPTransport:
    return httpx.HTTPTransport(retries=0)


@dataclass(frozen=True)
class Workspace:
    is_sandbox: bool

    @property
    def name(self) -> str:
        return "the sandbox" if self.is_sandbox else "Notion"

    @property
    def notice(self) -> str:
        """What to tell whoever makes something here, beyond what they asked."""
        if self.is_sandbox:
            return "NOTION_KEY is not set, so this exists only in the app's sandbox, not in Notion."
        return ""

    @property
    def missing_parent_page(self) -> bool:
        """New databases have nowhere to go: NOTION_PAGE_ID is needed and not set."""
        return not self.is_sandbox and not settings.NOTION_PAGE_ID

    def default_parent_page(self) -> str:
        """The page new databases go under: NOTION_PAGE_ID, or the sandbox's own top page."""
        if self.is_sandbox:
            return root_page()
        return settings.NOTION_PAGE_ID

    def credentials(self) -> tuple[str, str]:
        """The token to send, and the base URL of the API."""
        if self.is_sandbox:
            return TOKEN, BASE_URL
        return settings.NOTION_KEY, settings.NOTION_BASE_URL

    def transport(self) -> httpx.BaseTransport:
        """What really sends: NOTION_TRANSPORT if set (the tests' fake), the sandbox, or the network."""
        if settings.NOTION_TRANSPORT is not None:
            return settings.NOTION_TRANSPORT
        if self.is_sandbox:
            return httpx.MockTransport(sandbox())
        return _network()

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
