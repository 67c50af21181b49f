"""The four forms of the home page, and the fields that parse what people paste into them."""

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import EmailValidator, URLValidator

from integration.attachments import file_dict
from integration.ids import parse_notion_id
from integration.notion.columns import (
    COLUMN_TYPES,
    DEFAULT_TITLE,
    Column,
    ColumnError,
    check_unique,
    column,
    split_options,
)
from integration.notion.content import plan_with_files
from integration.notion.database_views import BOARD, CALENDAR, DatabaseView, ViewError, check_views
from integration.notion.files import FileRefused, LocalFile, check_files
from integration.notion.limits import (
    ARRAY_LIMIT,
    CONTACT_LIMIT,
    NUMBER_FORMATS,
    PROPERTY_NAME_LIMIT,
    READ_ONLY_TYPES,
    TEXT_LIMIT,
    URL_LIMIT,
    utf16_len,
)
from integration.notion.markdown import MARKDOWN, PLAIN, ContentPlan, TooDeep
from integration.notion.templates import DEFAULT_TEMPLATE, NO_TEMPLATE, Template
from integration.notion.values import (
    InvalidValues,
    options_of,
    page_values,
    properties_of,
)


class NotionIdField(forms.CharField):
    """An ID of a Notion object: dashed, undashed, or a Notion link that contains it."""

    default_error_messages = {
        "invalid": "Enter a Notion ID (32 hexadecimal digits, dashes optional) or paste the Notion link.",
    }

    def __init__(self, *, pick_list: str = "", **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 2000)
        super().__init__(**kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if pick_list:
            self.widget.attrs["list"] = pick_list

    def to_python(self, value: object) -> str:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
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

    def __init__(self, **kwargs: Any) -> None:
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

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[(MARKDOWN, "Markdown"), (PLAIN, "Plain text")], **kwargs)

    def to_python(self, value: object) -> str:
        return super().to_python(value) or PLAIN


class NotionForm(forms.Form):
    """A form whose submission is sent to Notion once, whatever the browser resends."""

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    multipart = False  # whether it takes files, sent as multipart/form-data

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submission_key"] = uuid.uuid4()

    def notion_data(self) -> dict[str, Any]:
        """What the user asked for, without the submission key."""
        return {name: value for name, value in self.cleaned_data.items() if name != "submission_key"}

    def expire(self) -> None:
        """Say the form had expired, and give it a fresh one-time key to be sent again with."""
        data = dict(self.data.items()) if not hasattr(self.data, "copy") else self.data.copy()  # type: ignore[attr-defined]  # a QueryDict, or a dict
        data[self.add_prefix("submission_key")] = str(uuid.uuid4())
        self.data = data
        self.errors.pop("submission_key", None)
        self.add_error(None, "This form had expired: check what it holds, then send it again.")


TYPE_LABELS = {
    "rich_text": "Text", "number": "Number", "select": "Select", "multi_select": "Multi-select",
    "date": "Date", "checkbox": "Checkbox", "url": "URL", "email": "Email", "phone_number": "Phone",
    "people": "Person", "files": "Files & media", "created_time": "Created time",
    "created_by": "Created by", "last_edited_time": "Last edited time", "last_edited_by": "Last edited by",
}  # fmt: skip
# Notion's number formats, named as Notion's own menu names them.
NUMBER_FORMAT_LABELS = {
    "dollar": "US dollar", "hong_kong_dollar": "Hong Kong dollar",
    "new_zealand_dollar": "New Zealand dollar", "new_taiwan_dollar": "New Taiwan dollar",
}  # fmt: skip
COLUMN_ROWS = 3  # blank rows offered at first, and added by "More columns"
MAX_COLUMNS = 100  # the app's choice: rows the column builder takes


