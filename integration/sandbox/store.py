"""The sandbox of the app: the engine over objects kept in the app's database."""

import functools
import hashlib
import tempfile
from collections.abc import Iterable
from typing import IO

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.urls import reverse

from integration.sandbox.engine import NotionSandbox, StoredFile
from integration.sandbox.models import SandboxObject
from integration.sandbox.webhooks import deliver_to

BASE_URL = "https://sandbox.notionforms.invalid"
TOKEN = "sandbox"
ROOT_PAGE = "5a4db0c5-0000-4000-8000-000000000001"
# PostgreSQL's jsonb keeps an object's keys sorted its own way: the order of an object's
# `properties` (a data source's columns as they were given) is kept beside them under this key.
PROPERTY_ORDER = "_property_order"


def _keeping_order(obj: dict) -> dict:
    properties = obj.get("properties")
    return {**obj, PROPERTY_ORDER: list(properties)} if isinstance(properties, dict) else obj


def in_given_order(data: dict) -> dict:
    """A stored object as it was put: its `properties` in the order given, without the order key."""
    order = data.get(PROPERTY_ORDER)
    if not isinstance(order, list):
        return data
    data = {key: value for key, value in data.items() if key != PROPERTY_ORDER}
    properties = data.get("properties") or {}
    data["properties"] = {name: properties[name] for name in order if name in properties} | properties
    return data


class DatabaseStore:
    """Sandbox objects kept in the app's database, shared by all its processes."""

    def get(self, object_id: str) -> dict | None:
        data = SandboxObject.objects.filter(id=object_id).values_list("data", flat=True).first()
        return None if data is None else in_given_order(data)

    def put(self, obj: dict) -> None:
        SandboxObject.objects.update_or_create(
            id=obj["id"], defaults={"kind": obj["object"], "data": _keeping_order(obj)}
        )

    def add_child(self, parent_id: str, child_id: str) -> None:
        position = SandboxObject.objects.filter(parent=parent_id).count()
        SandboxObject.objects.filter(id=child_id).update(parent=parent_id, position=position)

    def children(self, parent_id: str) -> list[str]:
        rows = SandboxObject.objects.filter(parent=parent_id).order_by("position", "created_at")
        return [str(child) for child in rows.values_list("id", flat=True)]

    def newest_first(self, kinds: tuple[str, ...]) -> Iterable[dict]:
        rows = SandboxObject.objects.filter(kind__in=kinds).order_by("-created_at")
        return (in_given_order(data) for data in rows.values_list("data", flat=True).iterator())


SPOOL = 1024 * 1024  # bytes kept in memory while a file is put together, the rest on disk


class StorageBlobs:
    """Uploaded files in Django's default storage (the disk, or S3 through django-storages), under
    sandbox/uploads/<upload ID>/: the parts as they come, then the file, named as uploaded."""

    def _folder(self, upload_id: str) -> str:
        return f"sandbox/uploads/{upload_id}"

    def _save(self, name: str, chunks: Iterable[bytes]) -> StoredFile:
        digest, size = hashlib.sha256(), 0
        with tempfile.SpooledTemporaryFile(max_size=SPOOL) as spool:
            for chunk in chunks:
                spool.write(chunk)
                digest.update(chunk)
                size += len(chunk)
            spool.seek(0)
            if default_storage.exists(name):  # a part sent again replaces the first
                default_storage.delete(name)
            default_storage.save(name, File(spool))
        return StoredFile(size, digest.hexdigest())

    def write(self, upload_id: str, part_number: int, chunks: Iterable[bytes]) -> int:
        return self._save(f"{self._folder(upload_id)}/parts/{part_number}", chunks).size

    def assemble(self, upload_id: str, parts: list[int], *, filename: str) -> StoredFile:
        names = [f"{self._folder(upload_id)}/parts/{number}" for number in parts]

        def chunks() -> Iterable[bytes]:
            for name in names:
                with default_storage.open(name) as part:
                    yield from part.chunks()

        stored = self._save(f"{self._folder(upload_id)}/{filename}", chunks())
        for name in names:
            default_storage.delete(name)
        return stored

    def url(self, upload_id: str, filename: str) -> str:
        return reverse("sandbox:file", args=[upload_id, filename])

    def open(self, upload_id: str) -> tuple[str, IO[bytes]] | None:
        folder = self._folder(upload_id)
        if not default_storage.exists(folder):
            return None
        _, files = default_storage.listdir(folder)
        return (files[0], default_storage.open(f"{folder}/{files[0]}")) if files else None


@functools.cache
def sandbox() -> NotionSandbox:
    return NotionSandbox(
        store=DatabaseStore(),
        blobs=StorageBlobs(),
        rate=3,
        burst=3,
        integration_name="notionforms sandbox",
        api_url=BASE_URL,
        webhook_token=settings.NOTION_WEBHOOK_VERIFICATION_TOKEN,
        deliver=deliver_to(settings.NOTION_SANDBOX_WEBHOOK_URL)
        if settings.NOTION_SANDBOX_WEBHOOK_URL
        else None,
    )


def root_page() -> str:
    """The sandbox's top page, where new databases go by default; made on first use."""
    if sandbox().store.get(ROOT_PAGE) is None:
        sandbox().add_page("Sandbox workspace", page_id=ROOT_PAGE)
    return ROOT_PAGE
