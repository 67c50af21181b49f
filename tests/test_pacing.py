"""The shared pacing keeps every thread and process together under Notion's rate."""

import itertools
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
    """A Notion answering in 50 ms."""
    sandbox = NotionSandbox(token=TOKEN, latency=0.05)
    page = sandbox.add_page("Team space")
    fake = FakeNotion(sandbox)
    settings.NOTION_KEY = TOKEN
    settings.NOTION_PAGE_ID = page["id"]
    settings.NOTION_TRANSPORT = fake
    return fake


def assert_under_the_rate(turns: list[float], arrivals: list[float]) -> None:
    """The turns the app gave its requests keep to the rate with its burst of 2, exactly; the
    requests reached Notion no closer together than each one's lateness (arrival less turn, as
    measured: the machine's scheduling, the history's write) lets them."""
    assert bucket_needed(turns, RATE) <= 2 + 1e-4  # to a float's precision
    lateness = [arrival - turn for turn, arrival in zip(sorted(turns), sorted(arrivals), strict=True)]
    assert min(lateness) >= 0
    assert bucket_needed(arrivals, RATE) <= 2 + RATE * (max(lateness) - min(lateness)) + 1e-4


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_threads_hammering_notion_stay_under_the_rate(strict_notion):
    page_id = strict_notion.sandbox.add_page("Notes")["id"]

    def comment(n: int) -> str:
        try:
            return add_comment(page_id=page_id, text=f"comment {n}")["id"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(comment, range(16)))

    assert len(set(results)) == 16
    assert NotionRequestLog.objects.count() == 16
    assert len(strict_notion.turns) == 16
    assert_under_the_rate(strict_notion.turns, strict_notion.arrivals)


CHILD = """
import json, time, django
import httpx
django.setup()
from django.conf import settings
from integration.http.pacing import TURN
from integration.notion.comments import add_comment

class Recording(httpx.HTTPTransport):
    # What each request carried at the HTTP boundary: its turn, and when it left.
    def handle_request(self, request):
        sent.append((request.extensions[TURN], time.time()))
        return super().handle_request(request)

sent = []
settings.NOTION_TRANSPORT = Recording()
for n in range({count}):
    add_comment(page_id="{page_id}", text=f"from a process {{n}}")
print(json.dumps(sent))
"""


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_processes_together_stay_under_the_rate(child_env):
    # The schedule is in the database, or in Redis in CI's run with TEST_REDIS_URL.
    sandbox = NotionSandbox(token=TOKEN)
    page_id = sandbox.add_page("Notes")["id"]
    arrivals: list[float] = []
    with served(sandbox, arrivals) as base_url:
        env = child_env(
            base_url, NOTION_RATE_LIMIT=str(RATE), NOTION_RATE_BURST="2", NOTION_RATE_MAX_WAIT="60"
        )
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
        sent = []
        try:
            for child in children:
                out, err = child.communicate(timeout=120)
                assert child.returncode == 0, err
                sent += json.loads(out)
        finally:
            for child in children:
                child.kill()
                child.wait()

    assert len(sent) == len(arrivals) == 15
    assert NotionRequestLog.objects.filter(status=200).count() == 15
    assert_under_the_rate([turn for turn, _ in sent], arrivals)


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

    turns = [wait_for_turn(job) for _ in range(4)]
    person = wait_for_turn(Policy.from_settings())

    assert turns[0].waited == 0
    gaps = [later.share_at - earlier.share_at for earlier, later in itertools.pairwise(turns)]
    assert min(gaps) >= 0.2 - 1e-4  # no burst: each a full turn of the job's share apart
    assert person.waited == 0  # the burst was kept for people
