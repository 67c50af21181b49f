"""A CSV file to import: read as a stream, its columns' types guessed, its rows made page values.

Reading (`CsvReader`): a binary file object, UTF-8 with or without a byte order mark, its
delimiter a comma or a semicolon (the one that splits the header row into more fields; a tie is
a comma), a header row of distinct names. The csv module parses; this module only cuts the bytes
into physical lines (ended by CRLF, LF or a lone CR) so that each row knows the line it starts on.
Memory stays flat: one chunk of bytes and one row at a time. Whatever is fatal (not UTF-8, no or
a bad header, the size limit passed, a field longer than the csv module's 131,072 characters,
most often an unclosed quote) raises CsvError; a row of the wrong length is a BadRow, yielded in
its place, and reading goes on.

Guessing (`infer_columns`): from the first `sample` rows, empty cells ignored, the first type of
this list that fits every value of a column:
- checkbox: every value true/false, or every value yes/no (case-insensitive; one pair per column).
  A column of only 0 and 1 is a number: rows past the sample may hold 2, and a number loses nothing.
- number: an optional sign, digits, an optional fraction; the other of "." and ",", a space or a
  no-break space may separate thousands, in groups of three after a first group of one to three
  digits, the same separator throughout. Refused, and so text: a leading zero before a digit
  ("007", "01234": codes, not quantities), exponents, currency signs, percent signs.
  The decimal separator is found per column (`column_decimal`): the one more of its values read
  as numbers with ("258.83" reads only with a point, "2,5" only with a comma). A tie, when every
  value reads both ways ("412", "1,234", "1.234"), goes to the file's default: "." in a
  comma-delimited file, "," in a semicolon-delimited one (the usual European export).
- date: an ISO 8601 date (2026-12-01) or date and time (2026-12-01T09:30, seconds and fraction
  optional, "T" or a space, an optional Z or ±HH:MM offset), a real day of the calendar. No
  day-first or month-first form: 01/02/2026 is ambiguous, and is text.
- email: one @, no spaces, a dot in the domain, at most 200 characters.
- url: http:// or https:// with a host, no spaces, at most 2000 characters.
- select: at most `max_options` distinct values, at least one repeated, none with a comma
  (Notion refuses commas in option names) or longer than 100 characters.
- rich_text otherwise, and for a column with no value in the sample.
The title column (the first by default) is "title" whatever it holds. A guess says why, when a
value kept the column from the type most of its values fit (checkbox, number, date, email, url):
the first such value and its line, as in “line 14 has “forty”, not a number”.

Converting (`convert_row`): a row against a schema shaped like a data source's properties
({name: {"type": ...}}, as Notion answers it), each number column read with its own decimal
separator, gives the page property values of integration.notion.values, or a BadRow for each
cell Notion would refuse; relation columns are looked up elsewhere.

Keys (`import_key`): see there.
"""

import codecs
import csv
import hashlib
import itertools
import json
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from integration.notion.limits import (
    CONTACT_LIMIT,
    OPTION_NAME_LIMIT,
    PROPERTY_NAME_LIMIT,
    TEXT_LIMIT,
    URL_LIMIT,
    utf16_len,
)
from integration.notion.values import InvalidValue, parse_number, property_value

SIZE_LIMIT = 20 * 1024 * 1024  # bytes
SAMPLE_ROWS = 200
MAX_OPTIONS = 10
SAMPLE_VALUES = 5
CHUNK = 64 * 1024
DELIMITERS = (",", ";")
BOM = codecs.BOM_UTF8

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CHECKBOX_PAIRS = ({"true": True, "false": False}, {"yes": True, "no": False})
_CHECKBOX_WORDS = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


class CsvError(ValueError):
    """A file that can't be imported at all; the message says where and why."""


@dataclass(frozen=True)
class Row:
    """One record of the file: the physical line it starts on, and its fields as they were."""

    line: int
    values: tuple[str, ...]


@dataclass(frozen=True)
class BadRow:
    """A row left out of the import: its line, the column at fault (None: the whole row), and why."""

    line: int
    column: str | None
    message: str


