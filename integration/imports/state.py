"""What an import job keeps: its input (`Job.input`) and how far it got (its keys in `Job.progress`).

Shared by the import job that fills them and the undo job that reads them back.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from integration.imports.relations import Relation


@dataclass(frozen=True)
class ImportInput:
    """The import of `file` (a copy the job owns) into `data_source_id` of `database_id`.

    `header` is the file's columns in order (a JSON object's keys keep no order in PostgreSQL),
    `schema` the type of each column but the title (`{name: {"type": ..., ...}}`), `source`
    "{data source ID}:{digest}", the file's identity in the data source, `created_database`
    whether undoing the import trashes the database too (`title`, its name), `relations` each
    relation column's target. `decimals` is the decimal separator of each column ({column: "."
    or ","}); a column not in it (and every column of a job of an older version) takes the
    delimiter's: "," in a semicolon file, else ".".

    Rows are matched to pages (imports/merge.py) by `key_column`, a column of the file held by the
    data source's property `key_property` of type `key_type`, or, when it is "", by the app's own
    row key, a digest of the row's values and `key_source`; `mode` is merge, update or add.
    """

    database_id: str
    data_source_id: str
    header: list[str]
    schema: dict[str, dict[str, Any]]
    delimiter: str
    source: str
    file: str
    name: str = ""
    url: str = ""
    created_database: bool = False
    key_column: str = ""
    key_property: str = ""
    key_type: str = ""
    mode: str = "add"
    key_source: str = ""
    relations: dict[str, Relation] = field(default_factory=dict)
    title: str = ""
    decimals: dict[str, str] = field(default_factory=dict)
    template: str = ""
    views: list[dict[str, Any]] = field(default_factory=list)  # ViewMade.as_dict() of each view made with it

    @property
    def title_name(self) -> str:
        return next(name for name, prop in self.schema.items() if prop["type"] == "title")

    def remove_file(self) -> None:
        """The job's copy of its file is kept while the job may be resumed, and no longer."""
        if self.file:
            Path(self.file).unlink(missing_ok=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created_database": self.created_database,
            "name": self.name,
            "database_id": self.database_id,
            "data_source_id": self.data_source_id,
            "url": self.url,
            "header": list(self.header),
            "schema": self.schema,
            "delimiter": self.delimiter,
            "source": self.source,
            "file": self.file,
            "key_column": self.key_column,
            "key_property": self.key_property,
            "key_type": self.key_type,
            "mode": self.mode,
            "key_source": self.key_source,
            "relations": {column: relation.as_dict() for column, relation in self.relations.items()},
            "title": self.title,
            "decimals": dict(self.decimals),
            "template": self.template,
            "views": list(self.views),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ImportInput":
        return cls(
            # Read leniently: a job's page must show even a row written by an older version.
            database_id=data.get("database_id", ""),
            data_source_id=data.get("data_source_id", ""),
            header=list(data.get("header") or []),
            schema=data.get("schema") or {},
            delimiter=data.get("delimiter") or ",",
            source=data.get("source", ""),
            file=data.get("file", ""),
            name=data.get("name", ""),
            url=data.get("url") or "",
            created_database=bool(data.get("created_database")),
            key_column=data.get("key_column") or "",
            key_property=data.get("key_property") or "",
            key_type=data.get("key_type") or "",
            mode=data.get("mode") or "add",
            # Jobs made before merging keyed their rows by the file's digest too: resumed, they go on so.
            key_source=data.get("key_source") or data.get("source", ""),
            relations={
                str(column): Relation.from_dict(relation)
                for column, relation in _mapping(data.get("relations")).items()
            },
            title=data.get("title") or "",
            decimals=dict(data.get("decimals") or {}),
            template=data.get("template") or "",
            views=list(data.get("views") or []),
        )


def _mapping(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


@dataclass
class ImportProgress:
    """How far an import got: `next`, the count of the file's records handled, and the undo job
    under way for it, if any."""

    next: int = 0
    undo_job: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"next": self.next, "undo_job": self.undo_job}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ImportProgress":
        return cls(next=data.get("next", 0), undo_job=data.get("undo_job"))