class ColumnForm(forms.Form):
    """One row of the column builder: a blank row is no column."""

    name = forms.CharField(label="Column name", required=False)
    type = forms.ChoiceField(
        label="Type", choices=[(kind, TYPE_LABELS[kind]) for kind in COLUMN_TYPES], initial="rich_text"
    )
    options = forms.CharField(
        label="Options", required=False, help_text="Select or multi-select: its options, comma-separated."
    )
    format = forms.ChoiceField(
        label="Number format",
        required=False,
        choices=[
            (name, NUMBER_FORMAT_LABELS.get(name, name.replace("_", " ").capitalize()))
            for name in NUMBER_FORMATS
        ],
        initial="number",
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        name, options, number_format = data.get("name", ""), data.get("options", ""), data.get("format", "")
        if {"name", "type", "format"} & set(self.errors):
            return data
        if not name:
            if options:
                self.add_error("name", "Name this column, or clear its options.")
            return data
        kind = data["type"]
        if kind != "number" and number_format == "number":
            number_format = ""  # the list's first choice, left as it was on a column that is no number
        try:
            if self.add_prefix("format") not in self.data:
                # Posted by a page from before the list of formats, whose options held the format.
                data["column"] = column(name, kind, options)
            else:
                data["column"] = Column(name, kind, split_options(options), number_format)
        except ColumnError as error:
            field = "format" if number_format and kind != "number" else "options" if options else "name"
            self.add_error(field, str(error))
        return data


class BaseColumnFormSet(forms.BaseFormSet):
    title_property = DEFAULT_TITLE

    def clean(self) -> None:
        # Every row's name counts, a row with other errors included: all is said at once.
        names = [row.cleaned_data["name"] for row in self.forms if row.cleaned_data.get("name")]
        try:
            check_unique([self.title_property, *names])
        except ColumnError as error:
            raise ValidationError(str(error), code="duplicate") from None

    def columns(self) -> list[Column]:
        return [row.cleaned_data["column"] for row in self.forms if "column" in row.cleaned_data]


ColumnFormSet = forms.formset_factory(
    ColumnForm, BaseColumnFormSet, extra=COLUMN_ROWS, max_num=MAX_COLUMNS, validate_max=True
)


def column_rows(columns: object) -> list[dict[str, str]]:
    """The builder's rows showing `columns` as kept with a submission."""
    rows = []
    for data in columns if isinstance(columns, list) else []:
        try:
            one = Column.from_dict(data)
        except (ColumnError, KeyError, TypeError):
            continue
        rows.append(
            {
                "name": one.name,
                "type": one.type,
                "options": ", ".join(one.options),
                "format": one.format or "number",
            }
        )
    return rows


def typed_rows(fields: Mapping[str, str], prefix: str) -> list[dict[str, str]]:
    """The builder's rows as they were typed (a posted formset, or one kept across a login)."""
    try:
        total = min(int(fields.get(f"{prefix}-TOTAL_FORMS", 0)), MAX_COLUMNS)
    except (TypeError, ValueError):
        total = 0
    names = ("name", "type", "options", "format")
    return [{name: str(fields.get(f"{prefix}-{i}-{name}", "")) for name in names} for i in range(total)]


class ViewsForm(forms.Form):
    """The views a new database opens with beside Notion's table: a board and a calendar, each laid
    out by a column of the builder (blank: the first that fits)."""

    board = forms.BooleanField(label="Board", required=False)
    board_by = forms.CharField(
        label="Board grouped by",
        required=False,
        max_length=PROPERTY_NAME_LIMIT,
        help_text="A select column’s name; blank: the first select column.",
    )
    calendar = forms.BooleanField(label="Calendar", required=False)
    calendar_by = forms.CharField(
        label="Calendar by",
        required=False,
        max_length=PROPERTY_NAME_LIMIT,
        help_text="A date column’s name; blank: the first date column.",
    )

    def chosen(self) -> list[tuple[str, DatabaseView]]:
        """Each view ticked, beside the field that names its column."""
        data = self.cleaned_data
        return [
            (f"{kind}_by", DatabaseView(kind, data.get(f"{kind}_by", "").strip()))
            for kind in (BOARD, CALENDAR)
            if data.get(kind)
        ]


VIEW_FIELDS = ("board", "board_by", "calendar", "calendar_by")


class DatabaseForm(NotionForm):
    """A database's name, its title column and the columns of the builder (`self.columns`)."""

    name = NotionTextField(label="Database name")
    title_property = forms.CharField(
        label="Title column",
        required=False,
        max_length=PROPERTY_NAME_LIMIT,
        initial=DEFAULT_TITLE,
        help_text="The column that holds each page’s title.",
    )

    columns: "BaseColumnFormSet"
    views: ViewsForm

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chosen_views: list[DatabaseView] = []  # those ticked, each naming its column, once clean
        if self.is_bound:  # a page from before the views, or a script, ticks none
            self.views = ViewsForm(self.data, prefix=self.add_prefix("views"))
        else:  # kept across a login, or through "More columns", as typed
            typed = {name: self.initial.get(f"views-{name}") for name in VIEW_FIELDS}
            typed |= {kind: bool(typed[kind]) for kind in (BOARD, CALENDAR)}
            self.views = ViewsForm(prefix=self.add_prefix("views"), initial=typed)
        prefix = self.add_prefix("columns")
        if self.is_bound and f"{prefix}-TOTAL_FORMS" in self.data:
            self.columns = ColumnFormSet(self.data, prefix=prefix)  # type: ignore[assignment]  # formset_factory's class is a BaseColumnFormSet
            return
        # Posted without the builder (by a script, or a page from before it), it has no columns.
        if "columns-TOTAL_FORMS" in self.initial:  # kept across a login, as typed
            rows = [row for row in typed_rows(self.initial, "columns") if row["name"] or row["options"]]
        else:
            rows = column_rows(self.initial.get("columns"))
        self.columns = ColumnFormSet(prefix=prefix, initial=rows)  # type: ignore[assignment]  # as above

    @classmethod
    def with_more_rows(cls, data: Mapping[str, str], *, prefix: str) -> "DatabaseForm":
        """The form as it was posted, with COLUMN_ROWS more blank rows; unbound, so no errors show yet."""
        rows = typed_rows(data, f"{prefix}-columns")
        filled = [row for row in rows if row["name"] or row["options"]]
        initial = {name: data.get(f"{prefix}-{name}", "") for name in ("name", "title_property")}
        initial |= {f"views-{name}": data.get(f"{prefix}-views-{name}", "") for name in VIEW_FIELDS}
        form = cls(prefix=prefix, initial=initial | {"columns": []})
        form.columns = ColumnFormSet(prefix=f"{prefix}-columns", initial=filled)  # type: ignore[assignment]  # as in __init__
        form.columns.extra = len(rows) - len(filled) + COLUMN_ROWS
        return form

    def clean_title_property(self) -> str:
        return self.cleaned_data["title_property"] or DEFAULT_TITLE

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        self.columns.title_property = data.get("title_property") or DEFAULT_TITLE
        if self.columns.is_bound and not self.columns.is_valid():
            raise ValidationError("Some columns need fixing: see below.", code="columns")
        if not self.views.is_valid():
            raise ValidationError("A view needs fixing: see below.", code="views")
        columns = self.columns.columns() if self.columns.is_bound else []
        self.chosen_views = []
        for field, view in self.views.chosen():
            try:
                self.chosen_views += check_views(
                    [view], title_property=self.columns.title_property, columns=columns
                )
            except ViewError as error:
                self.views.add_error(field, str(error))
        if self.views.errors:
            raise ValidationError("A view needs fixing: see below.", code="views")
        return data

    def notion_data(self) -> dict:
        data = super().notion_data()
        columns = self.columns.columns() if self.columns.is_bound else []
        views = [view.as_dict() for view in self.chosen_views]
        return data | {"columns": [one.as_dict() for one in columns]} | ({"views": views} if views else {})


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Any number of files, each written to disk as it arrives (FILE_UPLOAD_HANDLERS)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: object, initial: object = None) -> list[UploadedFile]:
        items = data if isinstance(data, list | tuple) else [data] if data else []
        cleaned = [super(MultipleFileField, self).clean(item, initial) for item in items]
        if self.required and not cleaned:
            raise ValidationError(self.error_messages["required"], code="required")
        names = [item.name for item in cleaned]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValidationError(
                "Two files are named %(name)s: rename one, so each can be told apart.",
                code="same_name",
                params={"name": twice[0]},
            )
        return cleaned


