"""The sandbox answers as Notion does: tests/recordings replayed against it, field for field.

Each test replays a recording's exchanges against a fresh sandbox, the recorded IDs swapped for those of
the objects the sandbox made, and checks the sandbox's answers have Notion's keys and JSON types at every
level and Notion's values, but for those that differ naturally (IDs, times, request IDs, URL slugs),
which need only look like Notion's.
"""

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml

from integration.sandbox.engine import NotionSandbox
from tests.fake_notion import TOKEN

pytestmark = pytest.mark.no_db

RECORDINGS = Path(__file__).parent / "recordings"
# The page the recordings' integration was shared with, and the integration's name
RECORDED_PARENT = "26899f72-bada-80dc-843d-eacaf51e89ad"
RECORDED_INTEGRATION = "New_API_Test"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
URL = re.compile(r"https://www\.notion\.so/(?:[0-9A-Za-z-]+-)?[0-9a-f]{32}")
FREE_IDS = {"id", "discussion_id", "request_id"}
TIMES = {"created_time", "last_edited_time"}
ERROR_KEYS = {"object", "status", "code", "message", "request_id"}


def request(method: str, path: str, body: dict | None = None, *, token: str = TOKEN) -> httpx.Request:
    headers = {"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"}
    return httpx.Request(method, "https://api.notion.com" + path, headers=headers, json=body)


def assert_like(answered, recorded, ignore: set[str] = frozenset(), where: str = "answer") -> None:
    """Assert `answered` is built as `recorded` is, at every level, with the same values where it should."""
    assert type(answered) is type(recorded), (
        f"{where} is a {type(answered).__name__}, not a {type(recorded).__name__}"
    )
    if isinstance(recorded, dict):
        missing, extra = recorded.keys() - answered.keys(), answered.keys() - recorded.keys()
        assert not missing and not extra, f"{where} lacks {sorted(missing)}, has extra {sorted(extra)}"
        for key, value in recorded.items():
            mine = answered[key]
            if key in ignore:
                continue
            if key in FREE_IDS and UUID.fullmatch(str(value)):
                assert isinstance(mine, str) and UUID.fullmatch(mine), (
                    f"{where}.{key} {mine!r} is no dashed UUID"
                )
            elif key in TIMES:
                assert re.sub(r"\d", "0", mine) == re.sub(r"\d", "0", value), (
                    f"{where}.{key} {mine!r} vs {value!r}"
                )
            elif key == "url":
                assert URL.fullmatch(mine) and mine[-32:] == value[-32:], f"{where}.url {mine!r} vs {value!r}"
            else:
                assert_like(mine, value, ignore, f"{where}.{key}")
    elif isinstance(recorded, list):
        assert len(answered) == len(recorded), f"{where} has {len(answered)} items, not {len(recorded)}"
        for index, (mine, value) in enumerate(zip(answered, recorded, strict=True)):
            assert_like(mine, value, ignore, f"{where}[{index}]")
    else:
        assert answered == recorded, f"{where} is {answered!r}, not {recorded!r}"


def assert_error(response: httpx.Response, status: int, code: str, message: str) -> None:
    """Assert the response is Notion's error envelope."""
    body = response.json()
    assert response.status_code == status
    assert body.keys() == ERROR_KEYS and UUID.fullmatch(body["request_id"])
    assert (body["object"], body["status"], body["code"], body["message"]) == ("error", status, code, message)