class CsvReader:
    """The rows of a CSV file, read as they are needed.

    The header is read when the reader is made (a CsvError if it is missing or bad); iterating
    gives each later record as a Row, or a BadRow if its number of fields isn't the header's.
    Blank lines are skipped. A file can be iterated once.
    """

    def __init__(
        self,
        file: BinaryIO,
        *,
        limit: int = SIZE_LIMIT,
        delimiter: str | None = None,
        max_columns: int | None = None,
    ) -> None:
        if delimiter is not None and delimiter not in DELIMITERS:
            raise CsvError(f"The delimiter must be a comma or a semicolon, not “{delimiter}”.")
        self.limit = limit
        lines = _Lines(file, limit)
        head = _first_record(lines)
        if not head:
            raise CsvError("The file is empty: it needs a header row naming its columns.")
        self.delimiter = delimiter or _sniff(head)
        self._reader = csv.reader(itertools.chain(head, lines), delimiter=self.delimiter)
        fields = self._next_record()[1]
        if not fields:
            raise CsvError("Line 1 is empty: the file needs a header row naming its columns first.")
        if max_columns is not None and len(fields) > max_columns:
            raise CsvError(
                f"The header (line 1) names {len(fields):,} columns; at most {max_columns:,} can be "
                "imported: remove some, or split the file."
            )
        self.header = _check_header(fields)

    @property
    def decimal(self) -> str:
        """The decimal separator of this file's numbers: "," when fields are split by ";"."""
        return decimal_separator(self.delimiter)

    def _next_record(self) -> tuple[int, list[str] | None]:
        line = self._reader.line_num + 1
        try:
            return line, next(self._reader)
        except StopIteration:
            return line, None
        except csv.Error as error:
            raise CsvError(
                f"Line {line}: {error} — perhaps a quote is not closed; nothing after it can be read."
            ) from None

    def __iter__(self) -> Iterator[Row | BadRow]:
        width = len(self.header)
        while True:
            line, fields = self._next_record()
            if fields is None:
                return
            if not fields:
                continue
            if len(fields) != width:
                more = "many" if len(fields) > width else "few"
                count = f"{len(fields)} field" + ("s" if len(fields) != 1 else "")
                yield BadRow(line, None, f"{count} where the header has {width}: too {more}.")
            else:
                yield Row(line, tuple(fields))


class _Lines:
    """The text of a binary file, decoded as UTF-8, one physical line (with its break) at a time."""

    def __init__(self, file: BinaryIO, limit: int) -> None:
        self._file = file
        self._limit = limit
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._read = 0  # bytes
        self._line = 1  # the physical line the pending text starts on
        self._pending = ""
        self._scanned = 0  # of the pending text, the part with no line break in it
        self._queue: deque[str] = deque()
        self._done = False

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        while not self._queue:
            if self._done:
                raise StopIteration
            self._fill()
        return self._queue.popleft()

    def _fill(self) -> None:
        chunk = self._file.read(min(CHUNK, self._limit - self._read + 1))
        start = self._read
        self._read += len(chunk)
        if self._read > self._limit:
            raise CsvError(
                f"The file is larger than the limit of {self._limit:,} bytes "
                f"(stopped at line {self._line}): split it, or import a smaller one."
            )
        if start == 0:
            chunk = self._check_start(chunk)
        text = self._decode(chunk, start, final=not chunk)
        if not chunk:
            self._done = True
            if self._pending:
                self._queue.append(self._pending)
                self._pending = ""
            return
        self._split(text)

    def _check_start(self, chunk: bytes) -> bytes:
        if chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise CsvError("The file is in UTF-16: save it as UTF-8 (“CSV UTF-8” in Excel) and try again.")
        if chunk.startswith(BOM):
            self._bom = len(BOM)
            return chunk[len(BOM) :]
        self._bom = 0
        return chunk

    def _decode(self, chunk: bytes, start: int, *, final: bool) -> str:
        held = self._decoder.getstate()[0]
        try:
            return self._decoder.decode(chunk, final)
        except UnicodeDecodeError as error:
            skipped = self._bom if start == 0 else 0
            offset = start + skipped - len(held) + error.start
            before = (held + chunk)[: error.start].decode("utf-8")
            line = self._line + len(_LINE_BREAK.findall(self._pending + before))
            raise CsvError(
                f"Line {line}, byte {offset + 1:,} of the file is not UTF-8 "
                f"(0x{(held + chunk)[error.start]:02X}): save the file as UTF-8 and try again."
            ) from None

    def _split(self, text: str) -> None:
        pending = self._pending + text
        start = 0
        for match in _LINE_BREAK.finditer(pending, self._scanned):
            if match.group() == "\r" and match.end() == len(pending):
                break  # the first half of a CRLF, perhaps: wait for the next chunk
            self._queue.append(pending[start : match.end()])
            self._line += 1
            start = match.end()
        self._pending = pending[start:]
        self._scanned = max(len(self._pending) - 1, 0)


