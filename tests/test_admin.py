"""The admin of the audit log, through HTTP, as a staff member reads it."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from integration.admin import NotionRequestLogAdmin
from integration.models import FormSubmission, NotionRequestLog, Outcome, Source
from tests.factories import FormSubmissionFactory, NotionRequestLogFactory

CHANGELIST = "/admin/integration/notionrequestlog/"
PAGE_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
PARENT_ID = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
REQUEST_ID = "4b1d5e07-7a2c-4f0e-9c3b-2d6f8e1a0b9c"
CORRELATION_ID = uuid.UUID("0d5c7a3e-2b1f-4e9d-8a6c-3f2e1d0c9b8a")


def change_page(row: NotionRequestLog) -> str:
    return f"{CHANGELIST}{row.pk}/change/"


def text_of(response) -> str:
    """The words of a page as a reader sees them: no tags, one space between words."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()).replace(" :", ":")


def column_headers(response) -> list[str]:
    """The names of the list's columns, after the box that selects rows for an action."""
    head = response.content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    cells = re.findall(r"<th.*?</th>", head, re.S)
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in cells
        if "action-checkbox-column" not in cell
    ]


def field_labels(response) -> list[str]:
    return re.findall(r"<label>([^<]*):</label>", response.content.decode())


def listed(client, **params: str) -> list[int]:
    """The ids of the rows the changelist shows, in its order."""
    response = client.get(CHANGELIST, params)
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


def test_it_lists_the_rows_newest_first(staff_browser):
    now = timezone.now()
    middle = NotionRequestLogFactory(created_at=now - timedelta(hours=1))
    newest = NotionRequestLogFactory(created_at=now)
    oldest = NotionRequestLogFactory(created_at=now - timedelta(hours=2))

    shown = listed(staff_browser)

    assert shown == [newest.pk, middle.pk, oldest.pk]


def test_it_shows_time_operation_method_path_status_duration_and_user(staff_browser):
    row = NotionRequestLogFactory(
        created_at=datetime(2026, 12, 1, 6, 50, 14, 123456, tzinfo=UTC),
        operation="blocks.children.append",
        method="PATCH",
        url=f"https://api.notion.com/v1/blocks/{PAGE_ID}/children?x=1",
        status=200,
        duration_ms=345,
        attempt=2,
        username="alice",
    )

    response = staff_browser.get(CHANGELIST)

    assertContains(
        response,
        f'<th class="field-when"><a href="{change_page(row)}"><time datetime="2026-12-01T06:50:14+00:00">'
        "<span>2026-12-01</span> <span>06:50:14 UTC</span></time></a></th>",
        html=True,
    )
    for column, value in [
        ("status_shown", '<span class="status status-good">200</span>'),
        ("operation", "blocks.children.append"),
        ("request", f'<span class="method">PATCH</span> /v1/blocks/{PAGE_ID}/children'),
        ("duration", "345 ms"),
        ("attempt", "2"),
        ("user", "alice"),
    ]:
        assertContains(response, f'<td class="field-{column}">{value}</td>', html=True)


@pytest.mark.parametrize(
    ("status", "outcome", "error_code", "shown"),
    [
        (404, Outcome.CLIENT_ERROR, "object_not_found", '<span class="status status-bad">404</span>'),
        (502, Outcome.SERVER_ERROR, "http_502", '<span class="status status-bad">502</span>'),
        (
            None,
            Outcome.NO_RESPONSE,
            "ReadTimeout",
            '<span class="status status-none">no response</span> <small class="why">ReadTimeout</small>',
        ),
        (None, Outcome.NO_RESPONSE, "", '<span class="status status-none">no response</span>'),
    ],
)
def test_it_shows_the_status_or_why_there_is_none(staff_browser, status, outcome, error_code, shown):
    NotionRequestLogFactory(status=status, outcome=outcome, error_code=error_code)

    response = staff_browser.get(CHANGELIST)

    assertContains(response, f'<td class="field-status_shown">{shown}</td>', html=True)


@pytest.mark.parametrize("outcome", Outcome.values)
def test_it_filters_by_outcome(staff_browser, outcome):
    rows = {value: NotionRequestLogFactory(outcome=value) for value in Outcome.values}

    shown = listed(staff_browser, outcome__exact=outcome)

    assert shown == [rows[outcome].pk]


