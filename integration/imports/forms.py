"""The CSV import's two forms: the file uploaded, then what to import from it and where."""

from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from integration.forms import NotionIdField, NotionTextField
from integration.imports import service
from integration.imports.relations import Relation
from integration.notion.limits import PROPERTY_NAME_LIMIT

NEW_DATABASE = "new"
SEPARATOR_NAMES = {".": "decimal point “.”", ",": "decimal comma “,”"}
DATA_SOURCE = "data_source"
TYPE_CHOICES = [*service.IMPORT_TYPES.items(), (service.SKIP, "Skip")]


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,  # refused by the reader, with its message
        help_text="UTF-8 (with or without a byte order mark), fields split by commas or semicolons, "
        "a header row naming the columns.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise ValidationError(
                f"The file has {upload.size:,} bytes, more than the limit of {limit:,}: "
                "split it, or import a smaller one.",
                code="too_large",
            )
        return upload


class ImportForm(forms.Form):
    """A type (or Skip) per column of `file`, its title column, the decimal separator of its
    numbers, and the target: a new database (its name, its parent page) or an existing data
    source. `plan` once valid.

    A column of type Relation names the data source its values are pages of (needed for a new
    database; into an existing data source, its relation property's), and the property of it they
    are matched against (by default its title)."""

    title_column = forms.ChoiceField(label="Title column", widget=forms.RadioSelect)
    decimal = forms.ChoiceField(
        label="Decimal separator of the numbers",
        choices=list(service.DECIMALS.items()),
        required=False,
        help_text="Each number column’s is found in its values (shown beside its type); choose one for "
        "them all if the guess is wrong.",
    )
    target = forms.ChoiceField(
        label="Import into",
        choices=[(NEW_DATABASE, "A new database"), (DATA_SOURCE, "An existing data source")],
        initial=NEW_DATABASE,
        widget=forms.RadioSelect,
    )
    title = NotionTextField(label="Database name", required=False)
    parent_page_id = NotionIdField(
        label="Parent page ID",
        required=False,
        pick_list="recent-pages",
        help_text="The page the new database goes under: its ID or link.",
    )
    data_source_id = NotionIdField(
        label="Data source ID",
        required=False,
        pick_list="recent-data-sources",
        help_text="The data source’s ID, or the database’s ID or link if it has a single data source. "
        "Its properties are matched to the columns by name, case included.",
    )

    key_column = forms.ChoiceField(
        label="Key column",
        required=False,
        help_text="Rows whose key a page of the data source holds (in the property of the column’s name) "
        "update that page where it differs; the others are added. Without one, each page keeps its "
        "row’s digest in an “Import key” property, and a changed row is added as a new page.",
    )
    mode = forms.ChoiceField(
        label="Pages found by their key",
        choices=[
            (service.MERGE, "Update them, and add the rows no page holds"),
            (service.UPDATE_ONLY, "Update them only: add no page"),
            (service.ADD_ONLY, "Leave them as they are: only add the rows no page holds"),
        ],
        initial=service.MERGE,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, file: service.CsvFile, default_parent: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.file = file
        self.plan: service.ImportPlan | None = None
        cast(forms.ChoiceField, self.fields["title_column"]).choices = [
            (str(i), name) for i, name in enumerate(file.header)
        ]
        self.fields["title_column"].initial = "0"
        cast(forms.ChoiceField, self.fields["key_column"]).choices = [
            ("", "None: the app’s own row key"),
            *((name, name) for name in file.header),
        ]
        self.fields["title"].initial = PurePath(file.name).stem
        self.fields["parent_page_id"].initial = default_parent
        for index, column in enumerate(file.columns):
            self.fields[self.type_field(index)] = forms.ChoiceField(
                label=f"Type of “{column.name}”", choices=TYPE_CHOICES, initial=column.type
            )
            self.fields[self.relation_field(index)] = NotionIdField(
                label="Relates to (data source ID or link)", required=False, pick_list="recent-data-sources"
            )
            self.fields[self.match_field(index)] = forms.CharField(
                label="Matched by property (default: its title)",
                required=False,
                max_length=PROPERTY_NAME_LIMIT,
            )

    @staticmethod
    def type_field(index: int) -> str:
        return f"type_{index}"

    @staticmethod
    def relation_field(index: int) -> str:
        return f"relation_{index}"

    @staticmethod
    def match_field(index: int) -> str:
        return f"match_{index}"

    def columns(self) -> list[dict[str, Any]]:
        """For the page: each column with its type field, why it has its guessed type, the decimal
        separator its numbers are read with, its relation's fields and its first values."""
        chosen = self["decimal"].value() or ""
        return [
            {
                "column": column,
                "type": self[self.type_field(index)],
                "relation": self[self.relation_field(index)],
                "match": self[self.match_field(index)],
                "title": self["title_column"][index],
                "decimal": SEPARATOR_NAMES[chosen if chosen in SEPARATOR_NAMES else column.decimal],
                "guessed": service.IMPORT_TYPES.get(column.type, column.type),
            }
            for index, column in enumerate(self.file.columns)
        ]

    def relations(self, title_index: int) -> dict[str, Relation]:
        """The target of each column but the title typed Relation that names one (into an existing
        data source one may not); an error on the field of each other one."""
        data = self.cleaned_data
        relations = {}
        for index, name in enumerate(self.file.header):
            if index == title_index or data.get(self.type_field(index)) != service.RELATION:
                continue
            field = self.relation_field(index)
            source_id, match = data.get(field) or "", (data.get(self.match_field(index)) or "").strip()
            if source_id or match:
                relations[name] = Relation(source_id, match)
            if not source_id and data.get("target") != DATA_SOURCE and field not in self.errors:
                self.add_error(field, f"Enter the data source “{name}” relates to: its ID or link.")
        return relations

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("target") == DATA_SOURCE:
            if not data.get("data_source_id") and "data_source_id" not in self.errors:
                self.add_error("data_source_id", "Enter the data source to import into.")
            if not data.get("key_column"):
                data["mode"] = (
                    service.ADD_ONLY
                )  # without a key, a row found is one the file has word for word
            else:
                data["mode"] = data.get("mode") or service.MERGE
        elif data.get("target") == NEW_DATABASE:
            data["title"] = (data.get("title") or "").strip()
            if not data["title"] and "title" not in self.errors:
                self.add_error("title", "Name the new database.")
        index = data.get("title_column")
        if index is None:
            return data
        header = self.file.header
        types = {
            name: data[self.type_field(i)] for i, name in enumerate(header) if self.type_field(i) in data
        }
        relations = self.relations(int(index))
        if any(self.relation_field(i) in self.errors for i in range(len(header))):
            return data
        try:
            self.plan = service.make_plan(
                file=self.file,
                title_column=header[int(index)],
                types=types,
                relations=relations,
                decimal=data.get("decimal") or "",
            )
            if data.get("target") == NEW_DATABASE:
                service.new_database_columns(file=self.file, plan=self.plan)
        except service.CannotImport as error:
            self.plan = None
            raise ValidationError(error.message, code="plan") from None
        return data
