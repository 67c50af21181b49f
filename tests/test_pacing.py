"""The shared pacing keeps every thread and process together under Notion's rate."""

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from integration.http.pacing import wait_for_turn
from integration.http.policy import Policy
from integration.models import NotionRequestLog
from integration.notion.comments import add_comment
from integration.notion.errors import NotionError
from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import TOKEN, FakeNotion, bucket_needed, served

RATE = 3.0


@pytest.fixture
def paced(settings):
    settings.NOTION_RATE_LIMIT = RATE
    settings.NOTION_RATE_BURST = 2
    settings.NOTION_RATE_MAX_WAIT = 60


@pytest.fixture
def strict_notion(settings, paced) -> FakeNotion:
    """A Notion enforcing 3 requests a second with bursts of 3, answering in 50 ms."""
    sandbox = NotionSandbox(token=TOKEN, rate=RATE, burst=3, latency=0.05)
    page = sandbox.add_page("Team space")
    fake = FakeNotion(sandbox)
    settings.NOTION_KEY = TOKEN
    settings.NOTION_PAGE_ID = page["id"]
    settings.NOTION_TRANSPORT = fake
    return fake


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_threads_hammering_notion_get_no_429_and_stay_under_the_rate(strict_notion):
    page_id = strict_notion.sandbox.add_page("Notes")["id"]

    def comment(n: int) -> str:
        try:
            return add_comment(page_id=page_id, text=f"comment {n}")["id"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(comment, range(16)))

    assert len(set(results)) == 16
    assert NotionRequestLog.objects.filter(status=429).count() == 0
    assert NotionRequestLog.objects.count() == 16
    # Burst 2, and half a request of leeway for the time a request takes to arrive.
    assert bucket_needed(strict_notion.arrivals, RATE) <= 2.5


@pytest.fixture
def notion_server():
    """The strict fake Notion over HTTP, and when each request reached it."""
    sandbox = NotionSandbox(token=TOKEN, rate=RATE, burst=3)
    arrivals: list[float] = []
    with served(sandbox, arrivals) as base_url:
        yield sandbox, base_url, arrivals


CHILD = """
import json, django
django.setup()
from integration.notion.errors import NotionError
from integration.notion.comments import add_comment
from integration.http.audit import AuditContext
outcomes = []
for n in range({count}):
    try:
        context = AuditContext(source="command")
        add_comment(page_id="{page_id}", text=f"from a process {{n}}", context=context)
        outcomes.append("ok")
    except NotionError as error:
        outcomes.append(error.code)
print(json.dumps(outcomes))
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_processes_together_get_no_429_and_stay_under_the_rate(notion_server, child_env):
    # The schedule is in the database, or in Redis in CI's run with TEST_REDIS_URL.
    sandbox, base_url, arrivals = notion_server
    page_id = sandbox.add_page("Notes")["id"]
    env = child_env(base_url, NOTION_RATE_LIMIT=str(RATE), NOTION_RATE_BURST="2", NOTION_RATE_MAX_WAIT="60")

    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD.format(count=5, page_id=page_id)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outcomes = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        outcomes += json.loads(out)

    assert outcomes == ["ok"] * 15
    assert len(arrivals) == 15
    assert NotionRequestLog.objects.filter(source="command").count() == 15
    assert NotionRequestLog.objects.filter(status=429).count() == 0
    assert bucket_needed(arrivals, RATE) <= 2.5


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_a_request_that_would_wait_too_long_is_not_sent(fake_notion, settings, parent_page):
    settings.NOTION_RATE_LIMIT = 1
    settings.NOTION_RATE_BURST = 2
    settings.NOTION_RATE_MAX_WAIT = 0.5

    def comment(n: int) -> str:
        try:
            add_comment(page_id=parent_page["id"], text=f"comment {n}")
            return "sent"
        except NotionError as error:
            return error.hint
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        outcomes = sorted(pool.map(comment, range(3)))

    # The burst of two goes at once, the third would wait a second: longer than allowed.
    assert outcomes[1:] == ["sent", "sent"]
    assert "nothing was sent" in outcomes[0]
    assert len(fake_notion.sent("POST", "/v1/comments$")) == 2


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_background_requests_leave_the_burst_and_a_share_of_the_rate_to_people(settings):
    settings.NOTION_RATE_LIMIT = 10  # one request every 0.1 s
    settings.NOTION_RATE_BURST = 3
    settings.NOTION_RATE_RESERVE = 0.5  # so a job's requests come every 0.2 s at most
    job = Policy.from_settings(background=True)

    waits = [wait_for_turn(job) for _ in range(4)]
    person = wait_for_turn(Policy.from_settings())

    assert waits[0] == 0
    assert all(0.15 <= wait <= 0.25 for wait in waits[1:])  # no burst: each a full turn apart
    assert person == 0  # the burst was kept for people
