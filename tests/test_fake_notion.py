"""The served fake Notion of the tests and benchmarks: answers lost on the way back, on cue."""

import httpx
import pytest

from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import TOKEN, served

HEADERS = {"authorization": f"Bearer {TOKEN}", "notion-version": "2025-09-03"}


def test_it_does_the_work_of_a_dropped_request_and_closes_the_connection_without_an_answer():
    sandbox = NotionSandbox(token=TOKEN)
    parent = sandbox.add_page("Team")
    body = {
        "parent": {"page_id": parent["id"]},
        "properties": {"title": {"title": [{"text": {"content": "A"}}]}},
    }
    arrivals: list[float] = []
    statuses: list[int] = []

    def drop(method: str, path: str) -> bool:
        return (method, path) == ("POST", "/v1/pages")

    with served(sandbox, arrivals, statuses=statuses, drop=drop) as url:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(f"{url}/v1/pages", json=body, headers=HEADERS)
        answered = httpx.get(f"{url}/v1/pages/{parent['id']}", headers=HEADERS)

    assert answered.status_code == 200
    made = [page for page in sandbox.store.newest_first(("page",)) if page["parent"].get("page_id")]
    assert [page["properties"]["title"]["title"][0]["plain_text"] for page in made] == ["A"]
    assert (len(arrivals), statuses) == (2, [0, 200])


def test_it_answers_every_request_when_nothing_is_to_be_dropped():
    sandbox = NotionSandbox(token=TOKEN)
    parent = sandbox.add_page("Team")
    statuses: list[int] = []

    with served(sandbox, statuses=statuses) as url:
        answer = httpx.get(f"{url}/v1/pages/{parent['id']}", headers=HEADERS)

    assert (answer.status_code, statuses) == (200, [200])


# File uploads, answered as Notion's "Create/Send/Complete/Retrieve a file upload" answer

KB = 1024


def uploads_sandbox(**limits) -> NotionSandbox:
    return NotionSandbox(
        token=TOKEN,
        single_part_max=4 * KB,
        part_min=KB,
        part_max=4 * KB,
        clock=lambda: 1_800_000_000.0,
        **limits,
    )


def call(sandbox: NotionSandbox, method: str, path: str, **kwargs) -> httpx.Response:
    request = httpx.Request(method, f"https://api.notion.com/v1/{path}", headers=HEADERS, **kwargs)
    request.read()
    return sandbox(request)


def create(sandbox: NotionSandbox, **body) -> dict:
    return call(sandbox, "POST", "file_uploads", json=body).json()


def send(sandbox: NotionSandbox, upload_id: str, data: bytes, part: int | None = None, name: str = "a.png"):
    fields = {"part_number": str(part)} if part else {}
    return call(
        sandbox,
        "POST",
        f"file_uploads/{upload_id}/send",
        files={"file": (name, data, "image/png")},
        data=fields,
    )


def refusal(answer: httpx.Response) -> str:
    assert answer.status_code == 400 and answer.json()["code"] == "validation_error"
    return answer.json()["message"]


def test_a_file_upload_is_made_pending_with_notions_fields():
    upload = create(uploads_sandbox(), filename="a.png", content_type="image/png")

    assert upload["object"] == "file_upload" and upload["status"] == "pending"
    assert (upload["created_time"], upload["expiry_time"]) == (
        "2027-01-15T08:00:00.000Z",
        "2027-01-15T09:00:00.000Z",
    )
    assert {"created_time", "upload_url", "filename", "content_type", "content_length", "archived"} <= set(
        upload
    )


def test_a_file_upload_of_an_unknown_mode_is_refused():
    assert "body.mode should be one of" in refusal(
        call(uploads_sandbox(), "POST", "file_uploads", json={"mode": "x"})
    )


def test_a_multi_part_upload_needs_a_file_name_and_a_number_of_parts():
    sandbox = uploads_sandbox()

    assert "body.filename should be defined" in refusal(
        call(sandbox, "POST", "file_uploads", json={"mode": "multi_part", "number_of_parts": 2})
    )
    assert "between 1 and 1000" in refusal(
        call(
            sandbox,
            "POST",
            "file_uploads",
            json={"mode": "multi_part", "filename": "a.png", "number_of_parts": 1001},
        )
    )


def test_a_part_number_out_of_range_is_refused():
    sandbox = uploads_sandbox()
    upload = create(sandbox, mode="multi_part", filename="a.png", number_of_parts=2)

    assert "part_number should be an integer between 1 and 2" in refusal(
        send(sandbox, upload["id"], b"x" * KB, part=3)
    )


def test_a_part_smaller_than_notions_minimum_is_refused_unless_it_is_the_last():
    sandbox = uploads_sandbox()
    upload = create(sandbox, mode="multi_part", filename="a.png", number_of_parts=2)

    assert "each part must be between" in refusal(send(sandbox, upload["id"], b"x" * 10, part=1))
    assert send(sandbox, upload["id"], b"x" * 10, part=2).status_code == 200


def test_a_single_part_over_its_maximum_or_the_workspaces_is_refused():
    sandbox = uploads_sandbox(max_file_size=2 * KB)

    assert "at most 4096 bytes" in refusal(send(sandbox, create(sandbox)["id"], b"x" * 5 * KB))
    assert "not within the allowed limit" in refusal(send(sandbox, create(sandbox)["id"], b"x" * 3 * KB))


def test_contents_sent_twice_or_a_completion_with_parts_missing_are_refused():
    sandbox = uploads_sandbox()
    single = create(sandbox)
    send(sandbox, single["id"], b"x")
    multi = create(sandbox, mode="multi_part", filename="a.png", number_of_parts=3)
    send(sandbox, multi["id"], b"x" * KB, part=1)

    assert "is uploaded" in refusal(send(sandbox, single["id"], b"x"))
    assert "2, 3 not sent" in refusal(call(sandbox, "POST", f"file_uploads/{multi['id']}/complete"))


def test_a_content_type_other_than_the_uploads_is_refused():
    sandbox = uploads_sandbox()
    upload = create(sandbox, filename="a.pdf", content_type="application/pdf")

    assert "does not match" in refusal(send(sandbox, upload["id"], b"x", name="a.pdf"))


def test_an_upload_expires_an_hour_after_its_creation():
    now = [1_800_000_000.0]
    sandbox = NotionSandbox(token=TOKEN, clock=lambda: now[0])
    upload = create(sandbox)
    now[0] += 3600

    assert call(sandbox, "GET", f"file_uploads/{upload['id']}").json()["status"] == "expired"
    assert "is expired" in refusal(send(sandbox, upload["id"], b"x"))


def test_the_workspace_limit_is_the_sandboxes_own():
    sandbox = NotionSandbox(token=TOKEN, max_file_size=5 * 1024**3)

    me = call(sandbox, "GET", "users/me").json()

    assert me["bot"]["workspace_limits"]["max_file_upload_size_in_bytes"] == 5 * 1024**3
