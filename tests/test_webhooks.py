"""Notion's webhooks: the handshake, the checks of each event, its row in the history, and what the
pages show of them; the sandbox emitting the same signed events ("Webhooks", "Event types &
delivery")."""

import json
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from integration.models import AuditContext, NotionRequestLog, Outcome, Source
from integration.notion.comments import add_comment
from integration.notion.events import VERIFICATION, make_event, sign, signed
from integration.notion.pages import create_page, update_page
from integration.sandbox.engine import NotionSandbox
from tests.factories import JobFactory
from tests.fake_notion import TOKEN

WEBHOOK_TOKEN = "secret_tMrlL1qK5vuQAh1b6cZGhFChZTSYJlce98V0pYn7yBl"
URL = "/notion/webhooks/"
PAGE_ID = "0ef104cd-477e-80e1-8571-cfd10e92339a"


@pytest.fixture(autouse=True)
def webhook_token(settings) -> str:
    settings.NOTION_WEBHOOK_VERIFICATION_TOKEN = WEBHOOK_TOKEN
    cache.clear()  # the rate limit's counts and the verification token kept for staff
    return WEBHOOK_TOKEN


@pytest.fixture
def notion() -> Client:
    """Notion, posting to the endpoint: no login, no CSRF token."""
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def sandbox() -> NotionSandbox:
    """The fake Notion, its clock in the tests' hands, delivering its signed events to `outbox`."""
    now = [time.time()]
    sandbox = NotionSandbox(token=TOKEN, clock=lambda: now[0], webhook_token=WEBHOOK_TOKEN)
    sandbox.now = now
    sandbox.outbox = []
    sandbox.deliver = lambda body, headers: sandbox.outbox.append((body, headers))
    return sandbox


def deliver(notion: Client, sandbox: NotionSandbox) -> list[int]:
    """Post every event the sandbox emitted to the endpoint, as Notion would; their statuses."""
    sent, sandbox.outbox[:] = list(sandbox.outbox), []
    return [post(notion, body, headers).status_code for body, headers in sent]


def post(notion: Client, body: bytes, headers: dict[str, str]):
    extra = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    return notion.post(
        URL,
        body,
        content_type="application/json",
        **{k: v for k, v in extra.items() if k != "HTTP_CONTENT_TYPE"},
    )


def an_event(
    kind: str = "page.content_updated", *, entity_id: str = PAGE_ID, at: datetime | None = None
) -> dict:
    return make_event(
        kind,
        entity_id=entity_id,
        entity_type="page",
        data={"parent": {"id": PAGE_ID, "type": "page"}},
        workspace_id=str(uuid.uuid4()),
        integration_id=str(uuid.uuid4()),
        author={"id": str(uuid.uuid4()), "type": "person"},
        at=at or datetime.now(UTC),
    )


def incoming() -> list[NotionRequestLog]:
    return list(NotionRequestLog.objects.filter(source=Source.WEBHOOK).order_by("id"))


# The handshake


def test_the_verification_token_is_shown_to_staff_on_the_connection_page(
    notion, staff_browser, fake_notion, settings
):
    settings.NOTION_WEBHOOK_VERIFICATION_TOKEN = ""
    answer = notion.post(
        URL, {"verification_token": "secret_handshake_9d8e7f"}, content_type="application/json"
    )

    assert answer.status_code == 200
    page = staff_browser.get("/connection/")
    assert "secret_handshake_9d8e7f" in page.content.decode()
    assert "no-store" in page["Cache-Control"]


def test_the_verification_token_is_shown_to_no_one_else(notion, browser, settings):
    settings.NOTION_WEBHOOK_VERIFICATION_TOKEN = ""
    notion.post(URL, {"verification_token": "secret_handshake_9d8e7f"}, content_type="application/json")

    page = browser.get("/connection/")

    assert page.status_code == 403
    assert "secret_handshake_9d8e7f" not in page.content.decode()