class Replay:
    """A recording replayed in order against a fresh sandbox, its IDs swapped for the sandbox's."""

    def __init__(self, name: str) -> None:
        self.exchanges = yaml.safe_load((RECORDINGS / name).read_text())["interactions"]
        self.done = 0
        self.sandbox = NotionSandbox(token=TOKEN, integration_name=RECORDED_INTEGRATION)
        self.parent = self.sandbox.add_page("Notion API tests")
        self.swaps = {RECORDED_PARENT: self.parent["id"]}

    def swap(self, text: str) -> str:
        for recorded, mine in self.swaps.items():
            text = text.replace(recorded, mine)
            if UUID.fullmatch(recorded):
                text = text.replace(recorded.replace("-", ""), mine.replace("-", ""))
        return text

    def learn(self, recorded, answered) -> None:
        """Swap the IDs of the objects Notion made for those of the objects the sandbox made."""
        if isinstance(recorded, dict) and isinstance(answered, dict):
            if UUID.fullmatch(str(recorded.get("id"))) and isinstance(answered.get("id"), str):
                self.swaps[recorded["id"]] = answered["id"]
            for key in recorded.keys() & answered.keys():
                self.learn(recorded[key], answered[key])
        elif isinstance(recorded, list) and isinstance(answered, list):
            for pair in zip(recorded, answered, strict=False):
                self.learn(*pair)

    def find(self, method: str, path: str, start: int = 0) -> int:
        """The index of the recording's first exchange from `start` of a `method` request to `path`…"""
        return next(
            index
            for index, exchange in enumerate(self.exchanges[start:], start)
            if exchange["request"]["method"] == method
            and urlsplit(exchange["request"]["uri"]).path.startswith(path)
        )

    def answer(self, method: str, path: str) -> dict:
        """What Notion answered to the recording's first `method path…` request."""
        return json.loads(self.exchanges[self.find(method, path)]["response"]["body"]["string"])

    def send(
        self, method: str, path: str, *, to: str = "", token: str = TOKEN, ignore: set[str] = frozenset()
    ):
        """Replay the next `method path…` exchange (to path `to` if given): the sandbox must answer alike."""
        index = self.find(method, path, self.done)
        self.done = index + 1
        sent, got = self.exchanges[index]["request"], self.exchanges[index]["response"]
        url = urlsplit(self.swap(sent["uri"]))
        body = json.loads(self.swap(sent["body"])) if sent["body"] else None
        response = self.sandbox(
            request(method, to or url.path + (f"?{url.query}" if url.query else ""), body, token=token)
        )
        recorded, answered = json.loads(got["body"]["string"]), response.json()
        assert response.status_code == got["status"]["code"]
        assert response.headers["content-type"] == "application/json; charset=utf-8"
        self.learn(recorded, answered)
        assert_like(answered, json.loads(self.swap(got["body"]["string"])), ignore)
        return answered


# Field for field, as recorded


def test_it_answers_a_page_create_like_notion():
    page = Replay("test_pages_create.yaml").send("POST", "/v1/pages")
    assert page["url"].startswith("https://www.notion.so/Test-Page-")


def test_it_answers_a_children_append_like_notion():
    replay = Replay("test_blocks_children_create.yaml")
    replay.send("POST", "/v1/pages")
    replay.send("PATCH", "/v1/blocks/")


def test_it_answers_a_children_list_like_notion():
    replay = Replay("test_blocks_children_list.yaml")
    replay.send("POST", "/v1/pages")
    replay.send("GET", "/v1/blocks/")


def test_it_answers_a_database_create_like_notion():
    replay = Replay("test_databases_create.yaml")
    replay.send("POST", "/v1/pages")
    replay.send("POST", "/v1/databases")


def test_it_answers_another_database_create_like_notion():
    replay = Replay("test_data_sources_create.yaml")
    replay.send("POST", "/v1/pages")
    replay.send("POST", "/v1/databases")


def test_it_answers_a_data_source_retrieve_like_notion():
    replay = Replay("test_data_sources_retrieve.yaml")
    replay.send("POST", "/v1/pages")
    # Notion's data source was made through POST /v1/data_sources, which the sandbox lacks: take the one the
    # sandbox made with the database, named as the database, and name the database as Notion's data source.
    made = replay.answer("POST", "/v1/data_sources")
    replay.swaps["Test Database - 2025-10-21 10:17:02.447974"] = made["title"][0]["plain_text"]
    database = replay.send("POST", "/v1/databases")
    replay.swaps[made["id"]] = database["data_sources"][0]["id"]
    source = replay.send("GET", "/v1/data_sources/", ignore={"icon"})  # Notion's had an emoji
    assert source["icon"] is None


