"""The four forms, through HTTP, against the fake Notion."""

import json
import time
import uuid

import pytest

from integration.models import FormSubmission, NotionRequestLog

LONG = "x" * 2001


def home(browser) -> str:
    return browser.get("/").content.decode()


def test_home_shows_the_four_forms_with_the_samples_labels(browser, fake_notion):
    page = home(browser)
    for heading in [
        "1. Create a new database",
        "2. Add a page to the database",
        "3. Add content to the page",
        "4. Add a comment to the content",
    ]:
        assert heading in page
    for label in [
        "Database name",
        "Data source ID",
        "New page name",
        "Header",
        "Page ID",
        "Content",
        "Comment",
    ]:
        assert f">{label}" in page
    assert page.count('<form method="post"') == 5  # the four forms and the log-out button


def test_it_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_refuses_a_post_without_csrf_token(browser, fake_notion):
    response = browser.post(
        "/databases/", {"database-name": "Tasks", "database-submission_key": str(uuid.uuid4())}
    )
    assert response.status_code == 403
    assert fake_notion.received == []


def test_it_creates_a_database_and_shows_its_ids(browser, submit, fake_notion, parent_page):
    response = submit("database", name="Reading list")

    assert response.status_code == 302
    submission = FormSubmission.objects.get()
    assert response["Location"] == f"/?data_source_id={submission.result['data_source_id']}#database"
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert body == {
        "parent": {"type": "page_id", "page_id": parent_page["id"]},
        "title": [{"type": "text", "text": {"content": "Reading list"}}],
        "initial_data_source": {"properties": {"Name": {"title": {}}}},
    }
    submission = FormSubmission.objects.get()
    page = home(browser)
    assert submission.result["id"] in page
    assert submission.result["data_source_id"] in page
    assert f'href="{submission.result["url"]}"' in page


def test_the_new_data_source_is_prefilled_in_the_page_form(browser, submit, fake_notion):
    submit("database", name="Reading list")
    data_source_id = FormSubmission.objects.get().result["data_source_id"]

    page = home(browser)

    assert f'name="page-data_source_id" value="{data_source_id}"' in page


def test_without_javascript_the_answer_to_form_1_shows_form_2_with_the_new_columns_fields(
    browser, submit, fake_notion
):
    columns = {"columns-TOTAL_FORMS": "2", "columns-INITIAL_FORMS": "0"}
    for index, (name, kind, number_format) in enumerate(
        [("Price", "number", "euro"), ("Due", "date", "number")]
    ):
        columns |= {
            f"columns-{index}-name": name,
            f"columns-{index}-type": kind,
            f"columns-{index}-format": number_format,
        }
    response = submit("database", name="Shop", **columns)

    page = browser.get(response["Location"]).content.decode()  # where the browser goes by itself

    source_id = FormSubmission.objects.get().result["data_source_id"]
    properties = fake_notion.sandbox.store.get(source_id)["properties"]
    form_2 = page[
        page.index('<section class="step" id="page"') : page.index('<section class="step" id="content"')
    ]
    for name in ("Price", "Due"):
        field_id = f"id_page-property_{properties[name]['id']}"
        assert f'<label for="{field_id}">{name}' in form_2
        assert f'id="{field_id}"' in form_2
    assert 'data-fields-for="' + source_id + '"' in form_2


def test_it_adds_a_page_under_the_data_source_titled_by_its_real_title_property(
    submit, fake_notion, parent_page
):
    database = fake_notion.sandbox.create_database(
        body={
            "parent": {"page_id": parent_page["id"]},
            "title": [{"text": {"content": "Books"}}],
            "initial_data_source": {"properties": {"Book title": {"title": {}}, "Notes": {"rich_text": {}}}},
        },
        query={},
    )
    source_id = database["data_sources"][0]["id"]

    response = submit("page", data_source_id=source_id, name="Dune", header="Why read it")

    assert response.status_code == 302
    assert len(fake_notion.sent("GET", f"/v1/data_sources/{source_id}$")) == 1
    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert body["parent"] == {"type": "data_source_id", "data_source_id": source_id}
    assert body["properties"] == {"Book title": {"title": [{"type": "text", "text": {"content": "Dune"}}]}}
    assert body["children"][0]["heading_2"]["rich_text"][0]["text"]["content"] == "Why read it"
    assert FormSubmission.objects.get().status == "succeeded"


