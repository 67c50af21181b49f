"""Start-up with a malformed setting stops with a message naming the variable."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.no_db


def start(tmp_path, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": "/usr/bin:/bin", "DEBUG": "true", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    return subprocess.run(
        [sys.executable, "-c", "import notionforms.settings"],
        capture_output=True,
        text=True,
        env=base | env,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql-ish://nowhere"),
        ("NOTION_BASE_URL", "api.notion.com"),
        ("NOTION_PAGE_ID", "the team page"),
        ("NOTION_READ_TIMEOUT", "soon"),
        ("NOTION_MAX_ATTEMPTS", "0"),
        ("NOTION_AUDIT_BODY_LIMIT", "12"),
        ("NOTION_RATE_LIMIT", "nan"),
        ("NOTION_RATE_LIMIT", "inf"),
        ("NOTION_RATE_LIMIT", "1e309"),
        ("NOTION_RATE_LIMIT", "101"),
        ("NOTION_RATE_MAX_WAIT", "nan"),
        ("NOTION_RATE_MAX_WAIT", "301"),
        ("NOTION_RETRY_MAX_WAIT", "inf"),
        ("NOTION_RETRY_MAX_WAIT", "-inf"),
        ("NOTION_RETRY_MAX_WAIT", "301"),
        ("NOTION_RETRY_BACKOFF", "nan"),
        ("NOTION_CONNECT_TIMEOUT", "inf"),
        ("NOTION_CONNECT_TIMEOUT", "301"),
        ("NOTION_READ_TIMEOUT", "nan"),
        ("NOTION_READ_TIMEOUT", "1e400"),
        ("NOTION_MAX_ATTEMPTS", "11"),
        ("NOTION_RATE_BURST", "1000000"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    result = start(tmp_path, **{name: value})

    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} " in result.stderr


def test_production_needs_a_secret_key(tmp_path):
    result = start(tmp_path, DEBUG="false")

    assert "SECRET_KEY must be set" in result.stderr


def test_good_values_start(tmp_path):
    result = start(tmp_path, NOTION_PAGE_ID="https://www.notion.so/Team-28399f72bada81cb8daffa61f9ba74c6")

    assert result.returncode == 0, result.stderr


def test_the_largest_allowed_values_start(tmp_path):
    result = start(
        tmp_path,
        NOTION_RATE_LIMIT="100",
        NOTION_RATE_MAX_WAIT="300",
        NOTION_RETRY_MAX_WAIT="300",
        NOTION_CONNECT_TIMEOUT="300",
        NOTION_READ_TIMEOUT="300",
        NOTION_MAX_ATTEMPTS="10",
    )

    assert result.returncode == 0, result.stderr
