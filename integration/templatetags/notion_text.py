"""Notion's rich text drawn as HTML: its marks, colours and links, every piece of text escaped.

A rich-text object, as Notion's API reference "Rich text" gives it:
`{"type": "text" | "mention" | "equation", "text": {"content", "link": {"url"} | None},
"equation": {"expression"}, "annotations": {"bold", "italic", "strikethrough", "underline",
"code", "color"}, "plain_text", "href"}`.
"""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django import template

from integration.notion.limits import COLORS

register = template.Library()

LINK_SCHEMES = frozenset({"http", "https", "mailto"})


def safe_link(url: Any) -> str:
    """`url` if it is an http, https or mailto address, else "": a link may never run a script."""
    if not isinstance(url, str):
        return ""
    url = url.strip()
    try:
        scheme = urlsplit(url).scheme.lower()  # tabs and newlines are dropped first, as browsers do
    except ValueError:
        return ""
    return url if scheme in LINK_SCHEMES else ""


def safe_source(url: Any) -> str:
    """`url` if a browser may load it as an image or a download: an http(s) address, or a path on
    this site (never `//host`, which browsers read as another site, even with tabs or `\\` in it)."""
    if not isinstance(url, str):
        return ""
    if url.startswith("/"):
        squeezed = "".join(url.split()).replace("\\", "/")
        return url if not squeezed.startswith("//") else ""
    link = safe_link(url)
    return "" if link.lower().startswith("mailto:") else link


@dataclass(frozen=True)
class TextPiece:
    """One rich-text object, as the template draws it."""

    text: str
    kind: str = "text"
    href: str = ""
    bold: bool = False
    italic: bool = False
    strikethrough: bool = False
    underline: bool = False
    code: bool = False
    color: str = ""


def text_pieces(rich_text: Any) -> list[TextPiece]:
    """The pieces of a rich-text array; anything that is not a rich-text object is left out."""
    if not isinstance(rich_text, list):
        return []
    pieces = []
    for item in rich_text:
        if not isinstance(item, dict):
            continue
        kind = item.get("type") if item.get("type") in ("mention", "equation") else "text"
        text = item.get("plain_text")
        content = item.get(kind)
        content = content if isinstance(content, dict) else {}
        if not isinstance(text, str):
            text = content.get("expression" if kind == "equation" else "content", "")
        link = content.get("link") if kind == "text" else None
        href = link.get("url") if isinstance(link, dict) else item.get("href")
        marks = item.get("annotations")
        marks = marks if isinstance(marks, dict) else {}
        color = marks.get("color")
        pieces.append(
            TextPiece(
                text=str(text or ""),
                kind=str(kind),
                href=safe_link(href),
                bold=marks.get("bold") is True,
                italic=marks.get("italic") is True,
                strikethrough=marks.get("strikethrough") is True,
                underline=marks.get("underline") is True,
                code=marks.get("code") is True,
                color=color if color in COLORS and color != "default" else "",
            )
        )
    return pieces


@register.inclusion_tag("sandbox/rich_text.html")
def rich_text(value: Any, preformatted: bool = False) -> dict[str, Any]:
    """Draw a rich-text array. `preformatted`: inside <pre>, where line breaks stay as they are."""
    return {"pieces": text_pieces(value), "preformatted": preformatted}