def test_a_page_without_header_has_no_heading(submit, fake_notion):
    submit("database", name="Reading list")
    source_id = FormSubmission.objects.get().result["data_source_id"]

    submit("page", data_source_id=source_id, name="Dune", header="")

    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert body["children"] == []


def test_a_database_link_works_where_a_data_source_id_is_asked(submit, fake_notion):
    submit("database", name="Reading list")
    database = FormSubmission.objects.get().result

    submit("page", data_source_id=database["url"], name="Dune")

    [body] = fake_notion.bodies("POST", "/v1/pages$")
    assert body["parent"]["data_source_id"] == database["data_source_id"]


def test_the_new_page_is_prefilled_in_the_content_and_comment_forms(browser, submit, fake_notion):
    submit("database", name="Reading list")
    submit("page", data_source_id=FormSubmission.objects.get().result["data_source_id"], name="Dune")
    page_id = FormSubmission.objects.get(action="page").result["id"]

    page = home(browser)

    assert f'name="content-page_id" value="{page_id}"' in page
    assert f'name="comment-page_id" value="{page_id}"' in page


@pytest.fixture
def notion_page(fake_notion, parent_page) -> dict:
    return fake_notion.sandbox.add_page("Meeting notes")


def test_it_appends_content_as_paragraphs(submit, fake_notion, notion_page):
    response = submit(
        "content", page_id=notion_page["url"], content="First paragraph.\r\n\r\nSecond one.", format="plain"
    )

    assert response.status_code == 302
    [body] = fake_notion.bodies("PATCH", f"/v1/blocks/{notion_page['id']}/children$")
    texts = [block["paragraph"]["rich_text"][0]["text"]["content"] for block in body["children"]]
    assert texts == ["First paragraph.", "Second one."]
    assert FormSubmission.objects.get().result["blocks"] == 2


def test_content_of_any_length_goes_through_in_as_many_requests_as_needed(submit, fake_notion, notion_page):
    paragraphs = [f"Paragraph {n}: " + "é" * (n * 37 % 4500) for n in range(250)]
    content = "\n\n".join(paragraphs)

    response = submit("content", page_id=notion_page["id"], content=content, format="plain")

    assert response.status_code == 302
    requests = fake_notion.bodies("PATCH", "/children$")
    assert len(requests) >= 3
    blocks = [block for body in requests for block in body["children"]]
    assert all(len(body["children"]) <= 100 for body in requests)
    pieces = [piece["text"]["content"] for block in blocks for piece in block["paragraph"]["rich_text"]]
    assert max(len(piece) for piece in pieces) <= 2000
    rebuilt = "\n\n".join(
        "".join(piece["text"]["content"] for piece in block["paragraph"]["rich_text"]) for block in blocks
    )
    assert rebuilt == content
    assert FormSubmission.objects.get().status == "succeeded"


def test_it_comments_on_a_page(submit, fake_notion, notion_page):
    response = submit("comment", page_id=notion_page["id"].replace("-", ""), comment="Looks good to me")

    assert response.status_code == 302
    [body] = fake_notion.bodies("POST", "/v1/comments$")
    assert body == {
        "parent": {"page_id": notion_page["id"]},
        "rich_text": [{"type": "text", "text": {"content": "Looks good to me"}}],
    }


