import pytest

from integration.ids import parse_notion_id

ID = "28399f72-bada-81cb-8daf-fa61f9ba74c6"
COMPACT = ID.replace("-", "")

pytestmark = pytest.mark.no_db


@pytest.mark.parametrize(
    "value",
    [
        ID,
        ID.upper(),
        COMPACT,
        f"  {COMPACT}\n",
        f"https://www.notion.so/Test-Page-{COMPACT}",
        f"https://www.notion.so/team/Test-Page-{COMPACT}?pvs=4",
        f"https://www.notion.so/{COMPACT}?v=0123456789abcdef0123456789abcdef",
        f"https://team.notion.site/Page-{COMPACT}",
        f"www.notion.so/Test-Page-{COMPACT}",
        f"https://www.notion.so/{ID}",
    ],
)
def test_it_finds_the_id(value):
    assert parse_notion_id(value) == ID


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not an id",
        COMPACT[:-1],
        COMPACT + "0",
        f"https://example.com/{COMPACT}",
        f"https://notion.so.evil.com/{COMPACT}",
        "https://www.notion.so/no-id-here",
        f"javascript:alert('{COMPACT}')",
        "http://[::1",
    ],
)
def test_it_rejects_what_holds_no_notion_id(value):
    assert parse_notion_id(value) is None