def test_it_filters_by_operation(staff_browser):
    NotionRequestLogFactory(operation="pages.create")
    database = NotionRequestLogFactory(operation="databases.create")

    shown = listed(staff_browser, operation="databases.create")

    assert shown == [database.pk]


@pytest.mark.parametrize("source", Source.values)
def test_it_filters_by_source(staff_browser, source):
    rows = {value: NotionRequestLogFactory(source=value) for value in Source.values}

    shown = listed(staff_browser, source__exact=source)

    assert shown == [rows[source].pk]


def test_the_source_filter_offers_the_capability_probes(staff_browser):
    page = staff_browser.get(CHANGELIST).content.decode()

    assert "Capability probe" in page
    assert "All but capability probes" in page


def test_client_errors_can_be_listed_without_the_capability_probes(staff_browser):
    refused = NotionRequestLogFactory(outcome=Outcome.CLIENT_ERROR, status=400, source=Source.WEB)
    NotionRequestLogFactory(outcome=Outcome.CLIENT_ERROR, status=404, source=Source.PROBE)
    NotionRequestLogFactory(outcome=Outcome.SUCCESS, status=200, source=Source.COMMAND)

    shown = listed(staff_browser, outcome__exact=Outcome.CLIENT_ERROR, source="not_probe")

    assert shown == [refused.pk]


@pytest.mark.parametrize(
    ("choice", "expected"),
    [("today", ["now"]), ("7d", ["now", "3 days"]), ("30d", ["now", "3 days", "20 days"])],
)
def test_it_filters_by_date(staff_browser, choice, expected):
    now = timezone.now()
    rows = {
        age: NotionRequestLogFactory(created_at=now - delta)
        for age, delta in [
            ("now", timedelta()),
            ("3 days", timedelta(days=3)),
            ("20 days", timedelta(days=20)),
            ("60 days", timedelta(days=60)),
        ]
    }

    shown = listed(staff_browser, date=choice)

    assert shown == [rows[age].pk for age in expected]


@pytest.fixture
def searched_rows() -> dict[str, NotionRequestLog]:
    return {
        "object": NotionRequestLogFactory(object_id=PAGE_ID),
        "parent": NotionRequestLogFactory(operation="blocks.children.append", parent_id=PARENT_ID),
        "request": NotionRequestLogFactory(request_id=REQUEST_ID),
        "correlation": NotionRequestLogFactory(correlation_id=CORRELATION_ID),
        "other": NotionRequestLogFactory(
            object_id=str(uuid.uuid4()), parent_id=str(uuid.uuid4()), request_id=str(uuid.uuid4())
        ),
    }


@pytest.mark.parametrize(
    ("term", "found"),
    [
        (PAGE_ID, "object"),
        (PAGE_ID.replace("-", ""), "object"),
        (PAGE_ID.upper(), "object"),
        (f"https://www.notion.so/Reading-list-{PAGE_ID.replace('-', '')}?v={uuid.uuid4().hex}", "object"),
        (f"  {PARENT_ID}  ", "parent"),
        (REQUEST_ID, "request"),
        (str(CORRELATION_ID), "correlation"),
    ],
    ids=[
        "dashed id",
        "undashed id",
        "upper-case id",
        "notion link",
        "parent id",
        "request id",
        "correlation id",
    ],
)
def test_it_searches_by_notion_id_request_id_and_correlation_id(staff_browser, searched_rows, term, found):
    shown = listed(staff_browser, q=term)

    assert shown == [searched_rows[found].pk]


@pytest.mark.parametrize(
    "term",
    [str(uuid.uuid4()), "no such thing", "https://example.com/" + PAGE_ID.replace("-", ""), "x" * 200, "%"],
    ids=["unknown id", "words", "link elsewhere", "long", "wildcard"],
)
def test_a_search_that_matches_nothing_lists_nothing(staff_browser, searched_rows, term):
    shown = listed(staff_browser, q=term)

    assert shown == []


def test_the_correlation_id_filter_lists_every_attempt_of_one_action_and_nothing_else(staff_browser):
    attempts = [NotionRequestLogFactory(correlation_id=CORRELATION_ID, attempt=n) for n in (1, 2, 3)]
    NotionRequestLogFactory()

    shown = listed(staff_browser, correlation_id=str(CORRELATION_ID))

    assert sorted(shown) == sorted(row.pk for row in attempts)