def _first_record(lines: _Lines) -> list[str]:
    """The physical lines of the header record: up to the first line break outside quotes."""
    head: list[str] = []
    quotes = 0
    size = 0
    for line in lines:
        head.append(line)
        quotes += line.count('"')
        size += len(line)
        if quotes % 2 == 0 or size > CHUNK:  # a stray quote mustn't make the whole file a header
            break
    return head


def _sniff(head: list[str]) -> str:
    widths = {}
    for delimiter in DELIMITERS:
        try:
            widths[delimiter] = len(next(csv.reader(head, delimiter=delimiter), []))
        except csv.Error:
            widths[delimiter] = 0
    return ";" if widths[";"] > widths[","] else ","


def _check_header(fields: list[str]) -> tuple[str, ...]:
    names = tuple(field.strip() for field in fields)
    seen: dict[str, str] = {}
    for number, name in enumerate(names, 1):
        if not name:
            raise CsvError(f"The header (line 1) has no name for column {number}: name every column.")
        if len(name) > PROPERTY_NAME_LIMIT:
            raise CsvError(
                f"The header (line 1) names column {number} “{name[:20]}…” in {len(name)} characters; "
                f"at most {PROPERTY_NAME_LIMIT} are allowed."
            )
        key = name.casefold()
        if key in seen:
            also = f" (and “{seen[key]}”)" if seen[key] != name else ""
            raise CsvError(
                f"The header (line 1) names two columns “{name}”{also}: each needs a name of its own."
            )
        seen[key] = name
    return names


def decimal_separator(delimiter: str) -> str:
    """A file's default decimal separator, which breaks a column's tie: "," when fields are split by ";"."""
    return "," if delimiter == ";" else "."


def parse_date(text: str) -> str | None:
    """`text` as Notion's ISO 8601 date start, if it is one of the forms in the docstring, else None."""
    text = text.strip()
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text).isoformat()
        if _DATETIME.fullmatch(text):
            return datetime.fromisoformat(text).isoformat()
    except ValueError:
        return None
    return None


def parse_checkbox(text: str) -> bool | None:
    """True for true/yes/1, False for false/no/0 and an empty cell (any case), else None."""
    text = text.strip().casefold()
    return False if not text else _CHECKBOX_WORDS.get(text)


def _is_email(text: str) -> bool:
    return utf16_len(text) <= CONTACT_LIMIT and _EMAIL.fullmatch(text) is not None