@pytest.mark.parametrize(
    ("action", "fields", "field", "message"),
    [
        ("database", {"name": ""}, "name", "This field is required."),
        ("database", {"name": "   "}, "name", "This field is required."),
        ("database", {"name": LONG}, "name", "at most 2000 characters"),
        ("page", {"data_source_id": "", "name": "Dune"}, "data_source_id", "This field is required."),
        ("page", {"data_source_id": "not-an-id", "name": "Dune"}, "data_source_id", "Enter a Notion ID"),
        (
            "page",
            {"data_source_id": "https://example.com/" + "a" * 32, "name": "Dune"},
            "data_source_id",
            "Enter a Notion ID",
        ),
        ("page", {"data_source_id": "a" * 32, "name": ""}, "name", "This field is required."),
        ("page", {"data_source_id": "a" * 32, "name": LONG}, "name", "at most 2000 characters"),
        (
            "page",
            {"data_source_id": "a" * 32, "name": "Dune", "header": LONG},
            "header",
            "at most 2000 characters",
        ),
        ("content", {"page_id": "a" * 31, "content": "Hello"}, "page_id", "Enter a Notion ID"),
        ("content", {"page_id": "a" * 32, "content": ""}, "content", "This field is required."),
        ("content", {"page_id": "a" * 32, "content": "\r\n  \r\n"}, "content", "This field is required."),
        ("comment", {"page_id": "", "comment": "Hi"}, "page_id", "This field is required."),
        ("comment", {"page_id": "a" * 32, "comment": ""}, "comment", "This field is required."),
        ("comment", {"page_id": "a" * 32, "comment": LONG}, "comment", "at most 2000 characters"),
    ],
)
def test_bad_input_gets_a_clear_error_and_sends_nothing(submit, fake_notion, action, fields, field, message):
    response = submit(action, **fields)

    assert response.status_code == 400
    errors = response.context["sections"][["database", "page", "content", "comment"].index(action)][
        "form"
    ].errors
    assert message in " ".join(errors[field])
    assert fake_notion.received == []
    assert not FormSubmission.objects.exists()
    assert not NotionRequestLog.objects.exists()


def test_bad_input_is_kept_in_the_form(submit, fake_notion):
    response = submit("page", data_source_id="not-an-id", name="My <b>page</b>")

    page = response.content.decode()
    assert 'value="My &lt;b&gt;page&lt;/b&gt;"' in page
    assert 'value="not-an-id"' in page


@pytest.mark.parametrize(
    ("action", "fields", "hint"),
    [
        ("page", {"data_source_id": str(uuid.uuid4()), "name": "Dune"}, "Add connections"),
        ("content", {"page_id": str(uuid.uuid4()), "content": "Hi"}, "Add connections"),
        ("comment", {"page_id": str(uuid.uuid4()), "comment": "Hi"}, "Add connections"),
    ],
)
def test_an_object_not_shared_with_the_integration_says_how_to_share_it(
    browser, submit, fake_notion, action, fields, hint
):
    submit(action, **fields)

    submission = FormSubmission.objects.get()
    assert submission.status == "failed"
    assert submission.error["code"] == "object_not_found"
    page = home(browser)
    assert hint in page
    assert "object_not_found" in page
    assert submission.error["request_id"] in page


def test_an_unknown_parent_page_says_how_to_share_it(browser, submit, fake_notion, settings):
    settings.NOTION_PAGE_ID = str(uuid.uuid4())

    submit("database", name="Tasks")

    assert "Add connections" in home(browser)


def test_a_bad_token_says_to_check_notion_key(browser, submit, fake_notion, settings):
    settings.NOTION_KEY = "ntn_wrong"

    submit("database", name="Tasks")

    page = home(browser)
    assert "check NOTION_KEY" in page
    assert "unauthorized" in page
    assert "ntn_wrong" not in page


def test_a_comment_without_the_capability_says_to_enable_it(browser, submit, fake_notion, notion_page):
    fake_notion.sandbox.capabilities.discard("insert_comments")

    submit("comment", page_id=notion_page["id"], comment="Hi")

    page = home(browser)
    assert "Insert comments" in page
    assert "restricted_resource" in page