def test_a_malformed_correlation_id_is_refused_without_an_error(staff_browser):
    NotionRequestLogFactory()

    response = staff_browser.get(CHANGELIST, {"correlation_id": "not-a-uuid"})

    assert response.status_code == 302
    assert response["Location"] == f"{CHANGELIST}?e=1"


def test_the_detail_page_links_the_correlation_id_to_every_attempt(staff_browser):
    row = NotionRequestLogFactory(correlation_id=CORRELATION_ID)

    response = staff_browser.get(change_page(row))

    assertContains(response, f'<a href="{CHANGELIST}?correlation_id={CORRELATION_ID}">{CORRELATION_ID}</a>')


def test_the_detail_page_shows_both_bodies_pretty_printed_and_escaped(staff_browser):
    row = NotionRequestLogFactory(
        request_body={"properties": {"Name": "<script>alert(1)</script>"}},
        response_body={"id": PAGE_ID, "object": "page"},  # jsonb keeps keys shortest first
    )

    response = staff_browser.get(change_page(row))

    assertContains(
        response,
        "<pre>{\n"
        "  &quot;properties&quot;: {\n"
        "    &quot;Name&quot;: &quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;\n"
        "  }\n"
        "}</pre>",
    )
    assertContains(
        response,
        "<pre>{\n"
        f"  &quot;id&quot;: &quot;{PAGE_ID}&quot;,\n"
        "  &quot;object&quot;: &quot;page&quot;\n"
        "}</pre>",
    )
    assertNotContains(response, "<script>alert(1)")


def test_the_detail_page_shows_a_truncated_body_as_it_is_with_a_marker(staff_browser):
    body = '{"results":[{"id":"<b>' + PAGE_ID[:20]
    row = NotionRequestLogFactory(response_body=body, response_body_truncated=True)

    response = staff_browser.get(change_page(row))

    assertContains(response, f"<pre>{escape(body)}\n…[truncated]</pre>")


def test_the_detail_page_shows_a_body_that_is_not_json_as_text(staff_browser):
    row = NotionRequestLogFactory(response_body="<html><body>Bad gateway</body></html>")

    response = staff_browser.get(change_page(row))

    assertContains(response, "<pre>&lt;html&gt;&lt;body&gt;Bad gateway&lt;/body&gt;&lt;/html&gt;</pre>")
    assertNotContains(response, "[truncated]")


def test_the_detail_page_shows_no_body_as_a_dash(staff_browser):
    row = NotionRequestLogFactory(request_body=None)

    text = text_of(staff_browser.get(change_page(row)))

    assert "Request body: —" in text


def test_there_is_no_add_page(staff_browser):
    response = staff_browser.get(f"{CHANGELIST}add/")

    assert response.status_code == 403


