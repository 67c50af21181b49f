"""Data source templates: listed for a page to be made from one ("Creating pages from templates").

Notion's shapes, API version 2025-09-03 (no newer version is needed):
- "List data source templates": `GET /v1/data_sources/{id}/templates?start_cursor=&page_size=`
  answers `{"templates": [{"id", "name", "is_default"}], "has_more", "next_cursor"}`, at most 100
  a request; the next cursor is the ID of the next template.
- "Create a page": `template` is `{"type": "none"}` (the default), `{"type": "default"}` (the data
  source's default template) or `{"type": "template_id", "template_id": ID}`. The page is answered
  at once, empty but for the properties sent; Notion applies the template in the background.
  No `children` go with a template: content is added once the template's blocks are in, after them.
"""

from dataclasses import dataclass

from django.core.cache import cache

from integration.ids import parse_notion_id
from integration.models import AuditContext
from integration.notion.client import notion_client
from integration.notion.errors import NotionError, notion_call, unexpected
from integration.notion.limits import ARRAY_LIMIT

# The choices of `template` on page creation besides a template's ID.
NO_TEMPLATE = "none"
DEFAULT_TEMPLATE = "default"
# How long a data source's templates are reused, as its schema is (selectors.SCHEMA_SECONDS).
TEMPLATES_SECONDS = 60


@dataclass(frozen=True)
class Template:
    """One of a data source's templates, as "List data source templates" gives it."""

    id: str
    name: str
    is_default: bool = False

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "is_default": self.is_default}

    @classmethod
    def from_dict(cls, data: dict) -> "Template":
        return cls(
            id=str(data["id"]), name=str(data.get("name") or ""), is_default=bool(data.get("is_default"))
        )


class UnknownTemplate(ValueError):
    """A template asked for by name or ID that the data source does not have."""


def template_body(template: str) -> dict | None:
    """The `template` parameter of "Create a page" for `template` ("", "none", "default" or an ID);
    None when no template is applied, so nothing is sent."""
    if template in ("", NO_TEMPLATE):
        return None
    if template == DEFAULT_TEMPLATE:
        return {"type": "default"}
    return {"type": "template_id", "template_id": template}


def list_templates(*, data_source_id: str, context: AuditContext | None = None) -> list[Template]:
    """All the templates of the data source, read a page of 100 at a time."""
    found: list[Template] = []
    cursor = ""
    with notion_client(context) as client:
        while True:
            paging = {"start_cursor": cursor} if cursor else {}
            with notion_call(write=False, what="data source"):
                answer = client.data_sources.list_templates(data_source_id, page_size=ARRAY_LIMIT, **paging)
            if not isinstance(answer, dict) or not isinstance(answer.get("templates"), list):
                raise unexpected("a list of templates", write=False)
            found += [
                Template.from_dict(one)
                for one in answer["templates"]
                if isinstance(one, dict) and isinstance(one.get("id"), str)
            ]
            following = answer.get("next_cursor") if answer.get("has_more") else None
            if not isinstance(following, str) or not following:
                return found
            cursor = following


def _templates_key(source_id: str) -> str:
    return f"notionforms:data-source-templates:{source_id}"


def data_source_templates(*, data_source_id: str, context: AuditContext | None = None) -> list[Template]:
    """`list_templates`, kept a minute: the page form reads them as often as the schema."""
    found = known_templates(data_source_id)
    if found is None:
        found = list_templates(data_source_id=data_source_id, context=context)
        cache.set(_templates_key(data_source_id), [one.as_dict() for one in found], TEMPLATES_SECONDS)
    return found


def known_templates(data_source_id: str) -> list[Template] | None:
    """The data source's templates if they were read within the last minute, without asking Notion."""
    kept = cache.get(_templates_key(data_source_id)) if data_source_id else None
    return None if kept is None else [Template.from_dict(one) for one in kept]


def templates_or_none(*, data_source_id: str, context: AuditContext | None = None) -> list[Template] | None:
    """The data source's templates for the page form; None if they can't be read (the form then
    offers none, and the page can still be made)."""
    try:
        return data_source_templates(data_source_id=data_source_id, context=context)
    except NotionError:
        return None


def find_template(templates: list[Template], wanted: str) -> Template:
    """The template `wanted` names: its ID (or link), else its name, exactly, else ignoring case.

    Raises UnknownTemplate, saying which templates there are, if none or several match.
    """
    template_id = parse_notion_id(wanted)
    for template in templates:
        if template.id == template_id:
            return template
    for same in (
        lambda t: t.name == wanted.strip(),
        lambda t: t.name.casefold() == wanted.strip().casefold(),
    ):
        matches = [template for template in templates if same(template)]
        if len(matches) > 1:
            ids = ", ".join(template.id for template in matches)
            raise UnknownTemplate(
                f"{len(matches)} templates are named “{wanted.strip()}”: give one's ID ({ids})."
            )
        if matches:
            return matches[0]
    names = ", ".join(f"“{t.name}” ({t.id})" for t in templates) if templates else "none"
    raise UnknownTemplate(f"This data source has no template “{wanted.strip()}”. Its templates: {names}.")