def test_a_validation_error_shows_notions_own_message(browser, submit, fake_notion, notion_page):
    fake_notion.fail_like_notion(
        "POST", "/v1/comments$", 400, "validation_error", "body.rich_text[0].text.content should be a string."
    )

    submit("comment", page_id=notion_page["id"], comment="Hi")

    page = home(browser)
    assert "body.rich_text[0].text.content should be a string." in page
    assert "validation_error" in page


def test_a_timeout_says_notion_could_not_be_reached_in_time_and_may_have_done_it(
    browser, submit, fake_notion
):
    import httpx

    fake_notion.fail("POST", "/v1/databases$", error=httpx.ReadTimeout)

    submit("database", name="Tasks")

    page = home(browser)
    assert "Notion did not answer in time." in page
    assert "check Notion before trying again" in page
    assert len(fake_notion.sent("POST", "/v1/databases$")) == 1


def test_a_connection_failure_says_notion_could_not_be_reached(browser, submit, fake_notion, notion_page):
    import httpx

    fake_notion.fail("POST", "/v1/comments$", error=httpx.ConnectError, times=10)

    submit("comment", page_id=notion_page["id"], comment="Hi")

    assert "Notion could not be reached." in home(browser)
    assert fake_notion.sent("POST", "/v1/comments$") == []


def test_a_failed_submission_keeps_what_was_typed(browser, submit, fake_notion):
    submit(
        "content",
        page_id=str(uuid.uuid4()),
        content="A long text I do not want to type again",
        format="plain",
    )

    page = home(browser)

    assert "A long text I do not want to type again</textarea>" in page


def test_a_repeated_submission_shows_the_first_result_without_calling_notion_again(
    submit, fake_notion, new_key
):
    first = submit("database", key=new_key, name="Tasks")
    again = submit("database", key=new_key, name="Tasks")

    assert first.status_code == again.status_code == 302
    assert len(fake_notion.sent("POST", "/v1/databases$")) == 1
    assert FormSubmission.objects.count() == 1


def test_a_key_of_another_user_is_refused(submit, fake_notion, new_key):
    from django.test import Client

    from tests.factories import UserFactory

    submit("database", key=new_key, name="Tasks")
    other = Client()
    other.force_login(UserFactory(username="mallory"))

    response = submit("database", key=new_key, client=other, name="Tasks")

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    assert len(fake_notion.sent("POST", "/v1/databases$")) == 1


def test_without_notion_page_id_the_database_form_says_what_to_set(browser, submit, fake_notion, settings):
    settings.NOTION_PAGE_ID = ""

    submit("database", name="Tasks")

    assert "set NOTION_PAGE_ID" in home(browser)
    assert fake_notion.received == []


def test_what_notion_returns_is_escaped(browser, submit, fake_notion):
    submit("database", name="<script>alert(1)</script>")

    page = home(browser)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_runs_of_blank_lines_stay_inside_paragraphs_instead_of_making_empty_blocks(
    submit, fake_notion, notion_page
):
    content = "One.\n\n\n\nTwo.\n" + "\n" * 5000 + "Three."

    submit("content", page_id=notion_page["id"], content=content, format="plain")

    [body] = fake_notion.bodies("PATCH", "/children$")
    texts = [
        "".join(p["text"]["content"] for p in block["paragraph"]["rich_text"]) for block in body["children"]
    ]
    assert texts == ["One.\n\n", "Two.\n" + "\n" * 4998, "Three."]
    assert "\n\n".join(texts) == content


def test_a_title_of_2000_astral_characters_is_sent_in_two_pieces(submit, fake_notion):
    response = submit("database", name="😀" * 2000)

    assert response.status_code == 302
    [body] = fake_notion.bodies("POST", "/v1/databases$")
    assert [len(piece["text"]["content"]) for piece in body["title"]] == [1000, 1000]
    assert FormSubmission.objects.get().status == "succeeded"