def test_it_answers_a_data_source_update_like_notion():
    replay = Replay("test_data_sources_retrieve.yaml")
    replay.send("POST", "/v1/pages")
    made = replay.answer("POST", "/v1/data_sources")
    replay.swaps["Test Database - 2025-10-21 10:17:02.447974"] = made["title"][0]["plain_text"]
    database = replay.send("POST", "/v1/databases")
    replay.swaps[made["id"]] = database["data_sources"][0]["id"]
    replay.send("GET", "/v1/data_sources/", ignore={"icon"})

    source = replay.send("PATCH", "/v1/data_sources/", ignore={"icon"})

    assert (source["archived"], source["in_trash"]) == (True, True)


def test_it_answers_a_comment_create_like_notion():
    replay = Replay("test_comments_create.yaml")
    replay.send("POST", "/v1/pages")
    replay.send("POST", "/v1/comments")


def test_it_answers_a_comment_list_like_notion():
    replay = Replay("test_comments_list.yaml")
    replay.send("POST", "/v1/pages")
    replay.send("POST", "/v1/comments")
    replay.send("GET", "/v1/comments")


def test_it_answers_an_unknown_page_like_notion():
    Replay("test_build_request_error_integration.yaml").send("GET", "/v1/pages/")


def test_it_answers_an_invalid_url_like_notion():
    Replay("test_api_response_error.yaml").send("GET", "/v1/invalid")


def test_it_answers_a_bad_token_like_notion():
    replay = Replay("test_api_response_error.yaml")
    # Notion was asked for /v1/users, which the sandbox lacks: ask it for a page it has.
    replay.send("GET", "/v1/users", to=f"/v1/pages/{replay.parent['id']}", token="ntn_not_the_integrations")


# Notion's limits, with Notion's error envelope


@pytest.fixture
def page(sandbox: NotionSandbox) -> dict:
    return sandbox.add_page("Limits")


def paragraphs(*texts: str) -> dict:
    return {"children": [{"paragraph": {"rich_text": [{"text": {"content": text}}]}} for text in texts]}


def test_it_takes_a_rich_text_of_2000_utf16_units(sandbox, page):
    response = sandbox(request("PATCH", f"/v1/blocks/{page['id']}/children", paragraphs("😀" * 1000)))
    assert response.status_code == 200


def test_it_refuses_a_rich_text_over_2000_utf16_units(sandbox, page):
    response = sandbox(request("PATCH", f"/v1/blocks/{page['id']}/children", paragraphs("😀" * 1001)))
    assert_error(
        response,
        400,
        "validation_error",
        "body failed validation: body.children[0].paragraph.rich_text[0].text.content.length should be ≤ "
        "`2000`, instead was `2002`.",
    )


def test_it_takes_100_children_in_one_append(sandbox, page):
    response = sandbox(request("PATCH", f"/v1/blocks/{page['id']}/children", paragraphs(*["x"] * 100)))
    assert response.status_code == 200
    assert len(response.json()["results"]) == 100


def test_it_refuses_over_100_children_in_one_append(sandbox, page):
    response = sandbox(request("PATCH", f"/v1/blocks/{page['id']}/children", paragraphs(*["x"] * 101)))
    assert_error(
        response,
        400,
        "validation_error",
        "body failed validation: body.children.length should be ≤ `100`, instead was `101`.",
    )


def test_it_refuses_a_request_without_notion_version(sandbox, page):
    unversioned = request("GET", f"/v1/pages/{page['id']}")
    del unversioned.headers["Notion-Version"]
    assert_error(
        sandbox(unversioned),
        400,
        "missing_version",
        "Notion-Version header failed validation: Notion-Version header should be defined, "
        "instead was `undefined`.",
    )


