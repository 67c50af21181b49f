"""The request history as CSV or JSON Lines: one line per attempt, every column, oldest first, streamed.

Rows are read `CHUNK_SIZE` at a time (a server-side cursor on PostgreSQL) and the text is
handed out in chunks of about `TEXT_CHUNK` characters, so memory stays flat however many
rows there are. Secrets were masked when the rows were written; they are masked again on
the way out, in case a row came from somewhere else or the list of masked keys grew since.

The CSV is made for spreadsheets: it starts with a UTF-8 byte order mark (without one, Excel
reads the file in the system's code page), every cell is quoted (a semicolon can't start a cell
where Excel splits on semicolons), and a text cell a spreadsheet would run as a formula is made
text with a leading apostrophe, as OWASP's "CSV Injection" advises. The history holds what
Notion and the people using the forms sent, so any cell may hold one.
"""

import csv
import io
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
from django.conf import settings
from django.db.models import QuerySet

from integration.masking import mask_headers, mask_json, mask_url, scrub
from integration.models import NotionRequestLog

FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/jsonl; charset=utf-8"}
CHUNK_SIZE = 2000
TEXT_CHUNK = 64 * 1024
BOM = "\ufeff"
# What makes a spreadsheet take a cell for a formula (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ORDER = ("created_at", "id")  # the export's order, whatever the queryset's: oldest first

COLUMNS = [field.attname for field in NotionRequestLog._meta.concrete_fields]


def export_request_log(queryset: QuerySet[NotionRequestLog], *, format: str) -> Iterator[str]:
    """The rows of `queryset`, oldest first, as chunks of CSV (a byte order mark, then a header line)
    or JSON Lines."""
    if format not in FORMATS:
        raise ValueError(f"Unknown export format {format!r}: one of {', '.join(FORMATS)}.")
    rows = map(_masker(), (dict(zip(COLUMNS, values, strict=True)) for values in _values(queryset)))
    lines = _csv_lines(rows) if format == "csv" else _jsonl_lines(rows)
    return _chunks(lines)


def _values(queryset: QuerySet[NotionRequestLog]) -> Iterator[tuple]:
    return queryset.order_by(*ORDER).values_list(*COLUMNS).iterator(chunk_size=CHUNK_SIZE)


def _masker() -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function masking a row's secrets again, by key and the token wherever it is.

    Parsing every body would cost most of an export's time, so a body is parsed only when one
    of the masked keys appears in it in quotes, or an escape that could spell one; and the
    token is looked for once per value, the settings read once per export.
    """
    quoted_keys = [f'"{key.lower()}"' for key in settings.NOTION_AUDIT_MASKED_KEYS]
    token = settings.NOTION_KEY

    def body(text: str) -> str:
        lowered = text.lower()
        if "\\u" in lowered or any(key in lowered for key in quoted_keys):
            try:
                data = json.loads(text)
            except ValueError:
                data = None
            masked = mask_json(data)
            if masked != data:
                return json.dumps(masked, indent=2, ensure_ascii=False)
        return scrub(text) if token and token in text else text

    def masked(row: dict[str, Any]) -> dict[str, Any]:
        for name, value in row.items():
            if name.endswith("_headers") and isinstance(value, dict):
                row[name] = mask_headers(httpx.Headers({str(key): str(item) for key, item in value.items()}))
            elif isinstance(value, dict | list):
                row[name] = mask_json(value)
            elif name == "url":
                row[name] = mask_url(value)
            elif name.endswith("_body") and isinstance(value, str):  # a body that was not JSON
                row[name] = body(value)
            elif isinstance(value, str) and token and token in value:
                row[name] = scrub(value)
        return row

    return masked


def _plain(value: Any) -> Any:
    """`value` as JSON has it: times in ISO 8601 with their zone, IDs as text."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def _csv_cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)  # begins with { or [
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return str(value)


def _csv_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)

    def line(cells: list[str]) -> str:
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield BOM + line(COLUMNS)
    for row in rows:
        yield line([_csv_cell(value) for value in row.values()])


def _jsonl_lines(rows: Iterator[dict[str, Any]]) -> Iterator[str]:
    for row in rows:
        yield json.dumps({name: _plain(value) for name, value in row.items()}, ensure_ascii=False) + "\n"


def _chunks(lines: Iterator[str]) -> Iterator[str]:
    """`lines` joined into pieces of about TEXT_CHUNK characters: fewer, larger writes."""
    pending: list[str] = []
    size = 0
    for line in lines:
        pending.append(line)
        size += len(line)
        if size >= TEXT_CHUNK:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)
