"""Files in the browser, with JavaScript on and off: a file into a page's files column, an image
placed by Markdown in content, and a table in the Preview."""

import re

from playwright.sync_api import expect

from integration.models import FormSubmission

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def reports() -> str:
    """A data source with a files column, in the app's sandbox."""
    from integration.sandbox.store import root_page, sandbox

    database = sandbox().create_database(
        body={
            "parent": {"page_id": root_page()},
            "title": [{"text": {"content": "Reports"}}],
            "initial_data_source": {"properties": {"Name": {"title": {}}, "Attachments": {"files": {}}}},
        },
        query={},
    )
    return database["data_sources"][0]["id"]


def test_a_file_chosen_in_the_page_form_is_uploaded_into_the_files_column(page, tmp_path):
    report = tmp_path / "report.pdf"
    report.write_bytes(b"%PDF-1.4\n" + b"x" * 5000)
    form = page.locator("section#page")
    form.get_by_label("Data source ID").fill(reports())
    form.get_by_role("button", name="Show fields").click()
    expect(form.get_by_label("Attachments: files to upload")).to_be_visible()

    form.get_by_label("Name").fill("Q3")
    form.get_by_label("Attachments: files to upload").set_input_files(str(report))
    form.get_by_role("button", name="Add page").click()

    answer = page.locator("section#page .results li.succeeded")
    expect(answer).to_have_count(1)
    expect(answer.locator(".value-sent")).to_have_text("report.pdf (uploaded)")
    from integration.sandbox.store import sandbox

    made = sandbox().store.get(FormSubmission.objects.get(action="page").result["id"])
    [item] = made["properties"]["Attachments"]["files"]
    assert item["name"] == "report.pdf" and item["type"] == "file"


def test_an_image_named_in_markdown_is_uploaded_and_shown_where_it_stands(page, tmp_path):
    from integration.sandbox.store import root_page, sandbox

    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    form = page.locator("section#content")
    form.get_by_label("Page ID").fill(root_page())
    form.get_by_label("Content").fill("Our logo:\n\n![The logo](logo.png)")
    form.get_by_label("Images and files").set_input_files(str(logo))
    form.get_by_role("button", name="Add content").click()

    expect(page.locator("section#content .results li.succeeded")).to_have_count(1)
    blocks = [sandbox().store.get(child) for child in sandbox().store.children(root_page())]
    assert [block["type"] for block in blocks[-2:]] == ["paragraph", "image"]
    page.goto(f"/sandbox/{root_page()}/")
    image = page.locator("img[alt='The logo']")
    expect(image).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", image.element_handle()) >= 0


def test_the_preview_draws_a_table_and_sends_nothing(page):
    form = page.locator("section#content")
    form.get_by_label("Content").fill("| Fruit | Count |\n|---|---|\n| Apple | **3** |")
    form.get_by_role("button", name="Preview").click()

    table = page.locator("section#content .preview table")
    expect(table.locator("th")).to_have_text(["Fruit", "Count"])
    expect(table.locator("td")).to_have_text(["Apple", "3"])
    expect(table.locator("td strong")).to_have_text("3")
    assert not FormSubmission.objects.exists()


def test_after_logging_in_again_the_text_is_back_and_the_files_are_asked_for_again(js_page, tmp_path):
    from integration.sandbox.store import root_page
    from tests.browser.conftest import PASSWORD

    logo = tmp_path / "logo.png"
    logo.write_bytes(PNG)
    form = js_page.locator("section#content")
    form.get_by_label("Page ID").fill(root_page())
    form.get_by_label("Content").fill("![The logo](logo.png)")
    form.get_by_label("Images and files").set_input_files(str(logo))
    js_page.context.clear_cookies(name="sessionid")

    form.get_by_role("button", name="Add content").click()
    expect(js_page.get_by_role("heading", name="Log in")).to_be_visible()
    js_page.get_by_label("Username").fill("ada")
    js_page.get_by_label("Password").fill(PASSWORD)
    js_page.get_by_role("button", name="Log in").click()

    form = js_page.locator("section#content")
    expect(form.get_by_role("status")).to_have_text(
        "Restored what you typed before logging in again. Choose the files again: a browser keeps none."
    )
    expect(form.get_by_label("Content")).to_have_value("![The logo](logo.png)")
    assert not FormSubmission.objects.exists()


def test_with_javascript_the_button_shows_how_much_of_the_upload_went(js_page, tmp_path):
    from integration.sandbox.store import root_page

    big = tmp_path / "scan.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"x" * 1_000_000)
    network = js_page.context.new_cdp_session(js_page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 250_000},
    )
    form = js_page.locator("section#content")
    form.get_by_label("Page ID").fill(root_page())
    form.get_by_label("Content").fill("The scan:")
    form.get_by_label("Images and files").set_input_files(str(big))

    js_page.evaluate(
        """() => {
            window.labels = [];
            const button = document.querySelector("section#content form[data-in-place] .buttons button");
            new MutationObserver(() => window.labels.push(button.textContent))
                .observe(button, { childList: true, characterData: true, subtree: true });
        }"""
    )

    form.get_by_role("button", name="Add content").click()

    expect(js_page.locator("section#content .results li.succeeded")).to_have_count(1, timeout=60_000)
    labels = js_page.evaluate("window.labels")
    assert any(re.fullmatch(r"Uploading… [1-9]\d?%", label) for label in labels), labels