def test_a_post_to_the_change_page_changes_nothing(staff_browser):
    row = NotionRequestLogFactory(operation="pages.create", status=200)

    response = staff_browser.post(change_page(row), {"operation": "forged", "status": "500"})

    assert response.status_code == 403
    row.refresh_from_db()
    assert (row.operation, row.status) == ("pages.create", 200)


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_delete_page_is_refused(staff_browser, method):
    row = NotionRequestLogFactory()

    response = getattr(staff_browser, method)(f"{CHANGELIST}{row.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert NotionRequestLog.objects.filter(pk=row.pk).exists()


def test_the_changelist_offers_no_bulk_delete(staff_browser):
    row = NotionRequestLogFactory()

    response = staff_browser.post(
        CHANGELIST,
        {"action": "delete_selected", "_selected_action": [row.pk], "index": "0", "post": "yes"},
        follow=True,
    )

    assertNotContains(response, "delete_selected")
    assert NotionRequestLog.objects.filter(pk=row.pk).exists()


def test_a_user_who_is_not_staff_is_sent_to_the_admin_login(browser):
    NotionRequestLogFactory()

    response = browser.get(CHANGELIST)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={CHANGELIST}"


def test_the_changelist_does_not_count_the_whole_table(staff_browser):
    NotionRequestLogFactory.create_batch(3)
    NotionRequestLogFactory(request_id=REQUEST_ID)

    with CaptureQueriesContext(connections["audit"]) as queries:
        response = staff_browser.get(CHANGELIST, {"q": REQUEST_ID})

    counts = [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()]
    assert counts
    assert all("WHERE" in sql.upper() for sql in counts)
    assertContains(response, "1 result")
    assertNotContains(response, "4 total")


def test_a_form_submission_links_to_its_notion_requests(staff_browser):
    submission = FormSubmissionFactory(correlation_id=CORRELATION_ID)

    response = staff_browser.get("/admin/integration/formsubmission/")

    assertContains(
        response, f'<a href="{CHANGELIST}?correlation_id={submission.correlation_id}">requests</a>'
    )


def test_the_status_comes_right_after_the_time_and_every_column_is_named_as_a_word(staff_browser):
    NotionRequestLogFactory()

    response = staff_browser.get(CHANGELIST)

    assert column_headers(response) == [
        "Time",
        "Status",
        "Operation",
        "Request",
        "Duration",
        "Attempt",
        "User",
    ]


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("UTC", "2026-12-01 06:50:14 UTC"),
        ("Europe/Berlin", "2026-12-01 07:50:14 CET"),
        ("America/New_York", "2026-12-01 01:50:14 EST"),
    ],
)
def test_the_list_and_the_detail_page_show_the_time_to_the_second_with_its_zone(
    staff_browser, settings, zone, shown
):
    settings.TIME_ZONE = zone
    row = NotionRequestLogFactory(created_at=datetime(2026, 12, 1, 6, 50, 14, 987654, tzinfo=UTC))

    listing, detail = staff_browser.get(CHANGELIST), staff_browser.get(change_page(row))

    assert shown in text_of(listing)
    assert f"Time: {shown}" in text_of(detail)


def test_the_history_is_titled_request_history(staff_browser):
    response = staff_browser.get(CHANGELIST)

    assertContains(response, "<h1>Request history</h1>", html=True)
    assertContains(response, "<title>Request history | notionforms</title>", html=True)
    assertNotContains(response, "Select Notion request to view")


def test_the_detail_page_labels_read_as_words_not_field_names(staff_browser):
    row = NotionRequestLogFactory(duration_ms=120, username="alice", sandbox=True)

    response = staff_browser.get(change_page(row))

    labels = field_labels(response)
    for label in ["Time", "Status", "URL", "Duration", "Correlation ID", "Object ID", "Parent ID"]:
        assert label in labels
    for label in ["Notion request ID", "User", "Answer from", "Request body", "Response headers"]:
        assert label in labels
    for name in ["Created at", "Url", "Duration ms", "Username", "Object id", "Request id", "Sandbox"]:
        assert name not in labels
    text = text_of(response)
    assert "Duration: 120 ms" in text
    assert "User: alice" in text
    assert "Answer from: The built-in sandbox, not Notion" in text
    assert "None" not in text


def test_an_empty_value_on_the_detail_page_is_a_dash(staff_browser):
    row = NotionRequestLogFactory(duration_ms=None, username="", object_id="", request_id="")

    text = text_of(staff_browser.get(change_page(row)))

    for label in ["Duration", "User", "Object ID", "Parent ID", "Notion request ID", "Error code"]:
        assert f"{label}: —" in text


def test_the_detail_page_links_the_object_and_parent_ids_to_their_history(staff_browser):
    row = NotionRequestLogFactory(object_id=PAGE_ID, parent_id=PARENT_ID)
    child = NotionRequestLogFactory(parent_id=PAGE_ID)
    NotionRequestLogFactory()

    response = staff_browser.get(change_page(row))

    assertContains(response, f'<a href="{CHANGELIST}?q={PAGE_ID}">{PAGE_ID}</a>')
    assertContains(response, f'<a href="{CHANGELIST}?q={PARENT_ID}">{PARENT_ID}</a>')
    assert sorted(listed(staff_browser, q=PAGE_ID)) == sorted([row.pk, child.pk])
    assert listed(staff_browser, q=PARENT_ID) == [row.pk]


