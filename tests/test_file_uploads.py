"""Files uploaded to Notion: checked before anything is sent, sent whole or in parts, recorded in
the history without their bytes, attached while they are fresh."""

import hashlib
import json
import os

import httpx
import pytest

from integration.models import NotionRequestLog
from integration.notion.errors import NotionError
from integration.notion.files import (
    FileRefused,
    LocalFile,
    block_type_for,
    check_files,
    file_block,
    files_property_item,
    import_external,
    upload_file,
    upload_status,
    workspace_max_file_size,
)
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import TOKEN, bucket_needed

PART = 1024  # the tests' part size: Notion's sizes, scaled down by the sandbox's arguments
SMALL_LIMITS = {"single_part_max": 4 * PART, "part_min": PART, "part_max": 4 * PART}


@pytest.fixture
def sandbox() -> NotionSandbox:
    now = [1_800_000_000.0]
    sandbox = NotionSandbox(token=TOKEN, max_file_size=64 * PART, clock=lambda: now[0], **SMALL_LIMITS)
    sandbox.now = now  # the tests move the sandbox's clock
    return sandbox


def a_file(tmp_path, name: str, size: int) -> LocalFile:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return LocalFile.at(path)


def sha256(file: LocalFile) -> str:
    return hashlib.sha256(file.path.read_bytes()).hexdigest()


def upload(file: LocalFile) -> str:
    return upload_file(file, part_size=PART, single_part_max=4 * PART)


def test_a_small_file_goes_in_one_request_byte_for_byte(fake_notion, tmp_path):
    file = a_file(tmp_path, "report.pdf", 3000)

    upload_id = upload(file)

    assert [r.url.path for r in fake_notion.sent()] == [
        "/v1/file_uploads",
        f"/v1/file_uploads/{upload_id}/send",
    ]
    assert upload_status(upload_id)["status"] == "uploaded"
    assert fake_notion.sandbox.stored_sha256(upload_id) == sha256(file)


def test_a_large_file_goes_in_parts_then_is_completed_byte_for_byte(fake_notion, tmp_path):
    file = a_file(tmp_path, "movie.mp4", 5 * PART + 100)

    upload_id = upload(file)

    sends = fake_notion.sent("POST", "/send$")
    assert len(sends) == 6
    assert fake_notion.bodies("POST", "/v1/file_uploads$") == [
        {"mode": "multi_part", "filename": "movie.mp4", "content_type": "video/mp4", "number_of_parts": 6}
    ]
    assert len(fake_notion.sent("POST", "/complete$")) == 1
    assert fake_notion.sandbox.stored_sha256(upload_id) == sha256(file)


def test_the_history_describes_each_part_without_its_bytes(fake_notion, tmp_path):
    file = a_file(tmp_path, "movie.mp4", 2 * PART + 10 + 4 * PART)

    upload(file)

    sends = NotionRequestLog.objects.filter(operation="file_uploads.send").order_by("id")
    data = file.path.read_bytes()
    for number, row in enumerate(sends, start=1):
        piece = data[(number - 1) * PART : number * PART]
        assert row.request_body == {
            "multipart": [
                {"field": "part_number", "value": str(number)},
                {
                    "field": "file",
                    "filename": "movie.mp4",
                    "content_type": "video/mp4",
                    "size": len(piece),
                    "sha256": hashlib.sha256(piece).hexdigest(),
                },
            ]
        }
    assert sends.count() == 7
    assert NotionRequestLog.objects.filter(operation="file_uploads.complete").count() == 1
    assert data[:64].hex() not in json.dumps([row.request_body for row in NotionRequestLog.objects.all()])


@pytest.mark.parametrize(
    ("name", "size", "max_size", "reason"),
    [
        ("report.pdf", 7 * 1024 * 1024 + 200_000, 5 * 1024 * 1024, "this workspace takes files up to 5 MB"),
        ("setup.exe", 10, None, "does not take files of this type"),
        ("a" * 900 + ".pdf", 10, None, "names up to 900 bytes"),
        ("empty.pdf", 0, None, "is empty"),
    ],
)
def test_a_file_notion_would_refuse_is_refused_before_anything_is_sent(
    fake_notion, tmp_path, name, size, max_size, reason
):
    file = LocalFile(tmp_path / "x", name, "application/pdf", size)

    with pytest.raises(FileRefused, match=reason) as refused:
        check_files([file], max_size=max_size)

    assert "nothing was sent" in str(refused.value)
    assert fake_notion.attempts == 0