def local_files(uploads: list[UploadedFile]) -> list[LocalFile]:
    """The files of a form as the upload service takes them: on disk, where Django wrote them."""
    return [
        LocalFile.at(
            # FILE_UPLOAD_HANDLERS writes every file to disk as it arrives: each is a temporary file.
            Path(upload.temporary_file_path()),  # type: ignore[attr-defined]
            name=upload.name,
            content_type=upload.content_type,
        )
        for upload in uploads
    ]


class MultipleOptionsField(forms.Field):
    """Options of a multi-select, checked against the schema by integration.notion.values."""

    widget = forms.CheckboxSelectMultiple

    def to_python(self, value: object) -> list[str]:
        if not value:
            return []
        return [str(item) for item in (value if isinstance(value, list | tuple) else [value])]


class ShapedTextField(forms.CharField):
    """Text of a shape its validators check (a link, an email address), up to Notion's `limit`:
    past it, integration.notion.values says how long it may be instead."""

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = limit

    def run_validators(self, value: str) -> None:
        if utf16_len(value) <= self.limit:
            super().run_validators(value)


LINK = URLValidator(
    schemes=["http", "https"], message="Enter a whole link, starting with http:// or https://."
)
EMAIL = EmailValidator(message="Enter an email address, such as ada@example.com.")


