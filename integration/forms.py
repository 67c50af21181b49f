"""The four forms of the home page, and the fields that parse what people paste into them."""

import uuid

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from integration.ids import parse_notion_id
from integration.notion.limits import TEXT_LIMIT
from integration.notion.markdown import MARKDOWN, PLAIN, ContentPlan, plan_content


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


class TextFormatField(forms.ChoiceField):
    """How content is read: as Markdown or as plain text.

    A page from before the choice existed sends none: its text was meant as plain text.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(choices=[(MARKDOWN, "Markdown"), (PLAIN, "Plain text")], **kwargs)

    def to_python(self, value: object) -> str:
        return super().to_python(value) or PLAIN


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
    format = TextFormatField(
        label="Format",
        initial=MARKDOWN,
        help_text="Markdown: headings, lists, to-dos, quotes, code, links and marks become Notion’s own.",
    )
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
        plan = self.plan(content)
        if not plan.blocks:
            raise ValidationError(
                "This Markdown makes no blocks (only link definitions, say): nothing would be added.",
                code="empty",
            )
        limit = settings.NOTION_CONTENT_MAX_REQUESTS
        requests = len(plan.steps)
        if requests > limit:
            raise ValidationError(
                "This text needs %(requests)d requests to Notion; one submission may send at most "
                "%(limit)d (about %(blocks)d paragraphs). Send it in parts.",
                code="too_long",
                params={"requests": requests, "limit": limit, "blocks": limit * 100},
            )
        return content

    def plan(self, content: str | None = None) -> ContentPlan:
        """The blocks and requests the content makes, in the format chosen."""
        text_format = self.cleaned_data.get("format") or PLAIN
        return plan_content(
            self.cleaned_data["content"] if content is None else content, text_format=text_format
        )


class CommentForm(NotionForm):
    page_id = NotionIdField(label="Page ID", help_text="The page’s ID or its link.", pick_list="recent-pages")
    comment = NotionTextField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))
