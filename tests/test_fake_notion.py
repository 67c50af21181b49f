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
