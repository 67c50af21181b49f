"""The four forms of the home page, and the fields that parse what people paste into them."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from integration.ids import parse_notion_id

TEXT_LIMIT = 2000


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
    """One line of text Notion keeps in a title or a comment: at most 2000 characters."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("max_length", TEXT_LIMIT)
        super().__init__(**kwargs)


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


class DatabaseForm(NotionForm):
    name = NotionTextField(label="Database name")


class PageForm(NotionForm):
    data_source_id = NotionIdField(
        label="Data source ID",
        pick_list="recent-data-sources",
        help_text="The data source’s ID, or the database’s ID or link if it has a single data source.",
    )
    name = NotionTextField(label="New page name")
    header = NotionTextField(label="Header", required=False, help_text="Optional: a heading at the top.")


class ContentForm(NotionForm):
    page_id = NotionIdField(label="Page ID", help_text="The page’s ID or its link.", pick_list="recent-pages")
    content = forms.CharField(
        label="Content",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Any length. A blank line starts a new paragraph.",
    )

    def clean_content(self) -> str:
        content = self.cleaned_data["content"]
        if not content.strip():
            raise ValidationError(self.fields["content"].error_messages["required"], code="required")
        return content


class CommentForm(NotionForm):
    page_id = NotionIdField(label="Page ID", help_text="The page’s ID or its link.", pick_list="recent-pages")
    comment = NotionTextField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))