@pytest.mark.parametrize("model", ["notionrequestlog", "formsubmission"])
def test_a_read_only_row_offers_no_history_button(staff_browser, model):
    row = NotionRequestLogFactory() if model == "notionrequestlog" else FormSubmissionFactory()

    response = staff_browser.get(f"/admin/integration/{model}/{row.pk}/change/")

    assert response.status_code == 200
    assertNotContains(response, "historylink")
    assertNotContains(response, f"/{row.pk}/history/")


def test_a_list_of_one_action_says_so_and_leads_back_to_the_whole_history(staff_browser):
    NotionRequestLogFactory(correlation_id=CORRELATION_ID)
    NotionRequestLogFactory()

    response = staff_browser.get(CHANGELIST, {"correlation_id": str(CORRELATION_ID)})

    assert f"Showing every attempt of action {CORRELATION_ID} — show all" in text_of(response)
    assertContains(response, f'<a href="{CHANGELIST}">show all</a>', html=True)
    assert "By action" in text_of(response)
    assertContains(response, "Clear all filters")


def test_a_search_for_an_object_says_so_and_leads_back_to_the_whole_history(staff_browser):
    NotionRequestLogFactory(object_id=PAGE_ID)

    link = f"https://www.notion.so/Reading-list-{PAGE_ID.replace('-', '')}"
    response = staff_browser.get(CHANGELIST, {"q": link})

    assert f"Showing the requests about {PAGE_ID} — show all" in text_of(response)
    assertContains(response, f'<a href="{CHANGELIST}">show all</a>', html=True)


def test_the_whole_history_says_nothing_about_a_filter_it_does_not_have(staff_browser):
    NotionRequestLogFactory()

    text = text_of(staff_browser.get(CHANGELIST))

    assert "Showing" not in text
    assert "By action" not in text