def test_a_file_over_five_gigabytes_is_refused_even_by_a_paid_workspace(tmp_path):
    file = LocalFile(tmp_path / "x", "film.mov", "video/quicktime", 5 * 1024**3 + 1)

    with pytest.raises(FileRefused, match="Notion takes files up to 5 GB"):
        check_files([file], max_size=None)


def test_a_content_type_that_does_not_match_the_name_is_refused(tmp_path):
    file = LocalFile(tmp_path / "x", "photo.png", "application/pdf", 10)

    with pytest.raises(FileRefused, match="does not match its extension"):
        check_files([file], max_size=None)


def test_the_workspace_limit_comes_from_the_bot_user_and_is_kept(fake_notion):
    assert workspace_max_file_size() == 64 * PART
    assert workspace_max_file_size() == 64 * PART

    assert len(fake_notion.sent("GET", "/v1/users/me")) == 1


def test_an_upload_attached_in_time_reads_back_as_a_file(fake_notion, parent_page, tmp_path):
    file = a_file(tmp_path, "photo.png", 100)
    upload_id = upload(file)

    answer = fake_notion.sandbox(
        httpx.Request(
            "PATCH",
            f"https://api.notion.com/v1/blocks/{parent_page['id']}/children",
            headers={"authorization": f"Bearer {TOKEN}", "notion-version": "2025-09-03"},
            json={"children": [file_block(block_type_for(file.name, file.content_type), upload_id)]},
        )
    ).json()

    [block] = answer["results"]
    assert block["type"] == "image"
    assert block["image"]["type"] == "file" and block["image"]["file"]["url"]
    assert upload_status(upload_id)["expiry_time"] is None


def test_an_expired_upload_cannot_be_attached_and_says_so(fake_notion, parent_page, tmp_path):
    upload_id = upload(a_file(tmp_path, "photo.png", 100))
    fake_notion.sandbox.now[0] += 3600

    answer = fake_notion.sandbox(
        httpx.Request(
            "PATCH",
            f"https://api.notion.com/v1/blocks/{parent_page['id']}/children",
            headers={"authorization": f"Bearer {TOKEN}", "notion-version": "2025-09-03"},
            json={"children": [file_block("image", upload_id)]},
        )
    )

    assert answer.status_code == 400 and "expired" in answer.json()["message"]
    assert upload_status(upload_id)["status"] == "expired"


def test_a_part_whose_answer_was_lost_is_not_sent_again(fake_notion, tmp_path):
    file = a_file(tmp_path, "movie.mp4", 3 * PART + 5 + 2 * PART)
    fake_notion.fail("POST", "/send$", error=httpx.ReadTimeout, after=1)  # part 2 arrives, its answer doesn't

    upload_id = upload(file)

    sent = [r for r in fake_notion.sent("POST", "/send$")]
    assert len(sent) == 6
    assert fake_notion.sent("GET", f"/v1/file_uploads/{upload_id}$")
    assert fake_notion.sandbox.stored_sha256(upload_id) == sha256(file)


def test_a_part_that_never_arrived_is_sent_again_once(fake_notion, tmp_path):
    file = a_file(tmp_path, "movie.mp4", 5 * PART + 5)
    fake_notion.fail("POST", "/send$", status=502, body=b"<html>bad gateway</html>", after=2)

    upload_id = upload(file)

    assert len(fake_notion.sent("POST", "/send$")) == 7
    assert fake_notion.sandbox.stored_sha256(upload_id) == sha256(file)


