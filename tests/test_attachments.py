"""Files attached to the page and content forms, and by the commands: checked before anything is
sent, uploaded before the page or blocks that use them, reported when they can't be attached."""

import hashlib
import io
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from integration import jobs
from integration.models import FormSubmission, Job, NotionRequestLog
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import TOKEN

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
PDF = b"%PDF-1.4\n" + b"0123456789" * 300


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()


@pytest.fixture
def sandbox() -> NotionSandbox:
    now = [1_800_000_000.0]
    sandbox = NotionSandbox(token=TOKEN, clock=lambda: now[0])
    sandbox.now = now  # the tests move the sandbox's clock
    return sandbox


@pytest.fixture
def source(fake_notion, parent_page) -> dict:
    database = fake_notion.sandbox.create_database(
        body={
            "parent": {"page_id": parent_page["id"]},
            "title": [{"text": {"content": "Reports"}}],
            "initial_data_source": {
                "properties": {"Name": {"title": {}}, "Pages": {"number": {}}, "Attachments": {"files": {}}}
            },
        },
        query={},
    )
    return fake_notion.sandbox.store.get(database["data_sources"][0]["id"])


def field(source: dict, name: str) -> str:
    return f"property_{source['properties'][name]['id']}"


def upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def upload_requests(fake_notion) -> list:
    return fake_notion.sent("POST", r"^/v1/file_uploads")


def test_a_file_in_the_page_form_is_uploaded_then_attached_to_the_page(submit, fake_notion, source):
    files = {f"{field(source, 'Attachments')}_upload": upload("report.pdf", PDF, "application/pdf")}
    submit("page", data_source_id=source["id"], name="Q3", **files)

    submission = FormSubmission.objects.get()
    assert submission.status == "succeeded", submission.error
    [item] = fake_notion.sandbox.store.get(submission.result["id"])["properties"]["Attachments"]["files"]
    assert item["name"] == "report.pdf" and item["type"] == "file"
    paths = [request.url.path for request in fake_notion.sent("POST")]
    assert paths[-1] == "/v1/pages" and any(path.startswith("/v1/file_uploads") for path in paths[:-1])
    assert ["Attachments", "report.pdf (uploaded)"] in submission.result["sent"]


def test_the_history_keeps_an_uploads_name_size_and_hash_never_its_bytes(submit, fake_notion, source):
    files = {f"{field(source, 'Attachments')}_upload": upload("report.pdf", PDF, "application/pdf")}
    submit("page", data_source_id=source["id"], name="Q3", **files)

    [send] = NotionRequestLog.objects.filter(url__contains="/send")
    stored = json.dumps(send.request_body)
    assert "report.pdf" in stored and str(len(PDF)) in stored
    assert hashlib.sha256(PDF).hexdigest() in stored
    assert "0123456789" not in stored


def test_a_page_form_refused_after_validation_uploads_nothing(submit, fake_notion, source):
    files = {f"{field(source, 'Attachments')}_upload": upload("report.pdf", PDF, "application/pdf")}
    response = submit(
        "page", data_source_id=source["id"], name="Q3", **{field(source, "Pages"): "many"}, **files
    )

    assert response.status_code == 400
    assert upload_requests(fake_notion) == []
    assert not FormSubmission.objects.exists()


def test_a_file_over_the_workspaces_limit_is_refused_before_anything_is_sent(submit, fake_notion, source):
    big = upload("scan.pdf", b"%PDF" + b"x" * (5 * 1024 * 1024), "application/pdf")
    submit("page", data_source_id=source["id"], name="Q3", **{f"{field(source, 'Attachments')}_upload": big})

    submission = FormSubmission.objects.get()
    assert submission.status == "failed"
    assert "scan.pdf" in submission.error["hint"] and "5" in submission.error["hint"]
    assert submission.error["hint"].endswith("nothing was sent.")
    assert upload_requests(fake_notion) == [] and fake_notion.sent("POST", "^/v1/pages") == []


