"""The form renderer: Django's widget templates drawn by Jinja2, about three times as fast as by
Django's template language, which counts on every answer drawn in place. Templates that exist
only for Django's template language (the admin's own widgets) are drawn by it.

Inputs, text areas and selects are drawn in Python: they are most of what a form draws (the
database form's column builder holds 16 of them and 220 options, and each option is a template
of its own for Jinja2). The output is the same as Django's Jinja2 templates give, character for
character, escaped by the same function (markupsafe's, as Jinja2 escapes).
"""

import functools
from typing import Any

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist
from markupsafe import escape

WIDGETS = "django/forms/widgets/"
SELECT = WIDGETS + "select.html"
OPTION = WIDGETS + "select_option.html"
TEXTAREA = WIDGETS + "textarea.html"
# The templates that are only `{% include "django/forms/widgets/input.html" %}`.
INPUTS = {
    WIDGETS + name
    for name in (
        *("checkbox", "color", "date", "datetime", "email", "file", "hidden", "number", "password"),
        *("search", "tel", "text", "time", "url", "input"),
    )
}


@functools.cache
def _django_templates() -> DjangoTemplates:
    return DjangoTemplates()


def _attrs(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: `name="value"`, a bare name for True, nothing for False."""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def select_html(widget: dict[str, Any]) -> str:
    """select.html and its select_option.html for each option, as Jinja2 draws them (stripped)."""
    parts = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escape(group_name)}">')
        parts.extend(
            f'\n  <option value="{escape(option["value"])}"{_attrs(option["attrs"])}>'
            f"{escape(option['label'])}</option>"
            for option in options
        )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def input_html(widget: dict[str, Any]) -> str:
    """input.html, as Jinja2 draws it."""
    value = "" if widget["value"] is None else f' value="{escape(widget["value"])}"'
    kind, name = escape(widget["type"]), escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def textarea_html(widget: dict[str, Any]) -> str:
    """textarea.html, as Jinja2 draws it."""
    value = escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _plain_options(widget: dict[str, Any]) -> bool:
    return all(
        option["template_name"] == OPTION for _, options, _ in widget["optgroups"] for option in options
    )


class WidgetRenderer(Jinja2):
    def get_template(self, template_name: str) -> Any:
        try:
            return super().get_template(template_name)
        except TemplateDoesNotExist:
            return _django_templates().get_template(template_name)

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget: dict[str, Any] = context.get("widget") or {}
        if template_name in INPUTS:
            return input_html(widget)
        if template_name == TEXTAREA:
            return textarea_html(widget)
        if template_name == SELECT and _plain_options(widget):
            return select_html(widget)
        return super().render(template_name, context, request)