def test_a_form_submission_has_no_add_page(staff_browser):
    response = staff_browser.get("/admin/integration/formsubmission/add/")

    assert response.status_code == 403


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_form_submission_cannot_be_deleted(staff_browser, method):
    submission = FormSubmissionFactory()

    response = getattr(staff_browser, method)(
        f"/admin/integration/formsubmission/{submission.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 403
    assert FormSubmission.objects.filter(pk=submission.pk).exists()


def test_the_form_submissions_offer_no_bulk_delete(staff_browser):
    submission = FormSubmissionFactory()

    response = staff_browser.post(
        "/admin/integration/formsubmission/",
        {"action": "delete_selected", "_selected_action": [submission.pk], "index": "0", "post": "yes"},
    )

    assertNotContains(response, "delete_selected")
    assertNotContains(response, 'name="_selected_action"')
    assert FormSubmission.objects.filter(pk=submission.pk).exists()


def test_a_post_to_a_form_submission_changes_nothing(staff_browser):
    submission = FormSubmissionFactory(status=FormSubmission.Status.SUCCEEDED)

    response = staff_browser.post(
        f"/admin/integration/formsubmission/{submission.pk}/change/", {"status": "failed"}
    )

    assert response.status_code == 403
    submission.refresh_from_db()
    assert submission.status == FormSubmission.Status.SUCCEEDED


def test_the_form_submissions_are_titled_and_labelled_as_words(staff_browser):
    FormSubmissionFactory(status=FormSubmission.Status.FAILED)

    response = staff_browser.get("/admin/integration/formsubmission/")

    assertContains(response, "<h1>Form submissions</h1>", html=True)
    assert column_headers(response) == ["Time", "Action", "Status", "User", "Notion requests"]
    assertContains(response, '<span class="status status-bad">Failed</span>', html=True)


@pytest.mark.parametrize(
    "page", ["/admin/", CHANGELIST, "/admin/integration/formsubmission/", "/admin/password_change/"]
)
def test_every_admin_page_has_the_look_and_name_of_the_app_and_leads_back_to_the_forms(staff_browser, page):
    response = staff_browser.get(page)

    assert re.search(
        r'<link rel="stylesheet" href="/static/notionforms-admin\.[0-9a-f]+\.css">', response.text
    )
    assertContains(response, '<div id="site-name"><a href="/">notionforms</a></div>', html=True)
    assertContains(response, '<a href="/">Back to the forms</a>', html=True)
    assertNotContains(response, "Django administration")
    assertNotContains(response, "Django site admin")


@pytest.mark.parametrize(
    ("page", "make"),
    [
        (CHANGELIST, lambda: NotionRequestLogFactory(object_id=PAGE_ID, username="alice")),
        ("/admin/integration/formsubmission/", FormSubmissionFactory),
    ],
    ids=["request history", "form submissions"],
)
def test_a_list_of_many_rows_makes_no_more_queries_than_a_list_of_one(staff_browser, page, make):
    def queries_for_the_list() -> int:
        with (
            CaptureQueriesContext(connections["default"]) as default,
            CaptureQueriesContext(connections["audit"]) as audit,
        ):
            assert staff_browser.get(page).status_code == 200
        return len(default) + len(audit)

    make()
    one = queries_for_the_list()
    for _ in range(9):
        make()

    assert queries_for_the_list() == one


@pytest.mark.parametrize(
    "params", [{}, {"operation": "pages.create"}, {"outcome__exact": "success"}, {"p": "2"}], ids=str
)
def test_the_list_never_reads_the_whole_table_for_its_filters_or_its_count(staff_browser, params):
    NotionRequestLogFactory.create_batch(60, operation="pages.create")

    with CaptureQueriesContext(connections["audit"]) as queries:
        assert staff_browser.get(CHANGELIST, params).status_code == 200

    sql = [query["sql"].upper() for query in queries]
    assert not [query for query in sql if "DISTINCT" in query]
    counts = [query for query in sql if "COUNT(" in query]
    assert counts and all("LIMIT" in query for query in counts)


def test_the_operation_filter_offers_every_operation_the_app_calls_even_before_any_was_made(staff_browser):
    response = staff_browser.get(CHANGELIST)

    choices = next(spec for spec in response.context["cl"].filter_specs if spec.title == "operation")
    offered = [choice["display"] for choice in choices.choices(response.context["cl"])]
    assert offered[0] == "All"
    assert {"databases.create", "pages.create", "blocks.children.append", "users.me"} <= set(offered)


def test_a_list_longer_than_the_pages_it_links_says_more_than(staff_browser, monkeypatch):
    monkeypatch.setattr(NotionRequestLogAdmin, "list_per_page", 2)
    NotionRequestLogFactory.create_batch(25, outcome=Outcome.SUCCESS)

    text = text_of(staff_browser.get(CHANGELIST, {"outcome__exact": "success"}))
    last = text_of(staff_browser.get(CHANGELIST, {"outcome__exact": "success", "p": "13"}))

    assert "more than 22 results" in text
    assert "more than 22 Notion requests" in text
    assert "25 results" in last and "more than" not in last


def test_a_deep_page_lists_the_rows_of_that_page(staff_browser, monkeypatch):
    monkeypatch.setattr(NotionRequestLogAdmin, "list_per_page", 2)
    now = timezone.now()
    rows = [NotionRequestLogFactory(created_at=now - timedelta(minutes=n)) for n in range(30)]

    shown = listed(staff_browser, p="12")

    assert shown == [rows[22].pk, rows[23].pk]


def test_the_list_reads_no_bodies_but_the_detail_page_shows_them(staff_browser):
    row = NotionRequestLogFactory(response_body={"object": "page", "id": PAGE_ID})

    with CaptureQueriesContext(connections["audit"]) as queries:
        staff_browser.get(CHANGELIST)

    assert not [query for query in queries if '."response_body"' in query["sql"]]
    assertContains(staff_browser.get(change_page(row)), f"&quot;id&quot;: &quot;{PAGE_ID}&quot;")


@pytest.mark.parametrize(("choice", "sandbox"), [("sandbox", True), ("notion", False)])
def test_it_filters_by_what_answered(staff_browser, choice, sandbox):
    rows = {value: NotionRequestLogFactory(sandbox=value) for value in (True, False)}

    shown = listed(staff_browser, answered_by=choice)

    assert shown == [rows[sandbox].pk]


def test_the_admins_own_widgets_are_drawn_beside_the_apps(staff_browser, user):
    # Form widgets are drawn by Jinja2 (notionforms/renderers.py); the admin's exist for Django's
    # template language only, and must still be found.
    change = staff_browser.get(f"/admin/auth/user/{user.pk}/change/")
    add = staff_browser.get("/admin/auth/group/add/")

    assertContains(change, "Raw passwords are not stored")
    assertContains(add, 'class="related-widget-wrapper"')
    assertContains(add, '<input type="text" name="name"', html=False)
