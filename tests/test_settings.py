"""Start-up with a malformed setting stops with a message naming the variable."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_db

ROOT = Path(__file__).resolve().parents[1]
PRINT_SECRET_KEY = "import notionforms.settings as s; print(s.SECRET_KEY)"


def start(
    tmp_path, code: str = "import notionforms.settings", cwd: Path = ROOT, **env: str
) -> subprocess.CompletedProcess:
    # ENV_FILE="": a developer's `.env` must not change what these tests see.
    base = {
        "PATH": "/usr/bin:/bin",
        "ENV_FILE": "",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=base | env, cwd=cwd
    )


@pytest.fixture
def project_with_env(tmp_path) -> Path:
    """A copy of the settings module with a `.env` beside it, as `make run` leaves one."""
    (tmp_path / "notionforms").mkdir()
    (tmp_path / "notionforms" / "__init__.py").touch()
    shutil.copy(ROOT / "notionforms" / "settings.py", tmp_path / "notionforms" / "settings.py")
    shutil.copytree(
        ROOT / "integration", tmp_path / "integration", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / ".env").write_text("SECRET_KEY=from-the-developers-env\n")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("DATABASE_URL", "mysql-ish://nowhere"),
        ("NOTION_BASE_URL", "api.notion.com"),
        ("APP_URL", "forms.example.com"),
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
        ("LOGIN_FAILURE_LIMIT", "0"),
        ("LOGIN_LOCKOUT_MINUTES", "nan"),
        ("IMPORT_MAX_BYTES", "20 MB"),
        ("IMPORT_MAX_BYTES", "0"),
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


def test_a_secret_key_in_the_file_named_by_env_file_is_used(tmp_path):
    settings_file = tmp_path / "production.env"
    settings_file.write_text("# settings of one installation\nSECRET_KEY=from-the-named-file\n")

    result = start(tmp_path, PRINT_SECRET_KEY, DEBUG="false", ENV_FILE=str(settings_file))

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-the-named-file"


def test_the_environment_wins_over_the_file_named_by_env_file(tmp_path):
    settings_file = tmp_path / "production.env"
    settings_file.write_text("SECRET_KEY=from-the-named-file\n")

    result = start(
        tmp_path,
        PRINT_SECRET_KEY,
        DEBUG="false",
        ENV_FILE=str(settings_file),
        SECRET_KEY="from-the-environment",
    )

    assert result.stdout.strip() == "from-the-environment"


def test_an_env_file_that_does_not_exist_stops_start_up_naming_the_variable(tmp_path):
    result = start(tmp_path, ENV_FILE=str(tmp_path / "missing.env"))

    assert result.returncode != 0
    assert "ImproperlyConfigured: ENV_FILE " in result.stderr


def test_the_env_file_beside_the_project_is_read_by_default(tmp_path, project_with_env):
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "false", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}

    result = subprocess.run(
        [sys.executable, "-c", PRINT_SECRET_KEY],
        capture_output=True,
        text=True,
        env=env,
        cwd=project_with_env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-the-developers-env"


def test_an_empty_env_file_reads_not_even_the_env_file_beside_the_project(tmp_path, project_with_env):
    result = start(tmp_path, PRINT_SECRET_KEY, cwd=project_with_env, DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