def test_it_refuses_a_body_that_is_not_json(sandbox, page):
    broken = request("PATCH", f"/v1/blocks/{page['id']}/children")
    broken = httpx.Request("PATCH", broken.url, headers=broken.headers, content=b'{"children": [')
    assert_error(sandbox(broken), 400, "invalid_json", "Error parsing JSON body.")


def test_it_answers_a_request_over_the_rate_limit_with_429_and_retry_after():
    sandbox = NotionSandbox(token=TOKEN, rate=3, burst=3)
    page = sandbox.add_page("Busy")
    answers = [sandbox(request("GET", f"/v1/pages/{page['id']}")) for _ in range(4)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert_error(
        answers[3], 429, "rate_limited", "You have been rate limited. Please try again in a few minutes."
    )
    assert re.fullmatch(r"[1-9][0-9]*", answers[3].headers["retry-after"])


# Data source updates: the schema changed as Notion changes it


@pytest.fixture
def source(sandbox: NotionSandbox, page: dict) -> dict:
    body = {
        "parent": {"type": "page_id", "page_id": page["id"]},
        "title": [{"text": {"content": "Books"}}],
        "initial_data_source": {"properties": {"Name": {"title": {}}, "Pages": {"number": {}}}},
    }
    database = sandbox(request("POST", "/v1/databases", body)).json()
    return sandbox(request("GET", f"/v1/data_sources/{database['data_sources'][0]['id']}")).json()


def update(sandbox: NotionSandbox, source: dict, body: dict) -> httpx.Response:
    return sandbox(request("PATCH", f"/v1/data_sources/{source['id']}", body))


def test_it_adds_a_property_to_a_data_source_and_answers_with_the_whole_data_source(sandbox, source):
    answered = update(sandbox, source, {"properties": {"Import key": {"rich_text": {}}}}).json()

    assert answered.keys() - {"request_id"} == source.keys() - {"request_id"}
    added = answered["properties"]["Import key"]
    assert (added["name"], added["type"], added["rich_text"]) == ("Import key", "rich_text", {})
    assert answered["properties"]["Pages"] == source["properties"]["Pages"]
    kept = sandbox(request("GET", f"/v1/data_sources/{source['id']}")).json()
    assert kept["properties"]["Import key"]["id"] == added["id"]


def test_it_renames_removes_and_retypes_properties(sandbox, source):
    pages_id = source["properties"]["Pages"]["id"]
    answered = update(sandbox, source, {"properties": {"Pages": {"name": "Length"}}}).json()
    assert answered["properties"]["Length"]["id"] == pages_id and "Pages" not in answered["properties"]

    answered = update(sandbox, source, {"properties": {pages_id: {"rich_text": {}}}}).json()
    assert answered["properties"]["Length"]["type"] == "rich_text"

    answered = update(sandbox, source, {"properties": {"Length": None}}).json()
    assert set(answered["properties"]) == {"Name"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"properties": {"Nope": None}}, "Could not find property with name or id: Nope"),
        ({"properties": {"Name": None}}, "Cannot delete the title property of a data source."),
        ({"properties": {"Name": {"rich_text": {}}}}, "Cannot change the type of the title property."),
        ({"properties": {"Other": {"title": {}}}}, "A data source has exactly one title property"),
        (
            {"properties": []},
            "body failed validation: body.properties should be an object, instead was `[]`.",
        ),
    ],
)
def test_it_refuses_a_bad_data_source_update_like_notion(sandbox, source, body, message):
    response = update(sandbox, source, body)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert response.json()["message"].startswith(message)
    assert (
        sandbox(request("GET", f"/v1/data_sources/{source['id']}")).json()["properties"]
        == source["properties"]
    )
