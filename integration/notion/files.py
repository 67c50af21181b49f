"""Files uploaded to Notion: checked against Notion's rules before anything is sent, sent in one
part or in parts read from disk a slice at a time, imported from a URL, and attached by ID.
The only code that uploads.

Notion's docs this follows: "Working with files and media" (types, sizes, the 900-byte name),
"Uploading small files", "Uploading larger files" (parts of 5–20 MiB, 10 MiB recommended, sent
in any order, then completed), "Importing external files", "File Upload" (statuses), "File
object" (attaching an upload by ID), "Retrieve your token's bot user" (the workspace's limit).

A part whose answer was lost is not sent again blindly: Notion's docs do not say whether a part
may be sent twice. The upload is read back first: parts go one at a time, in order, so
`number_of_parts.sent` says whether the lost one arrived; only a part that did not arrive is
sent again (once). A lost answer never makes a new upload.
"""

import hashlib
import io
import mimetypes
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.cache import cache

from integration.models import AuditContext
from integration.notion.client import notion_client
from integration.notion.errors import NotionError, expect, notion_call
from integration.notion.limits import (
    FILE_NAME_BYTES,
    MIB,
    MULTI_PART_MAX,
    PART_SIZE,
    PARTS_LIMIT,
    SINGLE_PART_MAX,
    block_type_for,
    categories_of_content_type,
    categories_of_name,
    content_type_for,
)
from integration.notion.workspace import workspace

__all__ = [
    "FilePart",
    "FileRefused",
    "LocalFile",
    "block_type_for",
    "check_files",
    "file_block",
    "files_property_item",
    "import_external",
    "upload_file",
    "upload_status",
    "workspace_max_file_size",
]

LIMIT_SECONDS = 300  # how long the workspace's file size limit is kept


@dataclass(frozen=True)
class LocalFile:
    path: Path
    name: str
    content_type: str
    size: int

    @classmethod
    def at(cls, path: Path | str, name: str | None = None, content_type: str | None = None) -> "LocalFile":
        """A file on disk, named `name` in Notion (its own name by default), its content type
        guessed from that name: Notion's own for its types, else the system's guess."""
        path = Path(path)
        name = name or path.name
        guessed = content_type_for(name) or mimetypes.guess_type(name)[0] or "application/octet-stream"
        return cls(path, name, content_type or guessed, path.stat().st_size)


class FileRefused(ValueError):
    """A file Notion would refuse, found before anything was sent; the message says why."""


def _size(count: int) -> str:
    if count >= 1024 * MIB:
        return f"{count / (1024 * MIB):.1f}".removesuffix(".0") + " GB"
    return f"{count / MIB:.1f}".removesuffix(".0") + " MB"