def test_an_upload_whose_page_is_refused_is_reported_and_not_sent_again(submit, fake_notion, source):
    fake_notion.fail_like_notion("POST", "^/v1/pages$", 400, "validation_error", "body failed validation")
    files = {f"{field(source, 'Attachments')}_upload": upload("report.pdf", PDF, "application/pdf")}
    submit("page", data_source_id=source["id"], name="Q3", **files)

    submission = FormSubmission.objects.get()
    assert submission.status == "failed"
    assert "report.pdf was uploaded to Notion but attached to nothing" in submission.error["hint"]
    assert len(fake_notion.sent("POST", r"^/v1/file_uploads$")) == 1


def blocks_of(fake_notion, page_id: str) -> list[dict]:
    return [fake_notion.sandbox.store.get(child) for child in fake_notion.sandbox.store.children(page_id)]


def test_an_image_named_by_markdown_goes_where_it_is_named_and_others_after_the_text(
    submit, fake_notion, parent_page
):
    text = "Before\n\n![The logo](logo.png)\n\nAfter"
    attachments = [upload("logo.png", PNG, "image/png"), upload("report.pdf", PDF, "application/pdf")]
    submit("content", page_id=parent_page["id"], format="markdown", content=text, attachments=attachments)

    submission = FormSubmission.objects.get()
    assert submission.status == "succeeded", submission.error
    kinds = [block["type"] for block in blocks_of(fake_notion, parent_page["id"])]
    assert kinds == ["paragraph", "image", "paragraph", "pdf"]
    image = blocks_of(fake_notion, parent_page["id"])[1]["image"]
    assert image["type"] == "file" and image["caption"][0]["plain_text"] == "The logo"


def test_an_image_by_its_link_is_an_external_image_and_uploads_nothing(submit, fake_notion, parent_page):
    submit(
        "content",
        page_id=parent_page["id"],
        format="markdown",
        content="![A cat](https://example.com/cat.png)",
    )

    [block] = blocks_of(fake_notion, parent_page["id"])
    assert block["type"] == "image" and block["image"]["external"]["url"] == "https://example.com/cat.png"
    assert upload_requests(fake_notion) == []


def test_a_preview_uploads_nothing_and_lists_the_uploads_before_the_blocks(browser, fake_notion, parent_page):
    browser.get("/")
    response = browser.post(
        "/content/",
        {
            "content-page_id": parent_page["id"],
            "content-content": "![The logo](logo.png)",
            "content-format": "markdown",
            "content-attachments": [
                upload("logo.png", PNG, "image/png"),
                upload("a.pdf", PDF, "application/pdf"),
            ],
            "content-submission_key": "6f1c1a47-8f0e-4c59-9a43-1d0a5f3c2b7e",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"].value,
            "preview": "1",
        },
    )

    page = response.content.decode()
    requests = page.split('<ol class="preview-requests">')[1].split("</ol>")[0]
    assert requests.index("Upload logo.png") < requests.index("Upload a.pdf") < requests.index("Add 2 blocks")
    assert "2 files will be uploaded first" in page
    assert 'class="attached-file' in page and "logo.png" in page
    assert fake_notion.received == [] and not FormSubmission.objects.exists()


def test_two_attached_files_of_one_name_are_refused(submit, fake_notion, parent_page):
    response = submit(
        "content",
        page_id=parent_page["id"],
        content="Hello",
        attachments=[upload("a.png", PNG, "image/png"), upload("a.png", PNG, "image/png")],
    )

    assert response.status_code == 400
    assert "Two files are named a.png" in response.content.decode()
    assert fake_notion.sent("POST") == []


def test_add_page_uploads_a_file_into_a_files_property(fake_notion, source, tmp_path):
    report = tmp_path / "report.pdf"
    report.write_bytes(PDF)
    out = io.StringIO()
    call_command(
        "add_page",
        "Q3",
        "--data-source",
        source["id"],
        "--file",
        f"Attachments={report}",
        "--json",
        stdout=out,
    )

    result = json.loads(out.getvalue())
    [item] = fake_notion.sandbox.store.get(result["page_id"])["properties"]["Attachments"]["files"]
    assert item["name"] == "report.pdf" and item["type"] == "file"