def test_the_verification_token_is_neither_stored_nor_logged_in_clear(notion, settings, caplog):
    settings.NOTION_WEBHOOK_VERIFICATION_TOKEN = ""
    caplog.set_level(logging.DEBUG)

    notion.post(URL, {"verification_token": "secret_handshake_9d8e7f"}, content_type="application/json")

    [row] = incoming()
    assert row.operation == VERIFICATION
    assert row.outcome == Outcome.SUCCESS
    assert row.request_body == {"verification_token": "***"}
    assert "secret_handshake_9d8e7f" not in caplog.text
    assert "secret_handshake_9d8e7f" not in json.dumps(list(NotionRequestLog.objects.values()), default=str)
    assert "secret_handshake_9d8e7f" not in str(cache.get("webhooks:verification-token"))


# Each event's checks


def test_a_signed_event_is_recorded_once_as_incoming(notion):
    body, headers = signed(an_event(), WEBHOOK_TOKEN)

    answer = post(notion, body, headers)

    assert answer.status_code == 200
    [row] = incoming()
    assert (row.outcome, row.operation, row.object_id) == (Outcome.SUCCESS, "page.content_updated", PAGE_ID)
    assert row.request_id == json.loads(body)["id"]
    assert row.request_body["type"] == "page.content_updated"


def test_a_replayed_event_is_refused_and_recorded_as_refused(notion):
    body, headers = signed(an_event(), WEBHOOK_TOKEN)
    post(notion, body, headers)

    answer = post(notion, body, headers)

    assert answer.json()["message"] == "This event was received before: it is taken only once."
    first, second = incoming()
    assert first.outcome == Outcome.SUCCESS
    assert (second.outcome, second.error_code) == (Outcome.REFUSED, "replayed")


def test_a_forged_event_is_refused_and_recorded_as_refused(notion):
    body, _ = signed(an_event(), WEBHOOK_TOKEN)
    forged = body.replace(b"page.content_updated", b"page.properties_updated")

    answer = post(notion, forged, {"X-Notion-Signature": sign(body, WEBHOOK_TOKEN)})

    assert answer.status_code == 401
    [row] = incoming()
    assert (row.outcome, row.error_code, row.status) == (Outcome.REFUSED, "forged", 401)


def test_an_event_signed_with_another_token_is_refused(notion):
    body, headers = signed(an_event(), "secret_someone_else")

    assert post(notion, body, headers).status_code == 401
    assert [row.error_code for row in incoming()] == ["forged"]


def test_an_unsigned_event_is_refused_and_recorded_as_refused(notion):
    body, _ = signed(an_event(), WEBHOOK_TOKEN)

    answer = post(notion, body, {})

    assert answer.status_code == 401
    assert [(row.outcome, row.error_code) for row in incoming()] == [(Outcome.REFUSED, "unsigned")]


def test_a_stale_event_is_refused_and_recorded_as_refused(notion, settings):
    settings.NOTION_WEBHOOK_MAX_AGE = 300
    old = datetime.now(UTC) - timedelta(seconds=3600)
    body, headers = signed(an_event(at=old), WEBHOOK_TOKEN)

    answer = post(notion, body, headers)

    assert answer.status_code == 400
    [row] = incoming()
    assert (row.outcome, row.error_code) == (Outcome.REFUSED, "stale")


def test_an_oversized_event_is_refused_unread_and_recorded_as_refused(notion, settings):
    settings.NOTION_WEBHOOK_MAX_BYTES = 1024
    event = an_event()
    event["data"]["padding"] = "x" * 2000
    body, headers = signed(event, WEBHOOK_TOKEN)

    answer = post(notion, body, headers)

    assert answer.status_code == 413
    [row] = incoming()
    assert (row.outcome, row.error_code, row.request_body) == (Outcome.REFUSED, "too_large", None)


def test_events_are_refused_while_no_token_is_set(notion, settings):
    body, headers = signed(an_event(), WEBHOOK_TOKEN)
    settings.NOTION_WEBHOOK_VERIFICATION_TOKEN = ""

    assert post(notion, body, headers).status_code == 401
    assert [row.error_code for row in incoming()] == ["no_token"]


def test_a_get_is_refused_and_nothing_recorded(notion):
    assert notion.get(URL).status_code == 405
    assert incoming() == []


