"""Files people attach to a form: checked against the workspace's limits before anything is sent,
uploaded to Notion before the page or blocks that use them, and kept on disk for a job that
sends them later.

A form's files are on disk already (Django writes each upload to a temporary file as it
arrives); a submission carries them as `file_dict`s.
"""

import shutil
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings

from integration.models import AuditContext
from integration.notion import pages
from integration.notion.errors import NotionError
from integration.notion.files import (
    FileRefused,
    LocalFile,
    check_files,
    files_property_item,
    upload_file,
    workspace_max_file_size,
)

__all__ = [
    "FileRefused",
    "check_for_workspace",
    "create_page_with_files",
    "file_dict",
    "from_dict",
    "keep_for_job",
    "upload_all",
]


def file_dict(file: LocalFile) -> dict[str, Any]:
    return {"name": file.name, "path": str(file.path), "content_type": file.content_type, "size": file.size}


def from_dict(data: dict[str, Any]) -> LocalFile:
    return LocalFile(
        path=Path(data["path"]), name=data["name"], content_type=data["content_type"], size=data["size"]
    )


def names(files: list[LocalFile]) -> str:
    return ", ".join(file.name for file in files)


def check_for_workspace(files: list[LocalFile], *, context: AuditContext | None = None) -> None:
    """Raise FileRefused if Notion would refuse any of `files` in this workspace: its own largest
    file (read from Notion once in a while), and every other rule Notion states."""
    if files:
        check_files(files, max_size=workspace_max_file_size(context=context))


def upload_all(
    files: list[LocalFile], *, context: AuditContext | None = None, deadline: float | None = None
) -> dict[str, str]:
    """Upload each file, in order; return {file name: file upload ID}.

    If one fails, its error says which were uploaded before it: those wait at Notion, attached
    to nothing, until they expire. Nothing is sent again by itself.
    """
    uploaded: dict[str, str] = {}
    for file in files:
        try:
            uploaded[file.name] = upload_file(file, context=context, deadline=deadline)
        except NotionError as error:
            error.hint = f"{file.name} could not be uploaded: {error.hint}" + unattached(
                [one for one in files if one.name in uploaded]
            )
            raise
    return uploaded


def unattached(files: list[LocalFile]) -> str:
    """The sentence that says `files` went to Notion but were attached to nothing."""
    if not files:
        return ""
    were = "was" if len(files) == 1 else "were"
    return (
        f" {names(files)} {were} uploaded to Notion but attached to nothing: Notion drops "
        f"{'it' if len(files) == 1 else 'them'} within an hour. Nothing is sent again by itself."
    )


def keep_for_job(files: list[LocalFile]) -> list[LocalFile]:
    """Copies of `files` under ATTACHMENTS_DIR, for a job that sends them after this request ends."""
    if not files:
        return []
    folder = Path(settings.ATTACHMENTS_DIR) / uuid.uuid4().hex
    folder.mkdir(parents=True)
    kept = []
    for file in files:
        copy = folder / file.name
        shutil.copyfile(file.path, copy)
        kept.append(LocalFile(path=copy, name=file.name, content_type=file.content_type, size=file.size))
    return kept


def remove_kept(files: list[LocalFile]) -> None:
    """Remove a job's copies, and their folder once empty."""
    folders = set()
    for file in files:
        file.path.unlink(missing_ok=True)
        folders.add(file.path.parent)
    for folder in folders:
        if folder.parent == Path(settings.ATTACHMENTS_DIR) and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def create_page_with_files(
    *,
    data_source_id: str,
    title: str,
    header: str = "",
    values: dict[str, dict],
    uploads: dict[str, list[LocalFile]],
    template: str = "",
    context: AuditContext | None = None,
    deadline: float | None = None,
) -> tuple[dict, dict[str, dict]]:
    """Create a page whose files properties hold `uploads` ({property: files}) after their links
    in `values`; return the page and the values sent.

    Raises FileRefused, before anything is sent, if Notion would refuse a file. The files are
    uploaded first; if the page is then surely not made, the error says they are attached to nothing.
    """
    files = [file for group in uploads.values() for file in group]
    check_for_workspace(files, context=context)
    ids = upload_all(files, context=context, deadline=deadline)
    values = dict(values)
    for prop, group in uploads.items():
        items = [files_property_item(ids[file.name], file.name) for file in group]
        values[prop] = {"files": [*values.get(prop, {}).get("files", []), *items]}
    try:
        page = pages.create_page(
            data_source_id=data_source_id,
            title=title,
            header=header,
            values=values,
            template=template,
            context=context,
            deadline=deadline,
        )
    except NotionError as error:
        if not error.maybe_done:
            error.hint += unattached(files)
        raise
    return page, values