def _is_url(text: str) -> bool:
    if utf16_len(text) > URL_LIMIT or any(char.isspace() for char in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _is_option(text: str) -> bool:
    return "," not in text and utf16_len(text) <= OPTION_NAME_LIMIT


@dataclass(frozen=True)
class ColumnGuess:
    """What the first rows say of a column: the type to create it with, and why."""

    name: str
    type: str
    samples: tuple[str, ...]  # its first distinct values, at most SAMPLE_VALUES
    distinct: int  # distinct values in the sample
    options: tuple[str, ...] = ()  # a select's, in order of appearance
    decimal: str = "."  # its numbers' decimal separator, should it be (or be made) a number
    reason: str = ""  # why it is not the type most of its values fit, if it is not


# What a value is not, when it keeps a column from a type most of its values fit.
_NOT_A = {
    "checkbox": "true/false or yes/no",
    "number": "a number",
    "date": "a date such as 2026-12-01",
    "email": "an email address",
    "url": "a link (http:// or https://)",
}


def column_decimal(values: Iterable[str], *, default: str = ".") -> str:
    """The decimal separator of a column holding `values`: the one more of them read as numbers
    with; `default` when as many read either way (each value both ways, as "412" or "1,234")."""
    point = comma = 0
    for value in values:
        point += parse_number(value, ".") is not None
        comma += parse_number(value, ",") is not None
    if point == comma:
        return default
    return "." if point > comma else ","


def guess_type(values: Sequence[str], *, decimal: str = ".", max_options: int = MAX_OPTIONS) -> str:
    """The type of a column holding `values` (empty ones already left out), as the docstring says;
    `decimal` is the file's default decimal separator."""
    cells = [(0, value) for value in values]
    return _guess(cells, column_decimal(values, default=decimal), max_options)[0]


def _fits(decimal: str, values: Sequence[str]) -> dict[str, Any]:
    """For each type a value may fit, whether it fits (a checkbox's pair: the one most values are in)."""
    folded = [value.casefold() for value in values]
    pair = max(_CHECKBOX_PAIRS, key=lambda words: sum(word in words for word in folded))
    return {
        "checkbox": lambda value: value.casefold() in pair,
        "number": lambda value: parse_number(value, decimal) is not None,
        "date": lambda value: parse_date(value) is not None,
        "email": _is_email,
        "url": _is_url,
    }


def _guess(cells: Sequence[tuple[int, str]], decimal: str, max_options: int) -> tuple[str, str]:
    """The type of a column of (line, value) cells read with `decimal`, and why not a likelier one."""
    values = [value for _, value in cells]
    if not values:
        return "rich_text", ""
    fits = _fits(decimal, values)
    counts = {kind: sum(map(fit, values)) for kind, fit in fits.items()}
    kind = next((kind for kind, count in counts.items() if count == len(values)), "")
    if not kind:
        distinct = set(values)
        is_select = len(distinct) <= max_options and len(distinct) < len(values)
        kind = "select" if is_select and all(map(_is_option, distinct)) else "rich_text"
    likeliest = max(counts, key=lambda name: counts[name])
    if kind == likeliest or counts[likeliest] * 2 <= len(values):
        return kind, ""
    line, value = next((line, value) for line, value in cells if not fits[likeliest](value))
    shown = value if len(value) <= 40 else value[:40] + "…"
    return kind, f"line {line} has “{shown}”, not {_NOT_A[likeliest]}"


def infer_columns(
    header: Sequence[str],
    rows: Iterable[Row | BadRow],
    *,
    sample: int = SAMPLE_ROWS,
    title: int | str = 0,
    decimal: str = ".",
    max_options: int = MAX_OPTIONS,
) -> list[ColumnGuess]:
    """A guess for each column from the first `sample` good rows of `rows` (bad rows don't count).

    Consumes rows up to the `sample`th good one; to import, read the file again from its start.
    `title` is the title column: its index or its name. `decimal` is the file's default decimal
    separator, which a column's values override (`column_decimal`).
    """
    if isinstance(title, str):
        if title not in header:
            raise ValueError(f"There is no column “{title}” to be the title.")
        title = list(header).index(title)
    if not 0 <= title < len(header):
        raise ValueError(f"There is no column {title} to be the title: the file has {len(header)}.")
    columns: list[list[tuple[int, str]]] = [[] for _ in header]
    taken = 0
    for row in rows if sample > 0 else ():
        if isinstance(row, BadRow):
            continue
        for cells, value in zip(columns, row.values, strict=True):
            if value.strip():
                cells.append((row.line, value.strip()))
        taken += 1
        if taken == sample:
            break
    guesses = []
    for index, (name, cells) in enumerate(zip(header, columns, strict=True)):
        distinct = tuple(dict.fromkeys(value for _, value in cells))
        separator = column_decimal((value for _, value in cells), default=decimal)
        kind, reason = _guess(cells, separator, max_options)
        if index == title:
            kind, reason = "title", ""
        guesses.append(
            ColumnGuess(
                name,
                kind,
                samples=distinct[:SAMPLE_VALUES],
                distinct=len(distinct),
                options=distinct if kind == "select" else (),
                decimal=separator,
                reason=reason,
            )
        )
    return guesses


def convert_row(
    header: Sequence[str],
    row: Row,
    properties: dict[str, dict],
    *,
    decimal: str = ".",
    decimals: Mapping[str, str] | None = None,
) -> dict[str, dict] | list[BadRow]:
    """The page property values for `row`, or a BadRow for each of its cells Notion would refuse.

    Only the columns named in `properties` (a data source's schema, by name) are converted;
    empty cells are left out, as a new page leaves them empty. A number column is read with its
    decimal separator in `decimals` ({column: "." or ","}), else with `decimal`. Relation columns
    are left out: their cells name pages of another data source, found there
    (integration.imports.relations).
    """
    decimals = decimals or {}
    values: dict[str, dict] = {}
    bad: list[BadRow] = []
    for name, text in zip(header, row.values, strict=True):
        prop = properties.get(name)
        if prop is None or prop.get("type") == "relation":
            continue
        try:
            value = property_value(prop, _raw(prop.get("type"), text.strip(), decimals.get(name, decimal)))
        except InvalidValue as error:
            bad.append(BadRow(row.line, name, error.message))
            continue
        if value is not None:
            values[name] = value
    return bad or values


def _raw(kind: Any, text: str, decimal: str) -> Any:
    """`text` as values.property_value takes it for a property of type `kind`."""
    if not text:
        return False if kind == "checkbox" else ""
    if kind == "number":
        number = parse_number(text, decimal)
        if number is None:
            example = "1234.5 or 1,234.5" if decimal == "." else "1234,5 or 1.234,5"
            other = "," if decimal == "." else "."
            if parse_number(text, other) is not None:
                raise InvalidValue(
                    f"“{text[:50]}” is a number with “{other}” before its decimals, and this column's "
                    f"decimal separator is “{decimal}”, as in {example}."
                )
            raise InvalidValue(f"“{text[:50]}” is not a number, such as {example}.")
        return number
    if kind == "date":
        start = parse_date(text)
        if start is None:
            raise InvalidValue(f"“{text[:50]}” is not a date, such as 2026-12-01 or 2026-12-01T09:30.")
        return start
    if kind == "checkbox":
        checked = parse_checkbox(text)
        if checked is None:
            raise InvalidValue(f"“{text[:50]}” is not a checkbox’s value: true/false, yes/no or 1/0.")
        return checked
    if kind == "title" and utf16_len(text) > TEXT_LIMIT:
        raise InvalidValue(f"A title has at most {TEXT_LIMIT:,} characters (this has {utf16_len(text):,}).")
    if kind == "multi_select":
        return text.split(",")
    return text


def import_key(header: Sequence[str], values: Sequence[str], *, source: str = "") -> str:
    """A stable key for a row: 32 hex digits of SHA-256 over `source` and the row's values by column.

    `source` names what the rows are imported from and into (say, the target data source's ID and
    the file's `hashlib.file_digest`). The key depends on the values, each stripped, and the
    column each is in, not on the line or the order of the columns: the same row of the same
    source always has the same key, a changed value a new one. A resumable import stores the key
    with each page it creates (a rich-text property) and, before creating a page, skips a row whose
    key it has already stored; so a second run, or a row repeated word for word, creates no
    duplicate page.
    """
    cells = sorted((name, value.strip()) for name, value in zip(header, values, strict=True))
    text = json.dumps([source, cells], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
