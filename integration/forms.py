"""The four forms of the home page, and the fields that parse what people paste into them."""

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from integration.ids import parse_notion_id
from integration.notion.blocks import content_batches
from integration.notion.limits import TEXT_LIMIT
from integration.notion.values import READ_ONLY, InvalidValues, options_of, page_values, properties_of


class NotionIdField(forms.CharField):
    """An ID of a Notion object: dashed, undashed, or a Notion link that contains it."""

    default_error_messages = {
        "invalid": "Enter a Notion ID (32 hexadecimal digits, dashes optional) or paste the Notion link.",
    }

    def __init__(self, *, pick_list: str = "", **kwargs: object) -> None:
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if pick_list:
            self.widget.attrs["list"] = pick_list

    def to_python(self, value: object) -> str:
        text = super().to_python(value)
        if text in self.empty_values:
            return ""
        parsed = parse_notion_id(text)
        if parsed is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return parsed


class NotionTextField(forms.CharField):
    """Text Notion keeps in a title or a comment: at most 2000 characters.

    The browser is not told to stop typing at the limit (a pasted text would be cut
    without a word): the page shows a count, and too long a text is refused here.
    """

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", TEXT_LIMIT)
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        attrs = super().widget_attrs(widget)
        attrs.pop("maxlength", None)
        attrs["data-limit"] = str(self.max_length)
        return attrs


class NotionForm(forms.Form):
    """A form whose submission is sent to Notion once, whatever the browser resends."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4()

    def notion_data(self) -> dict[str, str]:
        """What the user asked for, without the submission key."""
        return {name: value for name, value in self.cleaned_data.items() if name != "submission_key"}

    def expire(self) -> None:
        """Say the form had expired, and give it a fresh one-time key to be sent again with."""
        self.data = self.data.copy()
        self.data[self.add_prefix("submission_key")] = str(uuid.uuid4())
        self.errors.pop("submission_key", None)
        self.add_error(None, "This form had expired: check what it holds, then send it again.")


class DatabaseForm(NotionForm):
    name = NotionTextField(label="Database name")


class MultipleOptionsField(forms.Field):
    """Options of a multi-select, checked against the schema by integration.notion.values."""

    widget = forms.SelectMultiple

    def to_python(self, value: object) -> list[str]:
        if not value:
            return []
        return [str(item) for item in (value if isinstance(value, list | tuple) else [value])]


def _choices(prop: dict, *, blank: bool) -> list[tuple[str, str]]:
    options = [(name, name) for name in options_of(prop)]
    return [("", "—"), *options] if blank else options


def property_field(prop: dict) -> forms.Field | None:
    """The form field for one property of a data source's schema; None if a page can't set it here."""
    kind = prop.get("type")
    text = {"required": False, "strip": True}
    if kind == "rich_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **text)
    if kind == "url":
        return forms.CharField(widget=forms.URLInput, **text)
    if kind == "email":
        return forms.CharField(widget=forms.EmailInput, **text)
    if kind == "phone_number":
        return forms.CharField(widget=forms.TextInput(attrs={"type": "tel"}), **text)
    if kind == "number":
        return forms.CharField(widget=forms.NumberInput(attrs={"step": "any"}), **text)
    if kind in ("select", "status"):
        return forms.CharField(widget=forms.Select(choices=_choices(prop, blank=True)), **text)
    if kind == "multi_select":
        return MultipleOptionsField(
            required=False, widget=forms.SelectMultiple(choices=_choices(prop, blank=False))
        )
    if kind == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **text)
    if kind == "checkbox":
        return forms.BooleanField(required=False)
    if kind == "people":
        return forms.CharField(help_text="Notion user IDs, comma-separated.", **text)
    if kind == "files":
        return forms.CharField(
            widget=forms.Textarea(attrs={"rows": 2}),
            help_text="Links to files on the web (https://), one a line.",
            **text,
        )
    return None


class PageForm(NotionForm):
    """A page of a data source: its title, one field per property of its schema, a heading.

    Without `source` (the data source, with its properties) it has the title and heading only.
    """

    data_source_id = NotionIdField(
        label="Data source ID",
        pick_list="recent-data-sources",
        help_text="The data source’s ID, or the database’s ID or link if it has a single data source.",
    )
    name = NotionTextField(label="New page name")
    header = NotionTextField(label="Header", required=False, help_text="Optional: a heading at the top.")
    fields_error: str | None = None  # why the fields of the data source can't be shown

    def __init__(self, *args: Any, source: dict | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.property_names: dict[str, str] = {}  # form field → property
        self.set_by_notion: list[str] = []
        self.not_settable: list[tuple[str, str]] = []
        header = self.fields.pop("header")
        for name, prop in properties_of(source).items():
            kind = prop.get("type")
            if kind == "title":
                self.fields["name"].label = f"{name} (new page name)"
                continue
            field = property_field(prop)
            if field is not None:
                field.label = name
                key = f"property_{prop.get('id') or len(self.property_names)}"
                self.fields[key] = field
                self.property_names[key] = name
            elif kind in READ_ONLY:
                self.set_by_notion.append(name)
            else:
                self.not_settable.append((name, str(kind)))
        self.fields["header"] = header

    def data_typed(self) -> dict[str, str]:
        """What was typed in the fields every data source has, to fill a fresh form with."""
        return {
            name: self.data.get(self.add_prefix(name), "") for name in ("data_source_id", "name", "header")
        }

    def property_fields(self) -> list[forms.BoundField]:
        return [self[key] for key in self.property_names]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        submitted = {prop: cleaned[key] for key, prop in self.property_names.items() if key in cleaned}
        try:
            cleaned["values"] = page_values(properties_of(self.source), submitted)
        except InvalidValues as invalid:
            by_property = {prop: key for key, prop in self.property_names.items()}
            for prop, message in invalid.errors.items():
                self.add_error(by_property[prop], message)
        return cleaned

    def notion_data(self) -> dict[str, Any]:
        """What was typed (kept to fill the form again), and `values`: the properties as Notion takes them."""
        return {"values": {}, **super().notion_data()}


class ContentForm(NotionForm):
    page_id = NotionIdField(label="Page ID", help_text="The page’s ID or its link.", pick_list="recent-pages")
    content = forms.CharField(
        label="Content",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A blank line starts a new paragraph.",
    )

    def clean_content(self) -> str:
        content = self.cleaned_data["content"]
        if not content.strip():
            raise ValidationError(self.fields["content"].error_messages["required"], code="required")
        limit = settings.NOTION_CONTENT_MAX_REQUESTS
        requests = len(content_batches(content))
        if requests > limit:
            raise ValidationError(
                "This text needs %(requests)d requests to Notion; one submission may send at most "
                "%(limit)d (about %(blocks)d paragraphs). Send it in parts.",
                code="too_long",
                params={"requests": requests, "limit": limit, "blocks": limit * 100},
            )
        return content


class CommentForm(NotionForm):
    page_id = NotionIdField(label="Page ID", help_text="The page’s ID or its link.", pick_list="recent-pages")
    comment = NotionTextField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))