def _choices(prop: dict, *, blank: bool) -> list[tuple[str, str]]:
    options = [(name, name) for name in options_of(prop)]
    return [("", "—"), *options] if blank else options


def property_field(prop: dict) -> forms.Field | None:
    """The form field for one property of a data source's schema; None if a page can't set it here."""
    kind = prop.get("type")
    text: dict[str, Any] = {"required": False, "strip": True}
    if kind == "rich_text":
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), **text)
    if kind == "url":
        return ShapedTextField(widget=forms.URLInput, validators=[LINK], limit=URL_LIMIT, **text)
    if kind == "email":
        return ShapedTextField(widget=forms.EmailInput, validators=[EMAIL], limit=CONTACT_LIMIT, **text)
    if kind == "phone_number":
        return forms.CharField(widget=forms.TextInput(attrs={"type": "tel"}), **text)
    if kind == "number":
        # Text, not the browser's number input: that one sends "1,5" as 15 and "3-4" as nothing.
        return forms.CharField(widget=forms.TextInput(attrs={"inputmode": "decimal"}), **text)
    if kind in ("select", "status"):
        return forms.CharField(widget=forms.Select(choices=_choices(prop, blank=True)), **text)
    if kind == "multi_select":
        return MultipleOptionsField(
            required=False, widget=forms.CheckboxSelectMultiple(choices=_choices(prop, blank=False))
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


def template_field(templates: list[Template]) -> forms.ChoiceField:
    """Form 2's choice of template: none, the default one if the data source has one, or any of them."""
    choices = [(NO_TEMPLATE, "None")]
    default = next((template for template in templates if template.is_default), None)
    if default is not None:
        choices.append((DEFAULT_TEMPLATE, f"Default (now “{default.name or 'Untitled'}”)"))
    choices += [(template.id, template.name or "Untitled") for template in templates]
    return forms.ChoiceField(
        label="Template",
        choices=choices,
        required=False,
        initial=NO_TEMPLATE,
        help_text="Notion applies the template in the background: the page starts empty and gets the "
        "template’s content moments later. Content added afterwards goes after the template’s blocks.",
        error_messages={"invalid_choice": "This is not one of the data source’s templates: choose another."},
    )


def template_name(templates: list[Template], chosen: str) -> str:
    """The name of the template `chosen` ("default" or an ID) names, as the answer shows it."""
    if chosen == DEFAULT_TEMPLATE:
        default = next((template for template in templates if template.is_default), None)
        return default.name if default else "the default template"
    return next((template.name for template in templates if template.id == chosen), chosen)


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
    header = NotionTextField(label="Header", required=False, help_text="A heading at the top of the page.")
    fields_error: str | None = None  # why the fields of the data source can't be shown
    multipart = True  # a files property takes files to upload

    def __init__(
        self, *args: Any, source: dict | None = None, templates: list[Template] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.source = source
        self.templates = templates or []
        self.fields["template"] = template_field(self.templates)
        self.property_names: dict[str, str] = {}  # form field → property
        self.upload_names: dict[str, str] = {}  # form field of files to upload → its files property
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
                if kind == "files":
                    self.fields[f"{key}_upload"] = MultipleFileField(
                        label=f"{name}: files to upload",
                        help_text="One or more files from this computer, uploaded to Notion.",
                    )
                    self.upload_names[f"{key}_upload"] = name
            elif kind in READ_ONLY_TYPES:
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
        """The fields of the properties, a files property's upload right after its links."""
        keys = []
        for key in self.property_names:
            keys += [key, *([f"{key}_upload"] if f"{key}_upload" in self.upload_names else [])]
        return [self[key] for key in keys]

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        template = cleaned["template"] = cleaned.get("template") or NO_TEMPLATE
        cleaned["template_name"] = "" if template == NO_TEMPLATE else template_name(self.templates, template)
        if template != NO_TEMPLATE and cleaned.get("header"):
            self.add_error(
                "header",
                "A page made from a template takes no heading here: Notion applies the template in "
                "the background. Leave Header empty, then add it with form 3 once the page is made.",
            )
        submitted = {prop: cleaned[key] for key, prop in self.property_names.items() if key in cleaned}
        try:
            cleaned["values"] = page_values(properties_of(self.source), submitted)
        except InvalidValues as invalid:
            by_property = {prop: key for key, prop in self.property_names.items()}
            for prop, message in invalid.errors.items():
                self.add_error(by_property[prop], message)
        cleaned["uploads"] = {}
        for key, prop in self.upload_names.items():
            if not cleaned.get(key):
                continue
            files = local_files(cleaned[key])
            links = len(cleaned.get("values", {}).get(prop, {}).get("files", []))
            try:
                check_files(files, max_size=None)
                if links + len(files) > ARRAY_LIMIT:
                    raise FileRefused(f"A files property holds at most {ARRAY_LIMIT} files and links.")
            except FileRefused as refused:
                self.add_error(key, str(refused))
                continue
            cleaned["uploads"][prop] = files
        return cleaned

    def to_upload(self) -> list[LocalFile]:
        """The files to upload, all properties together."""
        return [file for files in self.cleaned_data.get("uploads", {}).values() for file in files]

    def notion_data(self) -> dict[str, Any]:
        """What was typed (kept to fill the form again), `values`: the properties as Notion takes
        them, and `uploads`: the files to upload for each files property."""
        data = {key: value for key, value in super().notion_data().items() if key not in self.upload_names}
        uploads = {
            prop: [file_dict(file) for file in files] for prop, files in data.get("uploads", {}).items()
        }
        return {"values": {}, **data, "uploads": uploads}


class ContentForm(NotionForm):
    page_id = NotionIdField(label="Page ID", help_text="The page’s ID or its link.", pick_list="recent-pages")
    format = TextFormatField(
        label="Format",
        initial=MARKDOWN,
        help_text="Markdown: headings, lists, to-dos, quotes, code, links, tables, callouts, toggles, "
        "equations and images become Notion’s own.",
    )
    content = forms.CharField(
        label="Content",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="A blank line starts a new paragraph.",
    )
    attachments = MultipleFileField(
        label="Images and files",
        help_text="Each becomes an image, PDF, audio, video or file block. Markdown puts one where it "
        "names it, as ![a caption](photo.png); the others go after the text.",
    )
    multipart = True

    def clean_content(self) -> str:
        content = self.cleaned_data["content"]
        if not content.strip():
            raise ValidationError(self.fields["content"].error_messages["required"], code="required")
        return content

    def clean_attachments(self) -> list[LocalFile]:
        files = local_files(self.cleaned_data["attachments"])
        try:
            check_files(files, max_size=None)
        except FileRefused as refused:
            raise ValidationError(str(refused), code="refused") from None
        return files

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if "content" not in cleaned or "attachments" not in cleaned:
            return cleaned
        try:
            plan = cleaned["plan"] = self.plan()
        except TooDeep as deep:
            self.add_error(
                "content",
                ValidationError(
                    "This Markdown is nested more than %(limit)d deep (lists, quotes, bold, italic, "
                    "strikethrough and links inside one another count together). Nest it less, or send "
                    "it as plain text.",
                    code="too_deep",
                    params={"limit": deep.limit},
                ),
            )
            return cleaned
        if not plan.blocks:
            self.add_error(
                "content",
                ValidationError(
                    "This Markdown makes no blocks (only link definitions, say): nothing would be added.",
                    code="empty",
                ),
            )
            return cleaned
        limit = settings.NOTION_CONTENT_MAX_REQUESTS
        requests = len(plan.steps)
        if requests > limit:
            self.add_error(
                "content",
                ValidationError(
                    "This text needs %(requests)d requests to Notion; one submission may send at most "
                    "%(limit)d (about %(blocks)d paragraphs). Send it in parts.",
                    code="too_long",
                    params={"requests": requests, "limit": limit, "blocks": limit * 100},
                ),
            )
        return cleaned

    def to_upload(self) -> list[LocalFile]:
        return self.cleaned_data.get("attachments") or []

    def plan(self) -> ContentPlan:
        """The blocks and requests the content makes, in the format chosen; attached files stand
        where they go, as uploads still to be made. Made once: `clean` keeps it as "plan", which
        the submission sends as it is."""
        planned = self.cleaned_data.get("plan")
        if planned is not None:
            return planned
        return plan_with_files(
            self.cleaned_data["content"],
            text_format=self.cleaned_data.get("format") or PLAIN,
            files=[(file.name, file.content_type) for file in self.to_upload()],
        )

    def notion_data(self) -> dict[str, Any]:
        data = super().notion_data()
        return data | {"attachments": [file_dict(file) for file in self.to_upload()]}


class BlockField(NotionIdField):
    """One of a page's blocks, chosen from a list the page's blocks fill; empty: the page itself."""

    WHOLE_PAGE = ("", "The whole page")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(widget=forms.Select(choices=[self.WHOLE_PAGE]), **kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, str]:
        return {}

    def offer(self, blocks: list[dict[str, Any]]) -> None:
        """List these blocks (each with an id, a type and its text) to choose from."""
        self.widget.choices = [self.WHOLE_PAGE, *((block["id"], block_label(block)) for block in blocks)]


def block_label(block: dict[str, Any]) -> str:
    """A block as the list shows it: its type and first line, indented by its level of nesting."""
    kind = block["type"].replace("_", " ").capitalize()
    text = block["text"].strip().splitlines()[0] if block["text"].strip() else "(empty)"
    level = int(block.get("level") or 0)
    indent = "\u00a0\u00a0\u00a0" * level + "↳ " if level else ""
    return f"{indent}{kind}: {text[:80]}{'…' if len(text) > 80 else ''}"


class CommentForm(NotionForm):
    page_id = NotionIdField(label="Page ID", help_text="The page’s ID or its link.", pick_list="recent-pages")
    block_id = BlockField(
        label="On",
        required=False,
        help_text="The whole page, or one of its blocks: “Show blocks and comments” lists them.",
    )
    comment = NotionTextField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        chosen = self["block_id"].value()
        if chosen:  # sent back (with an error, say) before the blocks were listed again
            self.fields["block_id"].widget.choices = [BlockField.WHOLE_PAGE, (chosen, f"Block {chosen}")]