def test_a_failure_says_which_file_and_what_notion_received(fake_notion, tmp_path):
    file = a_file(tmp_path, "movie.mp4", 5 * PART + 5)
    fake_notion.fail_like_notion("POST", "/send$", 400, "validation_error", "Bad part.", after=2)

    with pytest.raises(NotionError) as failed:
        upload(file)

    assert "movie.mp4: the upload was created and parts 1 to 2 of 6 were received" in failed.value.hint
    assert len(fake_notion.sent("POST", "/send$")) == 3


def test_a_part_refused_for_the_rate_is_sent_again_whole(fake_notion, settings, tmp_path):
    settings.NOTION_RETRY_BACKOFF = 0
    file = a_file(tmp_path, "movie.mp4", 5 * PART + 5)
    fake_notion.fail_like_notion(
        "POST", "/send$", 429, "rate_limited", "Slow down.", headers={"retry-after": "0"}, after=1
    )

    upload_id = upload(file)

    assert fake_notion.sandbox.stored_sha256(upload_id) == sha256(file)
    retried = NotionRequestLog.objects.filter(operation="file_uploads.send", attempt=2).get()
    assert retried.request_body["multipart"][1]["size"] == PART


def test_each_part_waits_for_its_turn_like_any_request(fake_notion, settings, tmp_path):
    settings.NOTION_RATE_LIMIT = 20
    settings.NOTION_RATE_BURST = 1
    file = a_file(tmp_path, "movie.mp4", 4 * PART + 5)

    upload(file)

    assert len(fake_notion.turns) == 1 + 5 + 1
    assert bucket_needed(fake_notion.turns, 20) <= 1 + 1e-4


def test_an_external_file_is_imported_by_notion(fake_notion):
    upload_id = import_external("https://example.com/files/logo.png")

    assert fake_notion.bodies("POST", "/v1/file_uploads$") == [
        {"mode": "external_url", "external_url": "https://example.com/files/logo.png", "filename": "logo.png"}
    ]
    assert upload_status(upload_id)["status"] == "uploaded"


def test_a_plain_http_url_is_not_imported(fake_notion):
    with pytest.raises(FileRefused, match="https URLs only"):
        import_external("http://example.com/logo.png")

    assert fake_notion.attempts == 0


def test_a_files_property_item_names_the_upload():
    assert files_property_item("abc", "logo.png") == {
        "type": "file_upload",
        "file_upload": {"id": "abc"},
        "name": "logo.png",
    }


@pytest.fixture
def sandboxed(settings, tmp_path):
    """The app's own sandbox, its files under a fresh MEDIA_ROOT; made anew before and after, for
    its rate limit's tokens to be whole for this test and the next."""
    from integration.sandbox.store import sandbox

    settings.NOTION_KEY = ""
    settings.NOTION_TRANSPORT = None
    settings.MEDIA_ROOT = tmp_path / "media"
    sandbox.cache_clear()
    yield
    sandbox.cache_clear()


def test_the_app_sandbox_keeps_an_upload_in_storage_and_serves_it_to_people_logged_in(
    sandboxed, browser, settings, tmp_path
):
    file = a_file(tmp_path, "notes.txt", 3000)

    upload_id = upload_file(file)

    stored = settings.MEDIA_ROOT / "sandbox" / "uploads" / upload_id / "notes.txt"
    assert stored.read_bytes() == file.path.read_bytes()
    assert not (stored.parent / "parts").exists() or not any((stored.parent / "parts").iterdir())
    answer = browser.get(f"/sandbox/files/{upload_id}/notes.txt")
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == file.path.read_bytes()
    assert answer["Content-Security-Policy"] == "sandbox"


def test_the_sandbox_serves_no_file_to_someone_logged_out(sandboxed, client, tmp_path):
    upload_id = upload_file(a_file(tmp_path, "notes.txt", 30))

    answer = client.get(f"/sandbox/files/{upload_id}/notes.txt")

    assert answer.status_code == 302


def test_the_sandbox_files_are_not_served_when_the_app_talks_to_notion(fake_notion, browser, tmp_path):
    upload_id = upload(a_file(tmp_path, "notes.txt", 30))

    assert browser.get(f"/sandbox/files/{upload_id}/notes.txt").status_code == 404