def check_files(
    files: Iterable[LocalFile],
    *,
    max_size: int | None,
    part_size: int = PART_SIZE,
    single_part_max: int = SINGLE_PART_MAX,
) -> None:
    """Raise FileRefused for the first file Notion would refuse: its name, its type, its size
    against the workspace's limit (`max_size`, from users.me; None: unknown) and Notion's."""
    for file in files:
        if len(file.name.encode()) > FILE_NAME_BYTES:
            raise FileRefused(
                f"The name of {file.name[:40]}… is {len(file.name.encode())} bytes long; Notion takes file "
                f"names up to {FILE_NAME_BYTES} bytes: nothing was sent."
            )
        if not categories_of_name(file.name):
            raise FileRefused(
                f"{file.name}: Notion does not take files of this type (see “Supported file types” in "
                "Notion's docs): nothing was sent."
            )
        if not categories_of_content_type(file.content_type):
            raise FileRefused(
                f"{file.name}: Notion does not take files of type {file.content_type}: nothing was sent."
            )
        if not categories_of_name(file.name) & categories_of_content_type(file.content_type):
            raise FileRefused(
                f"{file.name}: its content type {file.content_type} does not match its extension, which "
                "Notion requires: nothing was sent."
            )
        if file.size == 0:
            raise FileRefused(f"{file.name} is empty: nothing was sent.")
        if max_size is not None and file.size > max_size:
            raise FileRefused(
                f"{file.name} is {_size(file.size)}; this workspace takes files up to {_size(max_size)} "
                "(Notion's limit for its plan): nothing was sent."
            )
        if file.size > MULTI_PART_MAX:
            raise FileRefused(
                f"{file.name} is {_size(file.size)}; Notion takes files up to {_size(MULTI_PART_MAX)}: "
                "nothing was sent."
            )
        if file.size > single_part_max and -(-file.size // part_size) > PARTS_LIMIT:
            raise FileRefused(
                f"{file.name} would take more than {PARTS_LIMIT} parts of {_size(part_size)}, Notion's "
                "most: nothing was sent."
            )


def workspace_max_file_size(*, context: AuditContext | None = None) -> int | None:
    """The largest file the workspace takes, in bytes ("Retrieve your token's bot user":
    `bot.workspace_limits.max_file_upload_size_in_bytes`), kept a few minutes; None if not given."""
    token, _ = workspace().credentials()
    key = "notionforms:max-file-size:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    found = cache.get(key)
    if found is not None:
        return found or None
    with notion_client(context) as client, notion_call(write=False, what="bot user"):
        me = client.users.me()
    bot = me.get("bot") if isinstance(me, dict) else None
    limit = ((bot or {}).get("workspace_limits") or {}).get("max_file_upload_size_in_bytes")
    limit = limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else None
    cache.set(key, limit or 0, LIMIT_SECONDS)
    return limit


class FilePart(io.RawIOBase):
    """`length` bytes of a file from `offset`, read as a file of their own (read, seek, tell) and
    never held whole: httpx streams a file object in 64 KB chunks, seeking it to 0 for each try."""

    def __init__(self, path: Path, offset: int, length: int) -> None:
        self._file = open(path, "rb")  # noqa: SIM115 (closed with the part)
        self._offset = offset
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        # httpx would take the whole file's size from the descriptor: a part has none of its own.
        raise OSError("a part of a file has no descriptor of its own")

    def seek(self, position: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._position, os.SEEK_END: self._length}[whence]
        self._position = min(max(0, base + position), self._length)
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self._length - self._position)
        if count <= 0:
            return 0
        self._file.seek(self._offset + self._position)
        read = self._file.readinto(memoryview(buffer)[:count])
        self._position += read
        return read

    def close(self) -> None:
        self._file.close()
        super().close()


def _sent_report(file: LocalFile, sent: int, total: int) -> str:
    if total == 1:
        done = "its contents were not all received"
    elif sent == 0:
        done = f"none of its {total} parts was received"
    else:
        done = (
            f"parts 1 to {sent} of {total} were received" if sent > 1 else f"part 1 of {total} was received"
        )
    return (
        f" {file.name}: the upload was created and {done}. Nothing was attached; the unfinished upload "
        "expires within the hour: upload the file again."
    )