def test_add_page_refuses_a_file_for_a_property_that_takes_none(fake_notion, source, tmp_path):
    report = tmp_path / "report.pdf"
    report.write_bytes(PDF)
    with pytest.raises(CommandError, match="no files property 'Pages'"):
        call_command("add_page", "Q3", "--data-source", source["id"], "--file", f"Pages={report}")
    assert fake_notion.sent("POST") == []


def test_add_content_places_an_attached_image_where_the_markdown_names_it(fake_notion, parent_page, tmp_path):
    (tmp_path / "logo.png").write_bytes(PNG)
    (tmp_path / "notes.md").write_text("# Notes\n\n![Logo](logo.png)\n", encoding="utf-8")
    call_command(
        "add_content",
        parent_page["id"],
        str(tmp_path / "notes.md"),
        "--attach",
        str(tmp_path / "logo.png"),
        stdout=io.StringIO(),
    )

    kinds = [block["type"] for block in blocks_of(fake_notion, parent_page["id"])]
    assert kinds == ["heading_1", "image"]


def test_a_job_uploads_its_files_first_and_again_those_expired_while_it_was_paused(
    submit, fake_notion, parent_page, settings
):
    text = "\n\n".join(["paragraph"] * 450) + "\n\n![Logo](logo.png)"
    fake_notion.fail_like_notion(
        "PATCH", "/children$", 529, "service_overload", "Overloaded.", after=1, times=3
    )
    submit(
        "content", page_id=parent_page["id"], format="markdown", content=text,
        attachments=[upload("logo.png", PNG, "image/png")],
    )  # fmt: skip
    job = Job.objects.get()
    assert (job.state, job.done) == ("paused", 1)
    assert len(fake_notion.sent("POST", r"^/v1/file_uploads$")) == 1
    fake_notion.sandbox.now[0] += 3601  # the upload, attached to nothing yet, expires

    assert jobs.resume_job(job)

    job.refresh_from_db()
    assert job.state == "done", job.result
    assert len(fake_notion.sent("POST", r"^/v1/file_uploads$")) == 2
    last = fake_notion.sandbox.store.get(fake_notion.sandbox.store.children(parent_page["id"])[-1])
    assert last["type"] == "image" and last["image"]["type"] == "file"
    assert not any(settings.ATTACHMENTS_DIR.iterdir())  # the job's copy went with it


def test_add_page_has_notion_import_a_file_from_the_web_into_a_files_property(fake_notion, source):
    out = io.StringIO()
    call_command(
        "add_page", "Q3", "--data-source", source["id"],
        "--import", "Attachments=https://example.com/files/report.pdf", "--json", stdout=out,
    )  # fmt: skip

    [created] = fake_notion.bodies("POST", r"^/v1/file_uploads$")
    assert (
        created["mode"] == "external_url"
        and created["external_url"] == "https://example.com/files/report.pdf"
    )
    result = json.loads(out.getvalue())
    [item] = fake_notion.sandbox.store.get(result["page_id"])["properties"]["Attachments"]["files"]
    assert item["name"] == "report.pdf" and item["type"] == "file"


def test_add_page_stops_when_notion_could_not_import_the_file(fake_notion, source):
    failed = {
        "object": "file_upload", "id": "9a1c3f0e-4b5d-4e6f-8a7b-0c1d2e3f4a5b", "status": "failed",
        "filename": "report.pdf",
        "file_import_result": {"type": "error", "error": {"message": "The URL answered 404"}},
    }  # fmt: skip
    fake_notion.fail("GET", "^/v1/file_uploads/", status=200, json_body=failed)

    with pytest.raises(CommandError, match=r"Notion could not import report\.pdf: The URL answered 404"):
        call_command(
            "add_page", "Q3", "--data-source", source["id"],
            "--import", "Attachments=https://example.com/files/report.pdf",
        )  # fmt: skip
    assert fake_notion.sent("POST", "^/v1/pages") == []