def test_an_address_over_the_rate_limit_is_refused_and_its_first_refusal_recorded(notion, settings):
    settings.NOTION_WEBHOOK_RATE_LIMIT = 2
    statuses = [post(notion, *signed(an_event(), WEBHOOK_TOKEN)).status_code for _ in range(4)]

    assert statuses == [200, 200, 429, 429]
    assert [row.error_code for row in incoming() if row.outcome == Outcome.REFUSED] == ["rate_limited"]


def test_the_token_never_reaches_the_history(notion):
    event = an_event()
    event["data"]["note"] = f"pasted {WEBHOOK_TOKEN} by mistake"
    post(notion, *signed(event, WEBHOOK_TOKEN))

    assert WEBHOOK_TOKEN not in json.dumps(list(NotionRequestLog.objects.values()), default=str)


# The sandbox, end to end


def test_the_sandbox_emits_a_signed_event_linked_to_the_request_that_created_its_object(
    notion, fake_notion, sandbox, parent_page
):
    comment = add_comment(page_id=parent_page["id"], text="Looks good")

    assert deliver(notion, sandbox) == [200]
    [event] = incoming()
    created = NotionRequestLog.objects.get(operation="comments.create")
    assert (event.operation, event.object_id, event.parent_id) == (
        "comment.created",
        comment["id"],
        parent_page["id"],
    )
    assert event.origin_id == created.pk


def test_an_event_about_an_object_this_app_did_not_create_has_no_link(notion):
    post(notion, *signed(an_event(), WEBHOOK_TOKEN))

    assert incoming()[0].origin_id is None


@pytest.fixture
def source(fake_notion, sandbox, parent_page) -> dict:
    database = sandbox.create_database(
        body={
            "parent": {"page_id": parent_page["id"]},
            "title": [{"text": {"content": "Tasks"}}],
            "initial_data_source": {"properties": {"Name": {"title": {}}}},
        },
        query={},
    )
    return database["data_sources"][0]


def test_the_job_page_says_which_pages_it_created_were_changed_in_notion_since(
    notion, browser, user, sandbox, source
):
    job = JobFactory(owner=user, state="done", result={"hint": "Imported."})
    context = AuditContext(correlation_id=job.correlation_id, source=Source.JOB)
    changed = create_page(data_source_id=source["id"], title="Changed later", context=context)
    create_page(data_source_id=source["id"], title="Left alone", context=context)
    sandbox.now[0] += 10
    job.finished_at = datetime.fromtimestamp(sandbox.now[0], UTC)
    job.save()
    sandbox.now[0] += 10
    update_page(page_id=changed["id"], values={"Name": {"title": [{"text": {"content": "Renamed"}}]}})

    assert deliver(notion, sandbox) == [200, 200, 200]
    page = browser.get(f"/jobs/{job.pk}/").content.decode()
    assert "1 page this job created was changed in Notion since it finished" in page


def test_the_job_page_says_nothing_when_no_page_was_changed_since(notion, browser, user, sandbox, source):
    job = JobFactory(owner=user, state="done", result={"hint": "Imported."})
    context = AuditContext(correlation_id=job.correlation_id, source=Source.JOB)
    create_page(data_source_id=source["id"], title="Left alone", context=context)
    sandbox.now[0] += 10
    job.finished_at = timezone.now()
    job.save()

    deliver(notion, sandbox)
    assert "changed in Notion" not in browser.get(f"/jobs/{job.pk}/").content.decode()


def test_form_4_reads_the_comments_again_when_notion_reports_a_new_one(
    notion, browser, fake_notion, sandbox, parent_page
):
    shown = browser.get("/comments/on/", {"page_id": parent_page["id"]}).content.decode()
    assert 'data-comment-event="0"' in shown

    add_comment(page_id=parent_page["id"], text="Written in Notion")
    deliver(notion, sandbox)

    last = browser.get("/comments/on/events/", {"page_id": parent_page["id"]}).json()["last"]
    assert last == incoming()[0].pk
    again = browser.get("/comments/on/", {"page_id": parent_page["id"]}).content.decode()
    assert "Written in Notion" in again
    assert f'data-comment-event="{last}"' in again