def upload_file(
    file: LocalFile,
    *,
    context: AuditContext | None = None,
    deadline: float | None = None,
    part_size: int = PART_SIZE,
    single_part_max: int = SINGLE_PART_MAX,
) -> str:
    """Upload a file to Notion; return the file upload's ID once its status is `uploaded`.

    Up to `single_part_max` bytes it goes in one request; larger, in parts of `part_size` bytes
    (Notion's recommended 10 MiB by default), each read from disk as it is sent, then completed.
    Raises NotionError (its hint names the file and what Notion received), or FileRefused.
    """
    check_files([file], max_size=None, part_size=part_size, single_part_max=single_part_max)
    parts = 1 if file.size <= single_part_max else -(-file.size // part_size)
    with notion_client(context, deadline=deadline) as client:
        with notion_call(write=True, what="file upload"):
            if parts == 1:
                created = client.file_uploads.create(
                    mode="single_part", filename=file.name, content_type=file.content_type
                )
            else:
                created = client.file_uploads.create(
                    mode="multi_part",
                    filename=file.name,
                    content_type=file.content_type,
                    number_of_parts=parts,
                )
        upload_id = expect(created, "file_upload", write=True)["id"]
        for number in range(1, parts + 1):
            offset = (number - 1) * part_size
            length = file.size if parts == 1 else min(part_size, file.size - offset)
            try:
                _send_part(client, file, upload_id, number, parts, offset, length)
            except NotionError as error:
                error.hint += _sent_report(file, number - 1, parts)
                raise
        if parts > 1:
            try:
                with notion_call(write=True, what="file upload"):
                    answer = client.file_uploads.complete(upload_id)
            except NotionError as error:
                if not error.maybe_done or _status(client, upload_id).get("status") != "uploaded":
                    error.hint += _sent_report(file, parts, parts)
                    raise
                answer = {"object": "file_upload", "id": upload_id, "status": "uploaded"}
            if expect(answer, "file_upload", write=True).get("status") != "uploaded":
                raise NotionError(code="not_uploaded", hint=f"Notion did not take {file.name} as a whole.")
    return upload_id


def _send_part(
    client, file: LocalFile, upload_id: str, number: int, parts: int, offset: int, length: int
) -> None:
    """Send one part (the whole file when `parts` is 1); after a lost answer, read the upload back
    and send the part again only if Notion did not receive it."""
    for attempt in (1, 2):
        with FilePart(file.path, offset, length) as part:
            fields: dict[str, Any] = {"file": (file.name, part, file.content_type)}
            if parts > 1:
                fields["part_number"] = str(number)
            try:
                with notion_call(write=True, what="file upload"):
                    expect(client.file_uploads.send(upload_id, **fields), "file_upload", write=True)
                return
            except NotionError as error:
                if not error.maybe_done or attempt == 2:
                    raise
                upload = _status(client, upload_id)
                received = (
                    upload.get("status") == "uploaded"
                    if parts == 1
                    else (upload.get("number_of_parts") or {}).get("sent", 0) >= number
                )
                if received:
                    return


def _status(client, upload_id: str) -> dict:
    with notion_call(write=False, what="file upload"):
        return expect(client.file_uploads.retrieve(upload_id), "file_upload", write=False)


def import_external(url: str, *, name: str | None = None, context: AuditContext | None = None) -> str:
    """Have Notion import a file from a public https URL ("Importing external files"); return the
    upload's ID. Notion fetches it in the background: `upload_status` says when it is `uploaded`."""
    if not url.startswith("https://"):
        raise FileRefused(f"{url[:100]}: Notion imports files from https URLs only: nothing was sent.")
    name = name or url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    if not categories_of_name(name) or len(name.encode()) > FILE_NAME_BYTES:
        raise FileRefused(f"{name[:100]}: not the name of a file type Notion takes: nothing was sent.")
    with notion_client(context) as client, notion_call(write=True, what="file upload"):
        created = client.file_uploads.create(mode="external_url", external_url=url, filename=name)
    return expect(created, "file_upload", write=True)["id"]


# Seconds between reads of an import's status, as "Importing external files" suggests polling.
IMPORT_POLLS = (0, 5, 15, 30, 45)


def wait_for_import(
    upload_id: str, *, context: AuditContext | None = None, pauses: Iterable[float] = IMPORT_POLLS
) -> None:
    """Wait until Notion has imported an external file ("Importing external files": poll the file
    upload until `uploaded`). Raises NotionError if the import failed, or is still going after
    the last pause."""
    upload: dict = {}
    for pause in pauses:
        time.sleep(pause)
        upload = upload_status(upload_id, context=context)
        if upload.get("status") == "uploaded":
            return
        if upload.get("status") in ("failed", "expired"):
            result = upload.get("file_import_result") or {}
            why = (result.get("error") or {}).get("message") or upload["status"]
            raise NotionError(
                code="import_failed",
                hint=f"Notion could not import {upload.get('filename') or 'the file'}: {why}.",
            )
    raise NotionError(
        code="import_slow",
        hint=f"Notion was still importing {upload.get('filename') or 'the file'} "
        f"({upload.get('status', 'pending')}) after {sum(IMPORT_POLLS)} seconds: nothing uses it yet.",
    )


def upload_status(upload_id: str, *, context: AuditContext | None = None) -> dict:
    """The file upload as Notion has it now ("Retrieve a file upload"): `status` is `pending`,
    `uploaded`, `expired` or `failed`; `expiry_time` is null once it is attached. A job attaching
    later re-uploads what expired."""
    with notion_client(context) as client:
        return _status(client, upload_id)


def files_property_item(upload_id: str, name: str) -> dict:
    """An uploaded file as a `files` property's item ("Uploading small files", "File object")."""
    return {"type": "file_upload", "file_upload": {"id": upload_id}, "name": name}


def file_block(block_type: str, upload_id: str, caption: list | None = None) -> dict:
    """A media block (image, video, audio, pdf, file) showing an uploaded file ("Uploading small files")."""
    return {
        "object": "block",
        "type": block_type,
        block_type: {"caption": caption or [], "type": "file_upload", "file_upload": {"id": upload_id}},
    }
