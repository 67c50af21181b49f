"""The pages' wording: sizes, optional fields, buttons, the history's name, the jobs' titles."""

import re

import pytest

from integration.models import Job
from tests.factories import JobFactory, NotionRequestLogFactory
from tests.test_import_views import uploaded


@pytest.fixture(autouse=True)
def imports_dir(settings, tmp_path):
    settings.IMPORTS_DIR = tmp_path / "imports"


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_upload_page_gives_the_size_limit_without_a_needless_decimal(browser, settings):
    settings.IMPORT_MAX_BYTES = 20 * 1024 * 1024
    assert "At most 20 MB." in text_of(browser.get("/imports/").content.decode().replace("\xa0", " "))

    settings.IMPORT_MAX_BYTES = 1536 * 1024
    assert "At most 1.5 MB." in text_of(browser.get("/imports/").content.decode().replace("\xa0", " "))


def test_the_header_field_says_it_is_optional_once(browser, fake_notion):
    page = browser.get("/").content.decode()

    header = re.search(r'<label for="id_page-header">.*?</div>\s*</div>', page, re.S)[0]
    assert "(optional)" in text_of(header)
    assert text_of(header).lower().count("optional") == 1


def test_only_start_import_is_a_primary_button_of_the_import_preview(browser):
    page = browser.get(uploaded(browser)).content.decode()

    assert re.search(
        r'<button type="submit" name="action" value="check" class="secondary">Check</button>', page
    )
    assert re.search(r'<button type="submit" name="action" value="start">Start import</button>', page)


def test_a_job_page_is_titled_after_what_the_job_does_as_the_list_names_it(browser, user):
    job = JobFactory(owner=user, kind=Job.Kind.IMPORT, input={"name": "tasks.csv"})
    undo = JobFactory(owner=user, kind=Job.Kind.UNDO, input={"import_job": job.pk})
    content = JobFactory(owner=user, kind=Job.Kind.CONTENT)

    listed = text_of(browser.get("/jobs/").content.decode())
    for one, name in [
        (job, "Import of tasks.csv"),
        (undo, f"Undo of import job {job.pk}"),
        (content, "Content for a page"),
    ]:
        page = browser.get(f"/jobs/{one.pk}/").content.decode()
        assert f"<title>{name} · notionforms</title>" in page
        assert re.search(rf"<h1>\s*{re.escape(name)}\s*</h1>", page)
        assert name in listed


def test_the_admin_names_the_history_request_history_wherever_it_names_the_model(staff_browser):
    log = NotionRequestLogFactory()
    pages = {
        "/admin/": "Request history",
        "/admin/integration/": "Request history",
        "/admin/integration/notionrequestlog/": "Request history",
        f"/admin/integration/notionrequestlog/{log.pk}/change/": "Request history",
    }

    for url, name in pages.items():
        html = staff_browser.get(url).content.decode()
        named = (
            re.search(r'<div class="breadcrumbs">.*?</div>', html, re.S)[0]
            if "notionrequestlog" in url
            else html
        )
        assert name in named, url
        assert "Notion requests" not in named, url