def test_content_needing_more_requests_than_allowed_is_refused_naming_the_limit(
    submit, fake_notion, notion_page, settings
):
    settings.NOTION_CONTENT_MAX_REQUESTS = 2

    response = submit(
        "content", page_id=notion_page["id"], content="\n\n".join(["paragraph"] * 201), format="plain"
    )

    assert response.status_code == 400
    errors = response.context["sections"][2]["form"].errors["content"]
    assert "needs 3 requests to Notion; one submission may send at most 2" in " ".join(errors)
    assert fake_notion.received == []
    assert not FormSubmission.objects.exists()


@pytest.mark.parametrize("key", ["", "not-a-key"])
def test_a_form_with_a_missing_or_garbled_key_says_it_expired_and_gets_a_fresh_key(
    submit, fake_notion, key, browser
):
    browser.get("/")
    data = {"database-name": "Tasks", "database-submission_key": key}
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value

    response = browser.post("/databases/", data)

    page = response.content.decode()
    assert response.status_code == 400
    assert "This form had expired" in page
    fresh = page.split('name="database-submission_key" value="')[1].split('"')[0]
    assert uuid.UUID(fresh) and fresh != key
    assert 'value="Tasks"' in page
    assert fake_notion.received == []


def test_a_token_typed_into_a_form_is_not_stored(submit, fake_notion):
    from tests.fake_notion import TOKEN

    submit("database", name=f"Tasks {TOKEN}")

    submission = FormSubmission.objects.get()
    assert TOKEN not in json.dumps([submission.input, submission.result, submission.title])
    assert submission.input["name"] == "Tasks ***"


def test_a_submission_left_pending_by_a_dead_worker_turns_into_may_have_been_done(
    browser, submit, fake_notion, user, new_key, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import FormSubmissionFactory

    started = timezone.now() - timedelta(seconds=settings.NOTION_ACTION_TIMEOUT + 60)
    stuck = FormSubmissionFactory(user=user, key=new_key, input={"name": "Tasks"}, created_at=started)

    began = time.monotonic()
    submit("database", key=new_key, name="Tasks")

    assert time.monotonic() - began < 5
    stuck.refresh_from_db()
    assert stuck.status == "failed" and stuck.error["maybe_done"]
    page = browser.get("/").content.decode()
    assert "stopped without an answer" in page and "check Notion before trying again" in page
    assert str(stuck.correlation_id) in page
    assert fake_notion.received == []


def test_the_home_page_shows_a_submission_left_pending_by_a_dead_worker_interrupted_and_writes_nothing(
    browser, user, settings
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import FormSubmissionFactory

    started = timezone.now() - timedelta(seconds=settings.NOTION_ACTION_TIMEOUT + 60)
    stuck = FormSubmissionFactory(user=user, input={"name": "Tasks"}, created_at=started)

    page = browser.get("/").content.decode()

    assert "stopped without an answer" in page and str(stuck.correlation_id) in page
    stuck.refresh_from_db()
    assert stuck.status == "pending" and stuck.error == {}


def test_the_home_page_shows_a_submission_pending_within_the_action_timeout_as_sending(browser, user):
    from tests.factories import FormSubmissionFactory

    FormSubmissionFactory(user=user, input={"name": "Tasks"})

    page = browser.get("/").content.decode()

    assert "Sending to the sandbox…" in page and "stopped without an answer" not in page


def test_a_page_id_given_as_the_data_source_says_it_is_a_page(submit, fake_notion, notion_page):
    submit("page", data_source_id=notion_page["id"], name="Dune")

    error = FormSubmission.objects.get().error
    assert error["code"] == "not_a_data_source"
    assert "This is a page, not a data source" in error["hint"]
    assert fake_notion.sent("POST", "/v1/pages$") == []


def test_results_name_the_page_they_went_to(browser, submit, fake_notion):
    submit("database", name="Reading list")
    submit("page", data_source_id=FormSubmission.objects.get().result["data_source_id"], name="Dune")
    page_id = FormSubmission.objects.get(action="page").result["id"]

    submit("content", page_id=page_id, content="Spice.", format="plain")
    submit("comment", page_id=page_id, comment="Read it twice")

    page = home(browser)
    assert "1 block added to “Dune”" in page
    assert "Comment added to “Dune”" in page
